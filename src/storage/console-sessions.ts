/*
 * The console's token sessions (migration 0015): a session is live while its row is here and
 * unexpired. Rows are named by a hash of the session id, never the id itself.
 */
import { toHex, utf8 } from "../platform/bytes";

/** The row name of a session id: its SHA-256, so the table holds nothing a cookie could be made from. */
export async function sessionIdHash(id: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", utf8(id)));
}

export async function storeSession(db: D1Database, id: string, createdAt: Date, expiresAt: Date): Promise<void> {
  await db
    .prepare("INSERT INTO console_sessions (id_hash, created_at, expires_at) VALUES (?1, ?2, ?3)")
    .bind(await sessionIdHash(id), createdAt.toISOString(), expiresAt.toISOString())
    .run();
}

/** Whether the session was started here, has not ended (signed out) and has not expired. */
export async function sessionLive(db: D1Database, id: string, now: Date): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS live FROM console_sessions WHERE id_hash = ?1 AND expires_at > ?2")
    .bind(await sessionIdHash(id), now.toISOString())
    .first();
  return row !== null;
}

/** Signing out: the session ends for every copy of its cookie. */
export async function endSession(db: D1Database, id: string): Promise<void> {
  await db
    .prepare("DELETE FROM console_sessions WHERE id_hash = ?1")
    .bind(await sessionIdHash(id))
    .run();
}

/** Cron: expired sessions are refused anyway; deleting them keeps the table to the live ones. */
export async function forgetExpiredSessions(db: D1Database, now: Date): Promise<void> {
  await db.prepare("DELETE FROM console_sessions WHERE expires_at <= ?1").bind(now.toISOString()).run();
}
