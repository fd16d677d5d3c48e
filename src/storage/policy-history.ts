import { desc, eq } from "drizzle-orm";
import { orm } from "./orm";
import { policies } from "./schema";

/** Every accepted policy version, newest first (bodies are read one at a time: they are large). */
export interface PolicyVersionRow {
  version: number;
  createdAt: string;
  /** Who saved it, when known (versions saved through the admin API say nobody). */
  savedBy: string | null;
  note: string | null;
}

export async function policyVersions(db: D1Database, limit = 100): Promise<PolicyVersionRow[]> {
  return orm(db)
    .select({ version: policies.version, createdAt: policies.createdAt, savedBy: policies.savedBy, note: policies.note })
    .from(policies)
    .orderBy(desc(policies.version))
    .limit(limit);
}

export async function policyBody(db: D1Database, version: number): Promise<string | null> {
  const [row] = await orm(db).select({ body: policies.body }).from(policies).where(eq(policies.version, version));
  return row?.body ?? null;
}
