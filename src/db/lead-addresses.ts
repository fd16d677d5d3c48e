/**
 * The address index inbound replies are matched with. Plain D1 statements: two small queries do
 * not need the query builder.
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
  const { results } = await db.prepare("SELECT record_key FROM lead_addresses WHERE address = ? ORDER BY record_key LIMIT 20").bind(canonicalAddress).all<{ record_key: string }>();
  return results.map((r) => r.record_key);
}
