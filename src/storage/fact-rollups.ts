import { type DaySpan, localDaysOfUtcDates } from "../core/calendar/days";

/**
 * Daily rollups of the facts (counts per local day and dimensions) and one timing row per lead,
 * kept by the cron so the console reads thousands of rows, not millions. Facts stored after the
 * watermark are counted live by the queries (metrics-queries.ts), so figures are never stale.
 */

/** A lead's source and cadence, when a fact does not carry them: from its enrollment. */
const ENROLLED = (column: "source" | "cadence", alias: string) =>
  `(select e.${column} from facts e where e.record_key = ${alias}.record_key and e.kind = 'enrolled' limit 1)`;

/** The dimensions of a fact `f` as the rollups count them ('' for none). */
export const FACT_DIMENSIONS_SQL = `
  coalesce(f.source, ${ENROLLED("source", "f")}, '') as source, coalesce(f.team, '') as team, coalesce(f.rep, '') as rep,
  coalesce(f.cadence, ${ENROLLED("cadence", "f")}, '') as cadence, coalesce(f.step, '') as step, coalesce(f.stage, '') as stage,
  coalesce(f.gate, '') as gate, coalesce(f.reason, '') as reason`;

const ROLL_UP_DAYS = `
  insert into fact_rollups (day, kind, source, team, rep, cadence, step, stage, gate, reason, n)
  select d.value ->> 'day', f.kind, ${FACT_DIMENSIONS_SQL}, count(*)
  from json_each(?1) as d join facts f on f.at >= d.value ->> 'start' and f.at < d.value ->> 'end'
  where f.rowid <= ?2
  group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`;

/** Kinds that change a lead's timing row. */
const TIMING_KINDS = "('recordCreated', 'enrolled', 'taskWritten', 'taskCompleted', 'activityLogged')";

const ms = (later: string, earlier: string) => `cast(round((julianday(${later}) - julianday(${earlier})) * 86400000) as integer)`;

const TOUCHED_LEADS = `(select record_key from facts where rowid > ?1 and rowid <= ?2 and kind in ${TIMING_KINDS})`;

/**
 * Rebuilds the timing rows of the leads that facts in (?1, ?2] touched (?3: the days they were created on). First contact is the
 * first completed task or logged activity at or after the first task (earlier activity is not a
 * reply to it); the rep is the first task's owner.
 */
const LEAD_TIMINGS = `
  insert or replace into lead_timings (record_key, day, created_at, source, team, rep, cadence, first_task_at, first_contact_at, system_ms, rep_ms)
  select record_key,
         (select d.value ->> 'day' from json_each(?3) as d where created_at >= d.value ->> 'start' and created_at < d.value ->> 'end'),
         created_at, source, team, rep, cadence, first_task_at, first_contact_at,
         case when first_task_at is not null then max(0, ${ms("first_task_at", "created_at")}) end,
         case when first_contact_at is not null then ${ms("first_contact_at", "first_task_at")} end
  from (
    select t.*, (select min(x.at) from facts x where x.record_key = t.record_key and x.kind in ('taskCompleted', 'activityLogged')
                   and x.at >= t.first_task_at and x.rowid <= ?2) as first_contact_at
    from (
      select c.record_key, c.at as created_at, coalesce(c.source, ${ENROLLED("source", "c")}, '') as source, coalesce(c.team, '') as team,
             coalesce((select w.rep from facts w where w.record_key = c.record_key and w.kind = 'taskWritten' and w.rowid <= ?2 order by w.at limit 1), '') as rep,
             coalesce(${ENROLLED("cadence", "c")}, '') as cadence,
             (select min(w.at) from facts w where w.record_key = c.record_key and w.kind = 'taskWritten' and w.rowid <= ?2) as first_task_at
      from facts c
      where c.kind = 'recordCreated' and c.rowid <= ?2 and c.record_key in ${TOUCHED_LEADS}
    ) t
  )`;

/** The UTC dates the touched leads were created on, for the days their timing rows fall on. */
const TOUCHED_CREATION_DATES = `
  select distinct substr(c.at, 1, 10) as date from facts c
  where c.kind = 'recordCreated' and c.rowid <= ?2 and c.record_key in ${TOUCHED_LEADS}`;

export interface RollupState {
  zone: string;
  watermark: number;
  rolledAt: string;
}

export async function rollupState(db: D1Database): Promise<RollupState | null> {
  return db.prepare("select zone, watermark, rolled_at as rolledAt from rollup_state where id = 1").first<RollupState>();
}

export interface RollupRun {
  from: number;
  to: number;
  days: number;
  /** The zone changed: every rollup was dropped and is rebuilt from the first fact. */
  rebuilt: boolean;
}

/**
 * Counts the facts after the watermark, at most `chunk` of them: every day they fall on is
 * counted anew (up to the new watermark), their leads' timings are rebuilt, and the watermark
 * moves, all in one batch (one transaction), so a query never counts a fact twice or misses it.
 */
export async function rollUpChunk(db: D1Database, zone: string, now: Date, chunk: number): Promise<RollupRun | null> {
  const state = await rollupState(db);
  const rebuilt = !!state && state.zone !== zone;
  const from = rebuilt ? 0 : (state?.watermark ?? 0);
  const top = (await db.prepare("select coalesce(max(rowid), 0) as top from facts").first<{ top: number }>())!.top;
  if (top <= from && !rebuilt) return null;
  const to = Math.min(top, from + chunk);
  const { results } = await db
    .prepare("select distinct substr(at, 1, 10) as date from facts where rowid > ?1 and rowid <= ?2")
    .bind(from, to)
    .all<{ date: string }>();
  const days: DaySpan[] = localDaysOfUtcDates(
    results.map((r) => r.date),
    zone,
  );
  const dayList = JSON.stringify(days);
  const created = await db.prepare(TOUCHED_CREATION_DATES).bind(from, to).all<{ date: string }>();
  const creationDays = JSON.stringify(
    localDaysOfUtcDates(
      created.results.map((r) => r.date),
      zone,
    ),
  );
  await db.batch([
    ...(rebuilt ? [db.prepare("delete from fact_rollups"), db.prepare("delete from lead_timings")] : []),
    db.prepare("delete from fact_rollups where day in (select value ->> 'day' from json_each(?1))").bind(dayList),
    db.prepare(ROLL_UP_DAYS).bind(dayList, to),
    db.prepare(LEAD_TIMINGS).bind(from, to, creationDays),
    db
      .prepare(
        `insert into rollup_state (id, zone, watermark, rolled_at) values (1, ?1, ?2, ?3)
         on conflict (id) do update set zone = excluded.zone, watermark = excluded.watermark, rolled_at = excluded.rolled_at`,
      )
      .bind(zone, to, now.toISOString()),
  ]);
  return { from, to, days: days.length, rebuilt };
}

/** Rolls up chunk after chunk until every fact is counted or the budget is spent. */
export async function rollUpFacts(
  db: D1Database,
  zone: string,
  now: () => Date,
  options = { chunk: 50_000, budgetMs: 20_000 },
): Promise<RollupRun[]> {
  const runs: RollupRun[] = [];
  const start = now().getTime();
  for (;;) {
    const run = await rollUpChunk(db, zone, now(), options.chunk);
    if (!run) return runs;
    runs.push(run);
    if (now().getTime() - start > options.budgetMs) return runs;
  }
}
