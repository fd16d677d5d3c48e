import { FACT_DIMENSIONS_SQL } from "../storage/fact-rollups";
import type { FactKind } from "../core/facts/fact";
import type { DaySpan } from "../core/calendar/days";

/** What the figures are narrowed to; a team means its own facts and those of its members. */
export interface MetricFilter {
  source?: string;
  cadence?: string;
  /** A CRM owner id. */
  rep?: string;
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

/** The filter as SQL conditions on source, team, rep and cadence columns ("true" for none), binding its values. */
function filterSql(filter: MetricFilter, params: unknown[]): string {
  const bind = (value: unknown) => {
    params.push(value);
    return `?${params.length}`;
  };
  const where: string[] = [];
  if (filter.source !== undefined) where.push(`source = ${bind(filter.source)}`);
  if (filter.cadence !== undefined) where.push(`cadence = ${bind(filter.cadence)}`);
  if (filter.rep !== undefined) where.push(`rep = ${bind(filter.rep)}`);
  if (filter.team)
    where.push(`(team = ${bind(filter.team.id)} or rep in (select value from json_each(${bind(JSON.stringify(filter.team.ownerIds))})))`);
  return where.length ? where.join(" and ") : "true";
}

/**
 * Counts per day and grouping over the given days: the rollups, plus the facts stored after
 * their watermark counted the same way (a short scan by rowid), so nothing is missed or counted
 * twice. The groupings the overview needs come back in one pass over the period's rows.
 */
function countsStatement(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): D1PreparedStatement {
  const params: unknown[] = [JSON.stringify(days)];
  const where = filterSql(filter, params);
  const sql = `
    with days as materialized (select value ->> 'day' as day, value ->> 'start' as start, value ->> 'end' as "end" from json_each(?1)),
    counts as (
      select day, kind, source, team, rep, cadence, step, stage, gate, reason, n
      from fact_rollups where day in (select day from days)
      union all
      select d.day, f.kind, ${FACT_DIMENSIONS_SQL}, 1 as n
      from (select * from facts where rowid > coalesce((select watermark from rollup_state where id = 1), 0)) as f cross join days d
      where f.at >= d.start and f.at < d."end"
    )
    select day, kind, rep, cadence, step, stage, gate, reason, sum(n) as n from counts where ${where}
    group by day, kind, rep, cadence, step, stage, gate, reason`;
  return db.prepare(sql).bind(...params);
}

const METRIC_COLUMN = { system: "system_ms", rep: "rep_ms" } as const;
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
  const params: unknown[] = [JSON.stringify(days.map((d) => d.day))];
  const where = filterSql(filter, params);
  const { results: perDay } = await db
    .prepare(
      `select day, count(system_ms) as system, count(rep_ms) as rep from lead_timings
       where day in (select value from json_each(?1)) and ${where} group by day`,
    )
    .bind(...params)
    .all<{ day: string; system: number; rep: number }>();
  const wanted: Omit<PercentileRow, "ms">[] = [];
  const picks: string[] = [];
  for (const metric of ["system", "rep"] as const) {
    const column = METRIC_COLUMN[metric];
    const total = perDay.reduce((sum, d) => sum + d[metric], 0);
    // Days and ranks are ours (checked dates, computed integers); the filter's values stay bound.
    const pick = (day: string, n: number, p: 50 | 90) => {
      const offset = nearestRank(p, n) - 1;
      if (!Number.isInteger(offset) || (day !== "*" && !/^\d{4}-\d{2}-\d{2}$/.test(day))) throw new RangeError(`bad rank ${day} ${offset}`);
      const dayIs = day === "*" ? "day in (select value from json_each(?1))" : `day = '${day}'`;
      wanted.push({ day, metric, p, n });
      picks.push(
        `(select ${column} from lead_timings where ${dayIs} and ${column} is not null and ${where} order by ${column} limit 1 offset ${offset})`,
      );
    };
    for (const p of PERCENTILES) {
      for (const d of perDay) if (d[metric] > 0) pick(d.day, d[metric], p);
      if (total > 0) pick("*", total, p);
    }
  }
  if (picks.length === 0) return [];
  // One row, one column: a JSON array of arrays of at most 100 values (SQLite's limit on a function's arguments).
  const groups: string[] = [];
  for (let i = 0; i < picks.length; i += 100) groups.push(`json_array(${picks.slice(i, i + 100).join(", ")})`);
  const [row] = await db
    .prepare(`select json_array(${groups.join(", ")}) as ms`)
    .bind(...params)
    .raw<[string]>();
  const values = (JSON.parse(row![0]) as number[][]).flat();
  return wanted.map((w, i) => ({ ...w, ms: values[i]! }));
}

/** The kinds counted per source: what became of the emails, and why cadences stopped. */
const SOURCE_KINDS = ["emailSent", "emailNotSent", "emailDelivered", "emailBounced", "emailComplained", "emailUnsubscribed", "cadenceStopped"];

/** Email outcomes per source over the given days, counted like countsStatement (rollups plus the facts since). */
function sourceStatement(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): D1PreparedStatement {
  const params: unknown[] = [JSON.stringify(days), JSON.stringify(SOURCE_KINDS)];
  const where = filterSql(filter, params);
  const sql = `
    with days as materialized (select value ->> 'day' as day, value ->> 'start' as start, value ->> 'end' as "end" from json_each(?1)),
    counts as (
      select kind, source, team, rep, cadence, step, stage, gate, reason, n
      from fact_rollups where day in (select day from days) and kind in (select value from json_each(?2))
      union all
      select f.kind, ${FACT_DIMENSIONS_SQL}, 1 as n
      from (select * from facts where rowid > coalesce((select watermark from rollup_state where id = 1), 0) and kind in (select value from json_each(?2))) as f
      cross join days d
      where f.at >= d.start and f.at < d."end"
    )
    select source, kind, reason, sum(n) as n from counts where ${where} group by source, kind, reason`;
  return db.prepare(sql).bind(...params);
}

/** Everything the overview computes its figures from: four statements, side by side. */
export async function metricRows(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<MetricRows> {
  const [state, counts, speed, bySource] = await Promise.all([
    db.prepare("select watermark, rolled_at as rolledAt from rollup_state where id = 1").first<{ watermark: number; rolledAt: string }>(),
    countsStatement(db, days, filter).all<CountRow>(),
    percentiles(db, days, filter),
    sourceStatement(db, days, filter).all<SourceRow>(),
  ]);
  return {
    counts: counts.results,
    bySource: bySource.results,
    percentiles: speed,
    watermark: state?.watermark ?? 0,
    rolledAt: state?.rolledAt ?? null,
  };
}
