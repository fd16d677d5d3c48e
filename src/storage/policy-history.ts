/** Every accepted policy version, newest first (bodies are read one at a time: they are large). */
export interface PolicyVersionRow {
  version: number;
  createdAt: string;
  /** Who saved it, when known (versions saved through the admin API say nobody). */
  savedBy: string | null;
  note: string | null;
}

export async function policyVersions(db: D1Database, limit = 100): Promise<PolicyVersionRow[]> {
  const { results } = await db
    .prepare("select version, created_at as createdAt, saved_by as savedBy, note from policies order by version desc limit ?1")
    .bind(limit)
    .all<PolicyVersionRow>();
  return results;
}

export async function policyBody(db: D1Database, version: number): Promise<string | null> {
  return (await db.prepare("select body from policies where version = ?1").bind(version).first<{ body: string }>())?.body ?? null;
}
