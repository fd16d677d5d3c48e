import { Duration } from "luxon";
import {
  addBusinessDuration,
  addCalendarDuration,
  type BusinessCalendar,
  isWorkingTime,
  durationMillis,
  nextWorkingTime,
  parseDuration,
} from "../../calendar/calendar";
import type { Cadence } from "../../policy/cadence-policy";
import type { Threshold } from "../../policy/policy-fields";

/*
 * When each follow-up step is due, in the lead's own business hours. Pure: the arrival instant,
 * the calendar and the random source are passed in.
 */

export interface DelayWindow {
  minMs: number;
  maxMs: number;
}

export function delayWindow(window: { min: string; max: string }): DelayWindow {
  return { minMs: durationMillis(window.min), maxMs: durationMillis(window.max) };
}

/** Uniform in [min, max]: a human does not answer at the same second every time. */
export function humanDelayMs(window: DelayWindow, random: () => number): number {
  return Math.round(window.minMs + random() * (window.maxMs - window.minMs));
}

/**
 * The first touch: a human delay after `at`; outside business hours, the same delay after the
 * lead's next opening (a Saturday 02:00 lead hears from us Monday morning, not at 09:00:00 sharp).
 */
export function firstTouchAt(at: Date, cal: BusinessCalendar, window: DelayWindow, random: () => number): Date {
  const soon = new Date(at.getTime() + humanDelayMs(window, random));
  if (isWorkingTime(soon, cal)) return soon;
  return new Date(nextWorkingTime(soon, cal).getTime() + humanDelayMs(window, random));
}

/**
 * Every step's due instant. The first step lands at its offset plus a human delay; later steps
 * keep their distance from it in calendar days (at the same local time, across DST); one that
 * falls on a weekend or holiday moves to the same time on the next working day. Never earlier than
 * the step before.
 */
export function planSteps(
  cadence: Cadence,
  arrivedAt: Date,
  cal: BusinessCalendar,
  window: DelayWindow,
  random: () => number,
): { id: string; dueAt: Date }[] {
  const [first, ...rest] = cadence.steps;
  const firstOffset = parseDuration(first!.offset);
  const firstAt = firstTouchAt(addCalendarDuration(arrivedAt, firstOffset, cal.zone), cal, window, random);
  const plan = [{ id: first!.id, dueAt: firstAt }];
  for (const step of rest) {
    const distance = parseDuration(step.offset).minus(firstOffset);
    const candidate = sameTimeOnWorkingDay(addCalendarDuration(firstAt, distance, cal.zone), cal);
    const previous = plan[plan.length - 1]!.dueAt;
    plan.push({ id: step.id, dueAt: candidate < previous ? previous : candidate });
  }
  return plan;
}

/** Longest run of days off looked across for the same local time (a fortnight of holidays). */
const MAX_DAYS_OFF = 14;

/**
 * `at` if it is working time, else the same local time on the next working day: a step due on
 * Saturday at 10:05 moves to Monday at 10:05, not to Monday's opening with everything else. A time
 * of day that is never working time (after the close) moves to the next opening instead.
 */
export function sameTimeOnWorkingDay(at: Date, cal: BusinessCalendar): Date {
  for (let days = 0; days <= MAX_DAYS_OFF; days++) {
    const candidate = days === 0 ? at : addCalendarDuration(at, Duration.fromObject({ days }), cal.zone);
    if (isWorkingTime(candidate, cal)) return candidate;
  }
  return nextWorkingTime(at, cal);
}

/** "Snooze a day": the same local time on the next working day. */
export function nextWorkingDay(at: Date, cal: BusinessCalendar): Date {
  return sameTimeOnWorkingDay(addCalendarDuration(at, Duration.fromObject({ days: 1 }), cal.zone), cal);
}

/** A threshold from `at` in this calendar (business hours when the threshold says so). */
export function afterThreshold(at: Date, threshold: Threshold, cal: BusinessCalendar): Date {
  return threshold.businessHours ? addBusinessDuration(at, threshold.duration, cal) : addCalendarDuration(at, threshold.duration, cal.zone);
}

/** "Tue 24 Nov, 09:04 (Europe/Berlin)": how an admin or a rep reads a step time. */
export function localTime(at: Date | string, zone: string): string {
  const date = typeof at === "string" ? new Date(at) : at;
  const text = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(date);
  return `${text} (${zone})`;
}
