/** Every accepted policy version, newest first (bodies are read one at a time: they are large). */
export async function policyVersions(db: D1Database, limit = 100): Promise<{ version: number; createdAt: string }[]> {
  const { results } = await db
    .prepare("select version, created_at as createdAt from policies order by version desc limit ?1")
    .bind(limit)
    .all<{ version: number; createdAt: string }>();
  return results;
}

export async function policyBody(db: D1Database, version: number): Promise<string | null> {
  return (await db.prepare("select body from policies where version = ?1").bind(version).first<{ body: string }>())?.body ?? null;
}
