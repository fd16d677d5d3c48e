import { and, desc, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { DaySpan } from "../core/calendar/days";
import type { MetricFilter } from "./metric-rows";
import { orm } from "./orm";
import { facts } from "./schema";

/*
 * Booking's facts over a period, for the metrics overview and the console (src/metrics/booking-metrics.ts
 * figures them). Read directly from `facts`: a deployment books a few meetings a day, not millions.
 */

export const BOOKING_FACT_KINDS = ["meetingOffered", "meetingNotOffered", "meetingBooked", "meetingMoved", "meetingCancelled"] as const;

export interface BookingFactRow {
  kind: (typeof BOOKING_FACT_KINDS)[number];
  source: string | null;
  rep: string | null;
  reason: string | null;
  form: string | null;
  submittedToBookedMs: number | null;
  bookedToStartMs: number | null;
}

/** The period's booking facts, newest first, narrowed by the overview's filter (source, rep, team); at most `limit` + 1 rows. */
export async function bookingFactRows(db: D1Database, days: readonly DaySpan[], filter: MetricFilter, limit: number): Promise<BookingFactRow[]> {
  if (days.length === 0) return [];
  const where: (SQL | undefined)[] = [
    inArray(facts.kind, [...BOOKING_FACT_KINDS]),
    gte(facts.at, days[0]!.start),
    lt(facts.at, days[days.length - 1]!.end),
  ];
  if (filter.source !== undefined) where.push(sql`${facts.source} = ${filter.source}`);
  if (typeof filter.rep === "string") where.push(sql`${facts.rep} = ${filter.rep}`);
  else if (filter.rep) where.push(sql`${facts.rep} in (select value from json_each(${JSON.stringify(filter.rep)}))`);
  if (filter.team)
    where.push(sql`(${facts.team} = ${filter.team.id} or ${facts.rep} in (select value from json_each(${JSON.stringify(filter.team.ownerIds)})))`);
  const rows = await orm(db)
    .select({
      kind: facts.kind,
      source: facts.source,
      rep: facts.rep,
      reason: facts.reason,
      form: sql<string | null>`${facts.data} ->> 'form'`,
      submittedToBookedMs: sql<number | null>`${facts.data} ->> 'submittedToBookedMs'`,
      bookedToStartMs: sql<number | null>`${facts.data} ->> 'bookedToStartMs'`,
    })
    .from(facts)
    .where(and(...where))
    .orderBy(desc(facts.at))
    .limit(limit + 1);
  return rows as BookingFactRow[];
}
