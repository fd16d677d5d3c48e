import { and, count, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { Fact } from "../core/facts/fact";
import { field, jsonBatches, jsonRows } from "./json-batches";
import { anyOf, compiled, orm } from "./orm";
import { facts } from "./schema";

/** Facts as rows of one bound JSON array; a key stored already (or repeated in the array) is ignored. */
const insertFacts = compiled<{ json: string }>((q) =>
  q
    .insert(facts)
    .select(
      jsonRows(facts, sql.placeholder("json"), {
        key: field("key"),
        kind: field("kind"),
        at: field("at"),
        recordKey: field("recordKey"),
        crm: field("crm"),
        objectType: field("objectType"),
        source: field("source"),
        team: field("team"),
        rep: field("rep"),
        cadence: field("cadence"),
        step: field("step"),
        stage: field("stage"),
        gate: field("gate"),
        reason: field("reason"),
        data: field("data"),
      }),
    )
    .onConflictDoNothing({ target: facts.key }),
);

/**
 * Appends facts; a fact whose key is stored already is ignored (a redelivery, a re-run), and so
 * is a key repeated within the call. All rows go in one batch (one transaction). Returns how
 * many were new.
 */
export async function recordFacts(db: D1Database, list: readonly Fact[]): Promise<number> {
  if (list.length === 0) return 0;
  const results = await db.batch(factStatements(db, list));
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
}

/** recordFacts' statements, for a caller to run in its own batch (a rule run's, with its effects). */
export function factStatements(db: D1Database, list: readonly Fact[]): D1PreparedStatement[] {
  // One spelling of instants (UTC, milliseconds), so facts compare and fall into days as text.
  const rows = list.map((f) => ({ ...f, at: new Date(f.at).toISOString(), data: f.data ? JSON.stringify(f.data) : null }));
  return jsonBatches(rows).map((json) => insertFacts(db, { json }));
}

/**
 * Of these records, those whose cadence stopped or was paused (a cadenceStopped fact, which the
 * record object stores before it commits the stop), with the reason: an email decided before the
 * stop must not go after it.
 */
const stoppedOf = compiled<{ keys: string }>((q) =>
  q
    .select({ recordKey: facts.recordKey, reason: facts.reason })
    .from(facts)
    .where(and(eq(facts.kind, "cadenceStopped"), inArray(facts.recordKey, sql`(select value from json_each(${sql.placeholder("keys")}))`))),
);

export async function stoppedCadences(db: D1Database, recordKeys: readonly string[]): Promise<Map<string, string>> {
  const keys = [...new Set(recordKeys)];
  if (keys.length === 0) return new Map();
  const { results } = await stoppedOf(db, { keys: JSON.stringify(keys) }).all<{ record_key: string; reason: string | null }>();
  return new Map(results.map((r) => [r.record_key, r.reason ?? "stopped"]));
}

/** How many SLAs were met and breached since `since`: the breach-rate alert. */
export async function slaOutcomes(db: D1Database, since: Date): Promise<{ met: number; breached: number }> {
  const rows = await orm(db)
    .select({ kind: facts.kind, n: count() })
    .from(facts)
    .where(and(gte(facts.at, since.toISOString()), inArray(facts.kind, ["slaMet", "slaBreached"])))
    .groupBy(facts.kind);
  const of = (kind: string) => rows.find((r) => r.kind === kind)?.n ?? 0;
  return { met: of("slaMet"), breached: of("slaBreached") };
}

/** How many records of these object types were created in each of these hours: the volume-drop alert. */
export async function recordsCreatedIn(
  db: D1Database,
  hours: readonly { start: Date; end: Date }[],
  objectTypes: readonly string[],
): Promise<number[]> {
  if (hours.length === 0) return [];
  const d1 = orm(db);
  const types = anyOf(objectTypes);
  const counts = hours.map((h) =>
    d1
      .select({ n: count() })
      .from(facts)
      .where(
        and(
          gte(facts.at, h.start.toISOString()),
          lt(facts.at, h.end.toISOString()),
          eq(facts.kind, "recordCreated"),
          inArray(facts.objectType, types),
        ),
      ),
  );
  const results = await d1.batch([counts[0]!, ...counts.slice(1)]);
  return results.map(([row]) => row?.n ?? 0);
}

/** Writes a portal validation rule refused in the last day, and the newest one's error (it names the rule): the refusals alert. */
export async function validationRuleRefusalsSince(
  db: D1Database,
  since: Date,
): Promise<{ count: number; newestAt: string | null; error: string | null }> {
  const refused = and(eq(facts.kind, "effectDead"), eq(facts.reason, "validationRule"), gte(facts.at, since.toISOString()));
  const d1 = orm(db);
  const [[summary], [newest]] = await d1.batch([
    d1
      .select({ n: count(), newestAt: sql<string | null>`max(${facts.at})` })
      .from(facts)
      .where(refused),
    d1
      .select({ error: sql<string | null>`${facts.data} ->> 'error'` })
      .from(facts)
      .where(refused)
      .orderBy(sql`${facts.at} desc`)
      .limit(1),
  ]);
  return { count: summary?.n ?? 0, newestAt: summary?.newestAt ?? null, error: newest?.error ?? null };
}
