import { asc, eq, lt } from "drizzle-orm";
import { orm } from "./orm";
import { leadAddresses, mailgunTokens } from "./schema";

/*
 * D1 tables of inbound email: the address index replies are matched with, and Mailgun's seen
 * tokens.
 */

export async function replaceLeadAddresses(db: D1Database, recordKey: string, addresses: readonly string[]): Promise<number> {
  const d1 = orm(db);
  const results = await d1.batch([
    d1.delete(leadAddresses).where(eq(leadAddresses.recordKey, recordKey)),
    ...addresses.map((address) => d1.insert(leadAddresses).values({ address, recordKey }).onConflictDoNothing()),
  ]);
  return results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);
}

export async function recordsWithAddress(db: D1Database, canonicalAddress: string): Promise<string[]> {
  const rows = await orm(db)
    .select({ recordKey: leadAddresses.recordKey })
    .from(leadAddresses)
    .where(eq(leadAddresses.address, canonicalAddress))
    .orderBy(asc(leadAddresses.recordKey))
    .limit(20);
  return rows.map((r) => r.recordKey);
}

/** Whether a request with this Mailgun token was accepted before (this one is a replay). */
export async function mailgunTokenSeen(db: D1Database, token: string): Promise<boolean> {
  const [row] = await orm(db).select({ token: mailgunTokens.token }).from(mailgunTokens).where(eq(mailgunTokens.token, token));
  return row !== undefined;
}

/** Spends a token once its request was handled. */
export async function rememberMailgunToken(db: D1Database, token: string, now: Date): Promise<void> {
  await orm(db).insert(mailgunTokens).values({ token, seenAt: now.toISOString() }).onConflictDoNothing();
}

/**
 * Cron: drops tokens older than a day. A signature that old is refused by its timestamp anyway,
 * so its token no longer needs remembering.
 */
export async function forgetOldMailgunTokens(db: D1Database, now: Date): Promise<void> {
  await orm(db)
    .delete(mailgunTokens)
    .where(lt(mailgunTokens.seenAt, new Date(now.getTime() - 86_400_000).toISOString()));
}
