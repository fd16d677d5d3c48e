import { type AnyColumn, eq, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { DaySpan } from "../core/calendar/days";
import { EMAIL_FACT_KINDS, type FactKind } from "../core/facts/fact";
import { factDimensions } from "./fact-rollups";
import { orm } from "./orm";
import { factRollups, facts, leadTimings, rollupState } from "./schema";

/*
 * What the metrics overview is computed from (tables facts, fact_rollups, lead_timings and
 * rollup_state, which the cron keeps: fact-rollups.ts). Read by the metrics feature and the console.
 */

/** What the figures are narrowed to; a team means its own facts and those of its members. */
export interface MetricFilter {
  source?: string;
  cadence?: string;
  /** A CRM owner id, or a rep's owner ids in every CRM. */
  rep?: string | string[];
  team?: { id: string; ownerIds: string[] };
}

/** Counts of one kind of fact on one day, with the dimensions it was grouped by ('' when none). */
export interface CountRow {
  day: string;
  kind: FactKind;
  rep: string;
  cadence: string;
  step: string;
  stage: string;
  gate: string;
  reason: string;
  n: number;
}

export interface PercentileRow {
  /** A day, or "*" for the whole period. */
  day: string;
  metric: "system" | "rep";
  p: 50 | 90;
  ms: number;
  n: number;
}

/** Email outcomes and stops over the period, per source (the lead's, from its enrollment when a fact has none). */
export interface SourceRow {
  source: string;
  kind: FactKind;
  reason: string;
  n: number;
}

export interface MetricRows {
  counts: CountRow[];
  /** Email facts and cadence stops per source: bounce rates per source. */
  bySource?: SourceRow[];
  percentiles: PercentileRow[];
  watermark: number;
  rolledAt: string | null;
}

/**
 * The filter's values, bound once in a CTE (`wanted`) that every condition reads: the percentiles'
 * statement repeats the filter in every pick, and a statement binds at most 100 values.
 */
function wantedCte(filter: MetricFilter, days: string): SQL {
  return sql`wanted as (select ${days} as days, ${filter.source ?? null} as source, ${filter.cadence ?? null} as cadence,
    ${typeof filter.rep === "string" ? filter.rep : null} as rep, ${JSON.stringify(Array.isArray(filter.rep) ? filter.rep : [])} as reps,
    ${filter.team?.id ?? null} as team, ${JSON.stringify(filter.team?.ownerIds ?? [])} as owners)`;
}

/** One of the wanted values. */
const wanted = (name: "days" | "source" | "cadence" | "rep" | "reps" | "team" | "owners") => sql`(select ${sql.identifier(name)} from wanted)`;

type FilterColumns = Record<"source" | "team" | "rep" | "cadence", AnyColumn | SQL>;

/** The filter as conditions on these columns (true for none), reading the values from `wanted`. */
function filterSql(filter: MetricFilter, on: FilterColumns): SQL {
  const where: SQL[] = [];
  if (filter.source !== undefined) where.push(sql`${on.source} = ${wanted("source")}`);
  if (filter.cadence !== undefined) where.push(sql`${on.cadence} = ${wanted("cadence")}`);
  if (typeof filter.rep === "string") where.push(sql`${on.rep} = ${wanted("rep")}`);
  else if (filter.rep) where.push(sql`${on.rep} in (select value from json_each(${wanted("reps")}))`);
  if (filter.team) where.push(sql`(${on.team} = ${wanted("team")} or ${on.rep} in (select value from json_each(${wanted("owners")})))`);
  return where.length ? sql.join(where, sql` and `) : sql`true`;
}

/** The columns of the `counts` CTE, named as fact_rollups names them. */
const COUNT_COLUMNS: FilterColumns = { source: sql.raw("source"), team: sql.raw("team"), rep: sql.raw("rep"), cadence: sql.raw("cadence") };

/**
 * Counts per day and grouping over the given days: the rollups, plus the facts stored after
 * their watermark counted the same way (a short scan by rowid), so nothing is missed or counted
 * twice. The groupings the overview needs come back in one pass over the period's rows.
 */
async function counts(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<CountRow[]> {
  const r = factRollups;
  const f = alias(facts, "f");
  return orm(db).all<CountRow>(sql`
    with ${wantedCte(filter, JSON.stringify(days))},
    days as materialized (select value ->> 'day' as day, value ->> 'start' as start, value ->> 'end' as "end" from json_each(${wanted("days")})),
    counts as (
      select ${r.day}, ${r.kind}, ${r.source}, ${r.team}, ${r.rep}, ${r.cadence}, ${r.step}, ${r.stage}, ${r.gate}, ${r.reason}, ${r.n}
      from ${r} where ${r.day} in (select day from days)
      union all
      select d.day, ${f.kind}, ${factDimensions(f)}, 1 as n
      from (select * from ${facts} where rowid > coalesce((select ${rollupState.watermark} from ${rollupState} where ${rollupState.id} = 1), 0)) as ${f}
        cross join days d
      where ${f.at} >= d.start and ${f.at} < d."end"
    )
    select day, kind, rep, cadence, step, stage, gate, reason, sum(n) as n from counts where ${filterSql(filter, COUNT_COLUMNS)}
    group by day, kind, rep, cadence, step, stage, gate, reason`);
}

/** The kinds counted per source: what became of the emails, and why cadences stopped. */
const SOURCE_KINDS: FactKind[] = [...EMAIL_FACT_KINDS, "cadenceStopped"];

/** Email outcomes per source over the given days, counted like counts() (rollups plus the facts since). */
async function bySource(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<SourceRow[]> {
  const r = factRollups;
  const f = alias(facts, "f");
  const kinds = sql`(select value from json_each(${JSON.stringify(SOURCE_KINDS)}))`;
  return orm(db).all<SourceRow>(sql`
    with ${wantedCte(filter, JSON.stringify(days))},
    days as materialized (select value ->> 'day' as day, value ->> 'start' as start, value ->> 'end' as "end" from json_each(${wanted("days")})),
    counts as (
      select ${r.kind}, ${r.source}, ${r.team}, ${r.rep}, ${r.cadence}, ${r.step}, ${r.stage}, ${r.gate}, ${r.reason}, ${r.n}
      from ${r} where ${r.day} in (select day from days) and ${r.kind} in ${kinds}
      union all
      select ${f.kind}, ${factDimensions(f)}, 1 as n
      from (select * from ${facts} where rowid > coalesce((select ${rollupState.watermark} from ${rollupState} where ${rollupState.id} = 1), 0)
        and ${facts.kind} in ${kinds}) as ${f}
        cross join days d
      where ${f.at} >= d.start and ${f.at} < d."end"
    )
    select source, kind, reason, sum(n) as n from counts where ${filterSql(filter, COUNT_COLUMNS)}
    group by source, kind, reason`);
}

const METRIC_COLUMN = { system: leadTimings.systemMs, rep: leadTimings.repMs } as const;
const PERCENTILES = [50, 90] as const;

/** Nearest rank: the p-th percentile of n values is the one at rank ⌈p·n/100⌉ (1-based). */
export const nearestRank = (p: number, n: number) => Math.ceil((p * n) / 100);

/**
 * Speed-to-lead percentiles (nearest rank) per day of creation and over the whole period, for
 * system time and rep time: first how many leads each day has, then every percentile read by its
 * rank from an index ordered by the duration (LIMIT 1 OFFSET rank − 1), in one statement. Exact,
 * and nothing is sorted but the period's values.
 */
async function percentiles(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<PercentileRow[]> {
  const t = leadTimings;
  const d1 = orm(db);
  const withWanted = sql`with ${wantedCte(filter, JSON.stringify(days.map((d) => d.day)))}`;
  const where = filterSql(filter, t);
  const inPeriod = sql`${t.day} in (select value from json_each(${wanted("days")}))`;
  const perDay = await d1.all<{ day: string; system: number; rep: number }>(sql`${withWanted}
    select ${t.day} as day, count(${t.systemMs}) as system, count(${t.repMs}) as rep from ${t}
    where ${inPeriod} and ${where} group by ${t.day}`);
  const wantedRows: Omit<PercentileRow, "ms">[] = [];
  const picks: SQL[] = [];
  for (const metric of ["system", "rep"] as const) {
    const column = METRIC_COLUMN[metric];
    const total = perDay.reduce((sum, d) => sum + d[metric], 0);
    // Days and ranks are ours (checked dates, computed integers), written into the SQL; the filter's values stay bound.
    const pick = (day: string, n: number, p: 50 | 90) => {
      const offset = nearestRank(p, n) - 1;
      if (!Number.isInteger(offset) || (day !== "*" && !/^\d{4}-\d{2}-\d{2}$/.test(day))) throw new RangeError(`bad rank ${day} ${offset}`);
      const dayIs = day === "*" ? inPeriod : sql`${t.day} = ${sql.raw(`'${day}'`)}`;
      wantedRows.push({ day, metric, p, n });
      picks.push(
        sql`(select ${column} from ${t} where ${dayIs} and ${column} is not null and ${where} order by ${column} limit 1 offset ${sql.raw(String(offset))})`,
      );
    };
    for (const p of PERCENTILES) {
      for (const d of perDay) if (d[metric] > 0) pick(d.day, d[metric], p);
      if (total > 0) pick("*", total, p);
    }
  }
  if (picks.length === 0) return [];
  // One row, one column: a JSON array of arrays of at most 100 values (SQLite's limit on a function's arguments).
  const groups: SQL[] = [];
  for (let i = 0; i < picks.length; i += 100) groups.push(sql`json_array(${sql.join(picks.slice(i, i + 100), sql`, `)})`);
  const [row] = await d1.values<[string]>(sql`${withWanted} select json_array(${sql.join(groups, sql`, `)}) as ms`);
  const values = (JSON.parse(row![0]) as number[][]).flat();
  return wantedRows.map((w, i) => ({ ...w, ms: values[i]! }));
}

/** Everything the overview computes its figures from: four statements, side by side. */
export async function metricRows(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<MetricRows> {
  const [state, countRows, speed, sources] = await Promise.all([
    orm(db).select({ watermark: rollupState.watermark, rolledAt: rollupState.rolledAt }).from(rollupState).where(eq(rollupState.id, 1)),
    counts(db, days, filter),
    percentiles(db, days, filter),
    bySource(db, days, filter),
  ]);
  const [watermark] = state;
  return {
    counts: countRows,
    bySource: sources,
    percentiles: speed,
    watermark: watermark?.watermark ?? 0,
    rolledAt: watermark?.rolledAt ?? null,
  };
}
