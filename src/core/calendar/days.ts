import { DateTime } from "luxon";

/**
 * Days as a sales manager counts them: calendar days of the policy's time zone, as instants
 * [start, end) in ISO 8601 UTC. A day with a DST change has 23 or 25 hours.
 */
export interface DaySpan {
  day: string;
  start: string;
  end: string;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function daySpan(day: string, zone: string): DaySpan {
  const start = DateTime.fromISO(day, { zone }).startOf("day");
  if (!ISO_DAY.test(day) || !start.isValid) throw new RangeError(`not a day: ${day}`);
  return { day, start: start.toUTC().toISO()!, end: start.plus({ days: 1 }).toUTC().toISO()! };
}

/** The local day an instant falls on. */
export function dayOf(at: Date | string, zone: string): string {
  const instant = typeof at === "string" ? DateTime.fromISO(at, { zone: "utc" }) : DateTime.fromJSDate(at);
  return instant.setZone(zone).toISODate()!;
}

/** Every day from `from` to `to`, both included (at most `max`, counted back from `to`). */
export function daysFrom(from: string, to: string, zone: string, max = 400): DaySpan[] {
  const days: DaySpan[] = [];
  let day = DateTime.fromISO(to, { zone });
  const first = DateTime.fromISO(from, { zone });
  if (!day.isValid || !first.isValid) throw new RangeError(`not a day range: ${from} to ${to}`);
  while (day >= first && days.length < max) {
    days.unshift(daySpan(day.toISODate()!, zone));
    day = day.minus({ days: 1 });
  }
  return days;
}

/** The local days that UTC dates (YYYY-MM-DD) touch: each UTC date overlaps one or two local days. */
export function localDaysOfUtcDates(utcDates: readonly string[], zone: string): DaySpan[] {
  const days = new Set<string>();
  for (const date of utcDates) {
    const start = DateTime.fromISO(date, { zone: "utc" });
    days.add(start.setZone(zone).toISODate()!);
    days.add(start.plus({ days: 1 }).minus({ milliseconds: 1 }).setZone(zone).toISODate()!);
  }
  return [...days].sort().map((d) => daySpan(d, zone));
}
