import type { Fact } from "../core/facts/fact";
import { jsonBatches } from "./json-batches";

const INSERT_FACTS = `
  insert into facts (key, kind, at, record_key, crm, object_type, source, team, rep, cadence, step, stage, gate, reason, data)
  select f.value ->> 'key', f.value ->> 'kind', f.value ->> 'at', f.value ->> 'recordKey', f.value ->> 'crm', f.value ->> 'objectType',
         f.value ->> 'source', f.value ->> 'team', f.value ->> 'rep', f.value ->> 'cadence', f.value ->> 'step',
         f.value ->> 'stage', f.value ->> 'gate', f.value ->> 'reason', f.value ->> 'data'
  from json_each(?1) as f where true
  on conflict (key) do nothing`;

/**
 * Appends facts; a fact whose key is stored already is ignored (a redelivery, a re-run), and so
 * is a key repeated within the call. All rows go in one batch (one transaction). Returns how
 * many were new.
 */
export async function recordFacts(db: D1Database, facts: readonly Fact[]): Promise<number> {
  if (facts.length === 0) return 0;
  // One spelling of instants (UTC, milliseconds), so facts compare and fall into days as text.
  const rows = facts.map((f) => ({ ...f, at: new Date(f.at).toISOString(), data: f.data ? JSON.stringify(f.data) : null }));
  const results = await db.batch(jsonBatches(rows).map((json) => db.prepare(INSERT_FACTS).bind(json)));
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
}

/**
 * Of these records, those whose cadence stopped or was paused (a cadenceStopped fact, which the
 * record object stores before it commits the stop), with the reason: an email decided before the
 * stop must not go after it.
 */
export async function stoppedCadences(db: D1Database, recordKeys: readonly string[]): Promise<Map<string, string>> {
  const keys = [...new Set(recordKeys)];
  if (keys.length === 0) return new Map();
  const { results } = await db
    .prepare("select record_key, reason from facts where kind = 'cadenceStopped' and record_key in (select value from json_each(?1))")
    .bind(JSON.stringify(keys))
    .all<{ record_key: string; reason: string | null }>();
  return new Map(results.map((r) => [r.record_key, r.reason ?? "stopped"]));
}
