import { effectId } from "../domain/effect-id";

/**
 * Tasks written before effect ids were derived carry their effect's random UUID; rules now name
 * them by the derived id. These map one to the other (migrations/0008_legacy_task_keys.sql).
 */

const BACKFILL_PAGE = 500;

/**
 * Maps every legacy createTask effect not yet mapped; returns how many it mapped. Once none is
 * left it says so in finished_backfills (the Worker no longer makes such ids), and from then on
 * costs one lookup.
 */
export async function backfillLegacyTaskKeys(db: D1Database, now: Date): Promise<number> {
  if (await db.prepare("select 1 from finished_backfills where name = 'legacy_task_keys'").first()) return 0;
  let mapped = 0;
  for (;;) {
    const { results } = await db
      .prepare(
        `select id, idempotency_key as key from effects
         where type = 'createTask' and id glob '????????-????-*'
           and id not in (select legacy_id from legacy_task_keys)
         limit ?`,
      )
      .bind(BACKFILL_PAGE)
      .all<{ id: string; key: string }>();
    if (results.length === 0) {
      await db.prepare("insert or ignore into finished_backfills (name, finished_at) values ('legacy_task_keys', ?)").bind(now.toISOString()).run();
      return mapped;
    }
    const rows = JSON.stringify(results.map((r) => ({ key: effectId(r.key), id: r.id })));
    await db
      .prepare("insert or ignore into legacy_task_keys (task_key, legacy_id) select value ->> 'key', value ->> 'id' from json_each(?)")
      .bind(rows)
      .run();
    mapped += results.length;
  }
}

/**
 * The old key of each of these tasks that has one. Keys not mapped yet first complete the
 * backfill (one query when it is done), so a lookup right after the deploy finds the old tasks.
 */
export async function legacyTaskIds(db: D1Database, keys: readonly string[], now: Date): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const found = await mapped(db, keys);
  if (found.size === keys.length || (await backfillLegacyTaskKeys(db, now)) === 0) return found;
  return mapped(db, keys);
}

async function mapped(db: D1Database, keys: readonly string[]): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("select task_key, legacy_id from legacy_task_keys where task_key in (select value from json_each(?))")
    .bind(JSON.stringify(keys))
    .all<{ task_key: string; legacy_id: string }>();
  return new Map(results.map((r) => [r.task_key, r.legacy_id]));
}
