import { type AnyColumn, and, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { type DaySpan, localDaysOfUtcDates } from "../core/calendar/days";
import { excluded, orm } from "./orm";
import { factRollups, facts, leadTimings, rollupState as rollupStateTable } from "./schema";

/**
 * Daily rollups of the facts (counts per local day and dimensions) and one timing row per lead,
 * kept by the cron so the console reads thousands of rows, not millions. Facts stored after the
 * watermark are counted live by the queries (metric-rows.ts), so figures are never stale.
 */

/** The facts table or an alias of it. */
type Facts = { [K in keyof typeof facts.$inferSelect]: AnyColumn };

/** A lead's source or cadence, when a fact `of` does not carry it: from its enrollment. */
function enrolled(column: "source" | "cadence", of: Facts): SQL {
  const e = alias(facts, "e");
  return sql`(select ${e[column]} from ${facts} ${e} where ${e.recordKey} = ${of.recordKey} and ${e.kind} = 'enrolled' limit 1)`;
}

/** The dimensions of a fact `f` as the rollups count them ('' for none), named as fact_rollups names them. */
export const factDimensions = (f: Facts): SQL => sql`
  coalesce(${f.source}, ${enrolled("source", f)}, '') as source, coalesce(${f.team}, '') as team, coalesce(${f.rep}, '') as rep,
  coalesce(${f.cadence}, ${enrolled("cadence", f)}, '') as cadence, coalesce(${f.step}, '') as step, coalesce(${f.stage}, '') as stage,
  coalesce(${f.gate}, '') as gate, coalesce(${f.reason}, '') as reason`;

/** The facts stored after rowid `from` up to `to`: the rows counted this time. */
const rowidIn = (from: number, to: number) => sql`${facts}.rowid > ${from} and ${facts}.rowid <= ${to}`;

/** The facts of the given local days (a JSON array of DaySpan) up to rowid `to`, counted per day and dimensions. */
function rollUpDays(dayList: string, to: number): SQL {
  const f = alias(facts, "f");
  return sql`select d.value ->> 'day', ${f.kind}, ${factDimensions(f)}, count(*)
    from json_each(${dayList}) as d join ${facts} ${f} on ${f.at} >= d.value ->> 'start' and ${f.at} < d.value ->> 'end'
    where ${f}.rowid <= ${to}
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`;
}

/** Kinds that change a lead's timing row. */
const TIMING_KINDS = sql`('recordCreated', 'enrolled', 'taskWritten', 'taskCompleted', 'activityLogged')`;

const ms = (later: SQL, earlier: SQL) => sql`cast(round((julianday(${later}) - julianday(${earlier})) * 86400000) as integer)`;

/** The leads that facts in (from, to] touched. */
const touchedLeads = (from: number, to: number) =>
  sql`(select ${facts.recordKey} from ${facts} where ${rowidIn(from, to)} and ${facts.kind} in ${TIMING_KINDS})`;

/**
 * The timing rows of the leads that facts in (from, to] touched (`creationDays`: the days they
 * were created on, a JSON array of DaySpan). First contact is the first completed task or logged
 * activity at or after the first task (earlier activity is not a reply to it); the rep is the
 * first task's owner. Columns in lead_timings' order.
 */
function leadTimingRows(from: number, to: number, creationDays: string): SQL {
  const c = alias(facts, "c");
  const w = alias(facts, "w");
  const x = alias(facts, "x");
  // The derived tables' columns (t.*, created_at, first_task_at …) are named here, not in the schema.
  const [createdAt, firstTaskAt, firstContactAt] = [sql.raw("created_at"), sql.raw("first_task_at"), sql.raw("first_contact_at")];
  return sql`select record_key,
         (select d.value ->> 'day' from json_each(${creationDays}) as d where created_at >= d.value ->> 'start' and created_at < d.value ->> 'end'),
         created_at, source, team, rep, cadence, first_task_at, first_contact_at,
         case when first_task_at is not null then max(0, ${ms(firstTaskAt, createdAt)}) end,
         case when first_contact_at is not null then ${ms(firstContactAt, firstTaskAt)} end
  from (
    select t.*, (select min(${x.at}) from ${facts} ${x} where ${x.recordKey} = t.record_key and ${x.kind} in ('taskCompleted', 'activityLogged')
                   and ${x.at} >= t.first_task_at and ${x}.rowid <= ${to}) as first_contact_at
    from (
      select ${c.recordKey} as record_key, ${c.at} as created_at, coalesce(${c.source}, ${enrolled("source", c)}, '') as source,
             coalesce(${c.team}, '') as team,
             coalesce((select ${w.rep} from ${facts} ${w} where ${w.recordKey} = ${c.recordKey} and ${w.kind} = 'taskWritten' and ${w}.rowid <= ${to}
                       order by ${w.at} limit 1), '') as rep,
             coalesce(${enrolled("cadence", c)}, '') as cadence,
             (select min(${w.at}) from ${facts} ${w} where ${w.recordKey} = ${c.recordKey} and ${w.kind} = 'taskWritten' and ${w}.rowid <= ${to}) as first_task_at
      from ${facts} ${c}
      where ${c.kind} = 'recordCreated' and ${c}.rowid <= ${to} and ${c.recordKey} in ${touchedLeads(from, to)}
    ) t
  ) where true`;
}

export interface RollupState {
  zone: string;
  watermark: number;
  rolledAt: string;
}

export async function rollupState(db: D1Database): Promise<RollupState | null> {
  const [row] = await orm(db)
    .select({ zone: rollupStateTable.zone, watermark: rollupStateTable.watermark, rolledAt: rollupStateTable.rolledAt })
    .from(rollupStateTable)
    .where(eq(rollupStateTable.id, 1));
  return row ?? null;
}

/** The rowid of the newest fact (0 before the first): how many facts were ever stored. */
export async function lastFactRowid(db: D1Database): Promise<number> {
  const [row] = await orm(db).select({ top: sql<number>`coalesce(max(rowid), 0)` }).from(facts);
  return row?.top ?? 0;
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
  const top = await lastFactRowid(db);
  if (top <= from && !rebuilt) return null;
  const to = Math.min(top, from + chunk);
  const d1 = orm(db);
  const utcDate = sql<string>`substr(${facts.at}, 1, 10)`;
  const [dates, created] = await d1.batch([
    d1.selectDistinct({ date: utcDate }).from(facts).where(rowidIn(from, to)),
    // The UTC dates the touched leads were created on, for the days their timing rows fall on.
    d1
      .selectDistinct({ date: utcDate })
      .from(facts)
      .where(and(eq(facts.kind, "recordCreated"), sql`rowid <= ${to}`, inArray(facts.recordKey, touchedLeads(from, to)))),
  ]);
  const days: DaySpan[] = localDaysOfUtcDates(
    dates.map((r) => r.date),
    zone,
  );
  const dayList = JSON.stringify(days);
  const creationDays = JSON.stringify(
    localDaysOfUtcDates(
      created.map((r) => r.date),
      zone,
    ),
  );
  const { recordKey: _key, ...timing } = getTableColumns(leadTimings);
  await d1.batch([
    d1.delete(factRollups).where(rebuilt ? undefined : inArray(factRollups.day, sql`(select value ->> 'day' from json_each(${dayList}))`)),
    ...(rebuilt ? [d1.delete(leadTimings)] : []),
    d1.insert(factRollups).select(rollUpDays(dayList, to)),
    d1
      .insert(leadTimings)
      .select(leadTimingRows(from, to, creationDays))
      .onConflictDoUpdate({
        target: leadTimings.recordKey,
        set: Object.fromEntries(Object.entries(timing).map(([key, column]) => [key, excluded(column)])),
      }),
    d1
      .insert(rollupStateTable)
      .values({ id: 1, zone, watermark: to, rolledAt: now.toISOString() })
      .onConflictDoUpdate({
        target: rollupStateTable.id,
        set: {
          zone: excluded(rollupStateTable.zone),
          watermark: excluded(rollupStateTable.watermark),
          rolledAt: excluded(rollupStateTable.rolledAt),
        },
      }),
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
