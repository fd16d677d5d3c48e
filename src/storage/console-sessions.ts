/*
 * The console's token sessions (migration 0015): a session is live while its row is here and
 * unexpired. Rows are named by a hash of the session id, never the id itself.
 */
import { and, eq, gt, lte } from "drizzle-orm";
import { toHex, utf8 } from "../platform/bytes";
import { orm } from "./orm";
import { consoleSessions } from "./schema";

const sessions = consoleSessions;

/** The row name of a session id: its SHA-256, so the table holds nothing a cookie could be made from. */
export async function sessionIdHash(id: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", utf8(id)));
}

export async function storeSession(db: D1Database, id: string, createdAt: Date, expiresAt: Date): Promise<void> {
  await orm(db)
    .insert(sessions)
    .values({ idHash: await sessionIdHash(id), createdAt: createdAt.toISOString(), expiresAt: expiresAt.toISOString() });
}

/** Whether the session was started here, has not ended (signed out) and has not expired. */
export async function sessionLive(db: D1Database, id: string, now: Date): Promise<boolean> {
  const [row] = await orm(db)
    .select({ idHash: sessions.idHash })
    .from(sessions)
    .where(and(eq(sessions.idHash, await sessionIdHash(id)), gt(sessions.expiresAt, now.toISOString())));
  return row !== undefined;
}

/** Signing out: the session ends for every copy of its cookie. */
export async function endSession(db: D1Database, id: string): Promise<void> {
  await orm(db)
    .delete(sessions)
    .where(eq(sessions.idHash, await sessionIdHash(id)));
}

/** Cron: expired sessions are refused anyway; deleting them keeps the table to the live ones. */
export async function forgetExpiredSessions(db: D1Database, now: Date): Promise<void> {
  await orm(db).delete(sessions).where(lte(sessions.expiresAt, now.toISOString()));
}
