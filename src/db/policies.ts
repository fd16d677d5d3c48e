import { drizzle } from "drizzle-orm/d1";
import { DEFAULT_POLICY } from "../domain/default-policy";
import { Policy, type VersionedPolicy } from "../domain/policy";
import { policies } from "./schema";

/*
 * Validating a policy takes milliseconds (every rule, template and calendar is checked), and every
 * intake request reads the active one. A stored version never changes, so the isolate keeps the
 * last one it parsed and reads its body again only when the newest row is another one (its
 * version, time and size tell; a database rebuilt from scratch numbers its versions anew). Callers
 * must not change the policy they are given.
 */
let lastParsed: (VersionedPolicy & { size: number }) | undefined;
let parsedDefault: VersionedPolicy | undefined;

/** The active policy: the newest accepted version, or the shipped default (version 0). */
export async function activePolicy(db: D1Database): Promise<VersionedPolicy> {
  const row = await db
    .prepare(
      `SELECT version, created_at, length(body) AS size, CASE WHEN version = ? AND created_at = ? AND length(body) = ? THEN NULL ELSE body END AS body
       FROM policies ORDER BY version DESC LIMIT 1`,
    )
    .bind(lastParsed?.version ?? -1, lastParsed?.createdAt ?? "", lastParsed?.size ?? -1)
    .first<{ version: number; created_at: string; size: number; body: string | null }>();
  if (!row) {
    parsedDefault ??= { version: 0, policy: Policy.parse(DEFAULT_POLICY), createdAt: "1970-01-01T00:00:00.000Z" };
    return parsedDefault;
  }
  if (row.body === null && lastParsed) return { version: lastParsed.version, policy: lastParsed.policy, createdAt: lastParsed.createdAt };
  lastParsed = { version: row.version, policy: Policy.parse(JSON.parse(row.body!)), createdAt: row.created_at, size: row.size };
  return { version: lastParsed.version, policy: lastParsed.policy, createdAt: lastParsed.createdAt };
}

/** Stores an already validated policy as the next version. */
export async function savePolicy(db: D1Database, policy: Policy, now: Date): Promise<VersionedPolicy> {
  const [row] = await drizzle(db)
    .insert(policies)
    .values({ body: JSON.stringify(policy), createdAt: now.toISOString() })
    .returning();
  return { version: row!.version, policy, createdAt: row!.createdAt };
}
