import { desc, sql } from "drizzle-orm";
import { DEFAULT_POLICY } from "../core/policy/default-policy";
import { Policy, type VersionedPolicy } from "../core/policy/policy";
import type { SqlCondition } from "./conditional-insert";
import { compiled, orm } from "./orm";
import { policies } from "./schema";

const ph = sql.placeholder;

/*
 * Validating a policy takes milliseconds (every rule, template and calendar is checked), and every
 * intake request reads the active one. A stored version never changes, so the isolate keeps the
 * last one it parsed and reads its body again only when the newest row is another one (its
 * version, time and size tell; a database rebuilt from scratch numbers its versions anew). Callers
 * must not change the policy they are given.
 *
 * The intake route goes one step further and does not wait for the read at all: it works with the
 * policy this isolate last read (lastReadPolicy) and checks that it is still the active one in the
 * batch that stores the submission (policyIsCurrentCondition guards its writes), starting over on
 * a fresh read if not.
 */
/** A policy as read, with the size of its stored body (-1 for the shipped default, which has no row). */
export type ReadPolicy = VersionedPolicy & { size: number };

let lastParsed: ReadPolicy | undefined;
let parsedDefault: ReadPolicy | undefined;
let lastRead: ReadPolicy | undefined;

/** The policy activePolicy last answered in this isolate, unchecked; undefined before the first read. */
export function lastReadPolicy(): ReadPolicy | undefined {
  return lastRead;
}

/** A SQL condition that holds exactly when `read` is still the active policy (a batch's writes can carry it). */
export function policyIsCurrentCondition(read: ReadPolicy): SqlCondition {
  return {
    name: "policyIsCurrent",
    sql: POLICY_IS_CURRENT,
    values: { "policy.version": read.version, "policy.createdAt": read.createdAt, "policy.size": read.size },
  };
}

/** The newest row is the one read (by version, time and size), or there is none and the default (version 0) was read. */
const POLICY_IS_CURRENT = sql`coalesce((select ${policies.version} = ${ph("policy.version")} and ${policies.createdAt} = ${ph("policy.createdAt")}
  and length(${policies.body}) = ${ph("policy.size")} from ${policies} order by ${policies.version} desc limit 1), ${ph("policy.version")} = 0)`;

/** The newest policy row, with its body only when it is not the one this isolate parsed last (by version, time and size). */
const readNewest = compiled<{ version: number; createdAt: string; size: number }>((q) => {
  const size = sql<number>`length(${policies.body})`;
  const same = sql`${policies.version} = ${ph("version")} and ${policies.createdAt} = ${ph("createdAt")} and ${size} = ${ph("size")}`;
  return q
    .select({
      version: policies.version,
      createdAt: policies.createdAt,
      size: size.as("size"),
      body: sql<string | null>`case when ${same} then null else ${policies.body} end`.as("body"),
    })
    .from(policies)
    .orderBy(desc(policies.version))
    .limit(1);
});

/** The active policy: the newest accepted version, or the shipped default (version 0). */
export async function activePolicy(db: D1Database): Promise<VersionedPolicy> {
  const { version, policy, createdAt } = await readActivePolicy(db);
  return { version, policy, createdAt };
}

/** activePolicy, with what policyIsCurrentCondition needs to check it later. */
export async function readActivePolicy(db: D1Database): Promise<ReadPolicy> {
  const row = await readNewest(db, {
    version: lastParsed?.version ?? -1,
    createdAt: lastParsed?.createdAt ?? "",
    size: lastParsed?.size ?? -1,
  }).first<{
    version: number;
    created_at: string;
    size: number;
    body: string | null;
  }>();
  if (!row) {
    parsedDefault ??= { version: 0, policy: Policy.parse(DEFAULT_POLICY), createdAt: "1970-01-01T00:00:00.000Z", size: -1 };
    lastRead = parsedDefault;
    return parsedDefault;
  }
  if (row.body !== null || !lastParsed) {
    lastParsed = { version: row.version, policy: Policy.parse(JSON.parse(row.body!)), createdAt: row.created_at, size: row.size };
  }
  lastRead = lastParsed;
  return lastParsed;
}

/** Stores an already validated policy as the next version; `by` and `note` say who saved it and what it changed. */
export async function savePolicy(db: D1Database, policy: Policy, now: Date, meta: { by?: string; note?: string } = {}): Promise<VersionedPolicy> {
  const [row] = await orm(db)
    .insert(policies)
    .values({
      body: JSON.stringify(policy),
      createdAt: now.toISOString(),
      ...(meta.by ? { savedBy: meta.by.slice(0, 200) } : {}),
      ...(meta.note ? { note: meta.note.slice(0, 500) } : {}),
    })
    .returning();
  return { version: row!.version, policy, createdAt: row!.createdAt };
}
