import { FACT_DIMENSIONS_SQL } from "../db/fact-rollups";
import type { FactKind } from "../facts/fact";
import type { DaySpan } from "./days";

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

export interface MetricRows {
  counts: CountRow[];
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
function countsStatement(db: D1Database, days: readonly DaySpan[], watermark: number, filter: MetricFilter): D1PreparedStatement {
  const params: unknown[] = [JSON.stringify(days), watermark];
  const where = filterSql(filter, params);
  const sql = `
    with days as materialized (select value ->> 'day' as day, value ->> 'start' as start, value ->> 'end' as "end" from json_each(?1)),
    counts as (
      select day, kind, source, team, rep, cadence, step, stage, gate, reason, n
      from fact_rollups where day in (select day from days)
      union all
      select d.day, f.kind, ${FACT_DIMENSIONS_SQL}, 1 as n
      from (select * from facts where rowid > ?2) as f cross join days d
      where f.at >= d.start and f.at < d."end"
    )
    select day, kind, rep, cadence, step, stage, gate, reason, sum(n) as n from counts where ${where}
    group by day, kind, rep, cadence, step, stage, gate, reason`;
  return db.prepare(sql).bind(...params);
}

/**
 * Speed-to-lead percentiles (nearest rank: the value at rank ⌈p·n⌉) per day of creation and over
 * the whole period, for system time and rep time, from the leads' timing rows.
 */
function percentilesStatement(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): D1PreparedStatement {
  const params: unknown[] = [JSON.stringify(days.map((d) => d.day))];
  const where = filterSql(filter, params);
  const sql = `
    with leads as materialized (
      select day, system_ms, rep_ms from lead_timings where day in (select value from json_each(?1)) and ${where}
    ),
    samples as (
      select day, 'system' as metric, system_ms as ms from leads where system_ms is not null
      union all select day, 'rep', rep_ms from leads where rep_ms is not null
      union all select '*', 'system', system_ms from leads where system_ms is not null
      union all select '*', 'rep', rep_ms from leads where rep_ms is not null
    ),
    ranked as (
      select day, metric, ms, row_number() over (partition by day, metric order by ms) as rank, count(*) over (partition by day, metric) as n
      from samples
    )
    select day, metric, 50 as p, ms, n from ranked where rank = (n * 50 + 99) / 100
    union all select day, metric, 90, ms, n from ranked where rank = (n * 90 + 99) / 100`;
  return db.prepare(sql).bind(...params);
}

/** Everything the overview computes its figures from, in one round trip. */
export async function metricRows(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<MetricRows> {
  const state = await db
    .prepare("select watermark, rolled_at as rolledAt from rollup_state where id = 1")
    .first<{ watermark: number; rolledAt: string }>();
  const watermark = state?.watermark ?? 0;
  const [counts, percentiles] = await db.batch([countsStatement(db, days, watermark, filter), percentilesStatement(db, days, filter)]);
  return {
    counts: counts!.results as CountRow[],
    percentiles: percentiles!.results as PercentileRow[],
    watermark,
    rolledAt: state?.rolledAt ?? null,
  };
}
