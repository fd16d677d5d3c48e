import type { DaySpan } from "../core/calendar/days";
import { type BookingFactRow, bookingFactRows } from "../storage/booking-facts";
import { type MetricFilter, nearestRank } from "../storage/metric-rows";
import { rate } from "./overview";

/*
 * Booking on the spot, for the console: how many visitors were offered times and how many booked
 * (per form, source and rep), the speed to meeting (submission → booked, booked → the meeting),
 * and what went wrong (nothing offered, and why). From the booking facts (src/booking), read over
 * the period directly: a deployment books a few meetings a day, not millions.
 */

/** At most this many booking facts are read for one overview (newest first); the figures say when the period had more. */
const MAX_ROWS = 20_000;

export type { BookingFactRow };

export interface SpeedFigures {
  p50: number | null;
  p90: number | null;
  n: number;
}

export interface BookingRate {
  key: string;
  offered: number;
  booked: number;
  rate: number | null;
}

export interface BookingFigures {
  offered: number;
  notOffered: number;
  booked: number;
  moved: number;
  cancelled: number;
  rate: number | null;
  submittedToBooked: SpeedFigures;
  bookedToStart: SpeedFigures;
  byForm: BookingRate[];
  bySource: BookingRate[];
  /** By CRM owner id: offers are counted for the rep the lead was routed to, bookings for the rep who holds the meeting. */
  byRep: BookingRate[];
  notOfferedReasons: { reason: string; n: number }[];
  /** The period had more facts than were read. */
  truncated: boolean;
}

function speed(values: number[]): SpeedFigures {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (p: number) => (sorted.length > 0 ? sorted[nearestRank(p, sorted.length) - 1]! : null);
  return { p50: at(50), p90: at(90), n: sorted.length };
}

function rates(rows: readonly BookingFactRow[], key: (r: BookingFactRow) => string | null): BookingRate[] {
  const by = new Map<string, { offered: number; booked: number }>();
  for (const row of rows) {
    if (row.kind !== "meetingOffered" && row.kind !== "meetingBooked") continue;
    const k = key(row);
    if (!k) continue;
    const entry = by.get(k) ?? { offered: 0, booked: 0 };
    if (row.kind === "meetingOffered") entry.offered++;
    else entry.booked++;
    by.set(k, entry);
  }
  return [...by]
    .map(([k, { offered, booked }]) => ({ key: k, offered, booked, rate: rate(booked, offered) }))
    .sort((a, b) => b.booked - a.booked || b.offered - a.offered || a.key.localeCompare(b.key));
}

/** The figures from the period's booking facts. Pure. */
export function bookingFiguresOf(rows: readonly BookingFactRow[], truncated = false): BookingFigures {
  const count = (kind: BookingFactRow["kind"]) => rows.filter((r) => r.kind === kind).length;
  const booked = rows.filter((r) => r.kind === "meetingBooked");
  const reasons = new Map<string, number>();
  for (const r of rows) if (r.kind === "meetingNotOffered") reasons.set(reasonKind(r.reason), (reasons.get(reasonKind(r.reason)) ?? 0) + 1);
  return {
    offered: count("meetingOffered"),
    notOffered: count("meetingNotOffered"),
    booked: booked.length,
    moved: count("meetingMoved"),
    cancelled: count("meetingCancelled"),
    rate: rate(booked.length, count("meetingOffered")),
    submittedToBooked: speed(booked.map((r) => r.submittedToBookedMs ?? Number.NaN)),
    bookedToStart: speed(booked.map((r) => r.bookedToStartMs ?? Number.NaN)),
    byForm: rates(rows, (r) => r.form),
    bySource: rates(rows, (r) => r.source),
    byRep: rates(rows, (r) => r.rep),
    notOfferedReasons: [...reasons].map(([reason, n]) => ({ reason, n })).sort((a, b) => b.n - a.n),
    truncated,
  };
}

/** "every calendar is unreachable (alex: …)" → "every calendar is unreachable": the kind of reason, not each rep's error. */
const reasonKind = (reason: string | null) => (reason ?? "unknown").split(/[(:]/)[0]!.trim();

/** The period's booking facts, narrowed by the overview's filter (source, rep, team), figured. */
export async function bookingFigures(db: D1Database, days: readonly DaySpan[], filter: MetricFilter): Promise<BookingFigures> {
  const rows = await bookingFactRows(db, days, filter, MAX_ROWS);
  return bookingFiguresOf(rows.slice(0, MAX_ROWS), rows.length > MAX_ROWS);
}
