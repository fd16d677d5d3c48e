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
  // One spelling of instants (UTC, milliseconds), so facts compare and fall into days as text.
  const rows = list.map((f) => ({ ...f, at: new Date(f.at).toISOString(), data: f.data ? JSON.stringify(f.data) : null }));
  const results = await db.batch(jsonBatches(rows).map((json) => insertFacts(db, { json })));
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
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
