import type { AlertState } from "../core/alerts/alerts";
import { jsonBatches } from "./json-batches";

export type AlertRow = AlertState;

export async function listAlerts(db: D1Database): Promise<AlertRow[]> {
  const { results } = await db
    .prepare(
      `select id, firing, title, detail, since, last_sent_at as lastSentAt, sent_level as sentLevel, evaluated_at as evaluatedAt
       from alerts order by firing desc, id`,
    )
    .all<Omit<AlertRow, "firing"> & { firing: number }>();
  return results.map((r) => ({ ...r, firing: !!r.firing }));
}

const SAVE = `
  insert into alerts (id, firing, title, detail, since, last_sent_at, sent_level, evaluated_at)
  select a.value ->> 'id', a.value ->> 'firing', a.value ->> 'title', a.value ->> 'detail', a.value ->> 'since',
         a.value ->> 'lastSentAt', a.value ->> 'sentLevel', a.value ->> 'evaluatedAt'
  from json_each(?1) as a where true
  on conflict (id) do update set firing = excluded.firing, title = excluded.title, detail = excluded.detail, since = excluded.since,
    last_sent_at = excluded.last_sent_at, sent_level = excluded.sent_level, evaluated_at = excluded.evaluated_at`;

export async function saveAlerts(db: D1Database, states: readonly AlertState[]): Promise<void> {
  if (states.length === 0) return;
  const rows = states.map((s) => ({ ...s, firing: s.firing ? 1 : 0 }));
  await db.batch(jsonBatches(rows).map((json) => db.prepare(SAVE).bind(json)));
}
