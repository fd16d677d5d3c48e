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

const METRIC_COLUMN = { system: "system_ms", rep: "rep_ms" } as const;
const PERCENTILES = [50, 90] as const;

/** Nearest rank: the p-th percentile of n values is the one at rank ⌈p·n/100⌉ (1-based). */
export const nearestRank = (p: number, n: number) => Math.ceil((p * n) / 100);

/**
 * Speed-to-lead percentiles (nearest rank) per day of creation and over the whole period, for
 * system time and rep time: first how many leads each day has, then each percentile read by its
 * rank from an index ordered by the duration (LIMIT 1 OFFSET rank − 1), all in one batch. Exact,
 * and no query sorts.
 */
async function percentiles(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<PercentileRow[]> {
  const dayList = JSON.stringify(days.map((d) => d.day));
  const countParams: unknown[] = [dayList];
  const where = filterSql(filter, countParams);
  const { results: perDay } = await db
    .prepare(
      `select day, count(system_ms) as system, count(rep_ms) as rep from lead_timings
       where day in (select value from json_each(?1)) and ${where} group by day`,
    )
    .bind(...countParams)
    .all<{ day: string; system: number; rep: number }>();
  const wanted: { day: string; metric: "system" | "rep"; p: 50 | 90; n: number; statement: D1PreparedStatement }[] = [];
  for (const metric of ["system", "rep"] as const) {
    const column = METRIC_COLUMN[metric];
    const total = perDay.reduce((sum, d) => sum + d[metric], 0);
    for (const p of PERCENTILES) {
      for (const d of perDay) {
        if (d[metric] === 0) continue;
        const params: unknown[] = [d.day, nearestRank(p, d[metric]) - 1];
        const w = filterSql(filter, params);
        const sql = `select ${column} as ms from lead_timings where day = ?1 and ${column} is not null and ${w} order by ${column} limit 1 offset ?2`;
        wanted.push({ day: d.day, metric, p, n: d[metric], statement: db.prepare(sql).bind(...params) });
      }
      if (total === 0) continue;
      const params: unknown[] = [dayList, nearestRank(p, total) - 1];
      const w = filterSql(filter, params);
      const sql = `select ${column} as ms from lead_timings where ${column} is not null and day in (select value from json_each(?1)) and ${w}
                   order by ${column} limit 1 offset ?2`;
      wanted.push({ day: "*", metric, p, n: total, statement: db.prepare(sql).bind(...params) });
    }
  }
  if (wanted.length === 0) return [];
  const answers = await db.batch<{ ms: number }>(wanted.map((w) => w.statement));
  return wanted.map(({ day, metric, p, n }, i) => ({ day, metric, p, n, ms: answers[i]!.results[0]!.ms }));
}

/** Everything the overview computes its figures from, in one round trip. */
export async function metricRows(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<MetricRows> {
  const state = await db
    .prepare("select watermark, rolled_at as rolledAt from rollup_state where id = 1")
    .first<{ watermark: number; rolledAt: string }>();
  const watermark = state?.watermark ?? 0;
  const [counts, speed] = await Promise.all([countsStatement(db, days, watermark, filter).all<CountRow>(), percentiles(db, days, filter)]);
  return {
    counts: counts.results,
    percentiles: speed,
    watermark,
    rolledAt: state?.rolledAt ?? null,
  };
}
