import { DateTime } from "luxon";
import { durationMillis, type WorkingHours, workingPeriods } from "../calendar/calendar";
import type { BookingPolicy } from "../policy/booking-policy";

/*
 * Free times to offer a visitor: pure functions of a rep's working hours, days off, the busy time
 * of their calendar, the meetings already booked with them, the policy's meeting length, buffers,
 * notice and horizon, and the instant the visitor looks. Instants are epoch milliseconds (UTC);
 * working hours are wall-clock times in the rep's zone, so across a DST change a rep who starts at
 * 09:00 still starts at 09:00 and the visitor, in another zone, sees the hour move when only one
 * of the two zones changed.
 */

/** [start, end) in epoch milliseconds. */
export interface Interval {
  start: number;
  end: number;
}

export interface SlotRules {
  meetingMs: number;
  bufferBeforeMs: number;
  bufferAfterMs: number;
  noticeMs: number;
  horizonMs: number;
  stepMs: number;
  maxSlots: number;
}

export function slotRules(booking: BookingPolicy): SlotRules {
  return {
    meetingMs: durationMillis(booking.meetingLength),
    bufferBeforeMs: durationMillis(booking.bufferBefore),
    bufferAfterMs: durationMillis(booking.bufferAfter),
    noticeMs: durationMillis(booking.minimumNotice),
    horizonMs: durationMillis(booking.horizon),
    stepMs: durationMillis(booking.slotStep),
    maxSlots: booking.maxSlots,
  };
}

/** What decides when one rep can meet. */
export interface RepFreeTime {
  repId: string;
  zone: string;
  hours: WorkingHours;
  /** Local dates ("YYYY-MM-DD") nobody works. */
  holidays: readonly string[];
  /** Inclusive local dates in the rep's zone. */
  outOfOffice: readonly { from: string; to: string }[];
  available: boolean;
  maxPerDay: number;
  /** The calendar's busy time, and the meetings this service holds or booked with the rep. */
  busy: readonly Interval[];
  /** Starts of the meetings this service booked with the rep (counted per local day against maxPerDay). */
  booked: readonly number[];
  /** When the calendar itself decides the start times (a HubSpot meeting link): only these are offered. */
  offeredStarts?: readonly number[];
}

/** The window times are offered in: from the minimum notice to the horizon. */
export function bookingWindow(rules: SlotRules, now: number): Interval {
  return { start: now + rules.noticeMs, end: now + rules.horizonMs };
}

const localDate = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISODate()!;

/** Whether [start, start + meeting) with its buffers touches busy time. */
function clashes(start: number, rules: SlotRules, busy: readonly Interval[]): boolean {
  const from = start - rules.bufferBeforeMs;
  const to = start + rules.meetingMs + rules.bufferAfterMs;
  return busy.some((b) => b.start < to && b.end > from);
}

/**
 * The rep's free start times in [from, to) (cut to the booking window), soonest first, at most
 * `limit`: inside working hours (the whole meeting), not on a holiday, a day off or a day already
 * holding maxPerDay meetings, and clear of busy time with the buffers. On the step grid counted
 * from the start of each working period, or the calendar's own starts when it offers them.
 */
export function repSlots(rep: RepFreeTime, rules: SlotRules, now: number, limit = rules.maxSlots, within?: Interval): number[] {
  if (!rep.available || limit <= 0) return [];
  const window = bookingWindow(rules, now);
  const from = Math.max(window.start, within?.start ?? window.start);
  const to = Math.min(window.end, within?.end ?? window.end);
  if (from >= to) return [];
  const perDay = new Map<string, number>();
  for (const start of rep.booked) {
    const date = localDate(start, rep.zone);
    perDay.set(date, (perDay.get(date) ?? 0) + 1);
  }
  const off = (date: string) => rep.outOfOffice.some((o) => o.from <= date && date <= o.to) || (perDay.get(date) ?? 0) >= rep.maxPerDay;
  const busy = [...rep.busy].sort((a, b) => a.start - b.start);
  const calendar = { zone: rep.zone, hours: rep.hours, holidays: rep.holidays };
  // Periods are whole days: look from the day before, so a start late in a period is not missed.
  const periods = workingPeriods(new Date(from - rules.meetingMs), new Date(to), calendar);
  const offered = rep.offeredStarts ? [...rep.offeredStarts].sort((a, b) => a - b) : undefined;
  const slots: number[] = [];
  for (const period of periods) {
    if (off(period.date)) continue;
    const periodStart = period.start.getTime();
    const periodEnd = period.end.getTime();
    const starts = offered
      ? offered.filter((s) => s >= periodStart && s + rules.meetingMs <= periodEnd)
      : gridStarts(periodStart, periodEnd, rules.stepMs, rules.meetingMs);
    for (const start of starts) {
      if (start < from || start >= to) continue;
      if (clashes(start, rules, busy)) continue;
      slots.push(start);
      if (slots.length >= limit) return slots;
    }
  }
  return slots;
}

function gridStarts(periodStart: number, periodEnd: number, stepMs: number, meetingMs: number): number[] {
  const starts: number[] = [];
  for (let t = periodStart; t + meetingMs <= periodEnd; t += stepMs) starts.push(t);
  return starts;
}

/** Whether `start` is a time the rep can be offered now (a visitor's pick, checked again before it is booked). */
export function slotOpen(rep: RepFreeTime, rules: SlotRules, start: number, now: number): boolean {
  return repSlots(rep, rules, now, 1, { start, end: start + 1 })[0] === start;
}

/** A start time and the reps free then. */
export interface TeamSlot {
  start: number;
  end: number;
  repIds: string[];
}

/**
 * The soonest times any of the reps can meet, at most `rules.maxSlots`, each with every rep free
 * then (the team's fair rotation picks among them when one is booked).
 */
export function teamSlots(reps: readonly RepFreeTime[], rules: SlotRules, now: number): TeamSlot[] {
  const byStart = new Map<number, string[]>();
  for (const rep of reps) {
    // Each rep's own soonest maxSlots hold every start of the union's soonest maxSlots.
    for (const start of repSlots(rep, rules, now)) byStart.set(start, [...(byStart.get(start) ?? []), rep.repId]);
  }
  return [...byStart]
    .sort(([a], [b]) => a - b)
    .slice(0, rules.maxSlots)
    .map(([start, repIds]) => ({ start, end: start + rules.meetingMs, repIds }));
}
