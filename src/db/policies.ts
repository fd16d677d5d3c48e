import { desc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { DEFAULT_POLICY } from "../domain/default-policy";
import { Policy, type VersionedPolicy } from "../domain/policy";
import { policies } from "./schema";

/** The active policy: the newest accepted version, or the shipped default (version 0). */
export async function activePolicy(db: D1Database): Promise<VersionedPolicy> {
  const [row] = await drizzle(db).select().from(policies).orderBy(desc(policies.version)).limit(1);
  if (!row) return { version: 0, policy: Policy.parse(DEFAULT_POLICY), createdAt: "1970-01-01T00:00:00.000Z" };
  return { version: row.version, policy: Policy.parse(JSON.parse(row.body)), createdAt: row.createdAt };
}

/** Stores an already validated policy as the next version. */
export async function savePolicy(db: D1Database, policy: Policy, now: Date): Promise<VersionedPolicy> {
  const [row] = await drizzle(db)
    .insert(policies)
    .values({ body: JSON.stringify(policy), createdAt: now.toISOString() })
    .returning();
  return { version: row!.version, policy, createdAt: row!.createdAt };
}
