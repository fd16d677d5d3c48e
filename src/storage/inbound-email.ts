/*
 * D1 tables of inbound email: the address index replies are matched with, and Mailgun's seen
 * tokens. Plain D1 statements: these small queries do not need the query builder.
 */

export async function replaceLeadAddresses(db: D1Database, recordKey: string, addresses: readonly string[]): Promise<number> {
  const statements = [
    db.prepare("DELETE FROM lead_addresses WHERE record_key = ?").bind(recordKey),
    ...addresses.map((address) => db.prepare("INSERT OR IGNORE INTO lead_addresses (address, record_key) VALUES (?, ?)").bind(address, recordKey)),
  ];
  const results = await db.batch(statements);
  return results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);
}

export async function recordsWithAddress(db: D1Database, canonicalAddress: string): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT record_key FROM lead_addresses WHERE address = ? ORDER BY record_key LIMIT 20")
    .bind(canonicalAddress)
    .all<{ record_key: string }>();
  return results.map((r) => r.record_key);
}

/** Whether a request with this Mailgun token was accepted before (this one is a replay). */
export async function mailgunTokenSeen(db: D1Database, token: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS seen FROM mailgun_tokens WHERE token = ?").bind(token).first()) !== null;
}

/** Spends a token once its request was handled. */
export async function rememberMailgunToken(db: D1Database, token: string, now: Date): Promise<void> {
  await db.prepare("INSERT INTO mailgun_tokens (token, seen_at) VALUES (?, ?) ON CONFLICT (token) DO NOTHING").bind(token, now.toISOString()).run();
}

/**
 * Cron: drops tokens older than a day. A signature that old is refused by its timestamp anyway,
 * so its token no longer needs remembering.
 */
export async function forgetOldMailgunTokens(db: D1Database, now: Date): Promise<void> {
  await db
    .prepare("DELETE FROM mailgun_tokens WHERE seen_at < ?")
    .bind(new Date(now.getTime() - 86_400_000).toISOString())
    .run();
}
