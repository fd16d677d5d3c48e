import { DateTime, Duration, IANAZone } from "luxon";
import { z } from "zod";

/*
 * Deadline arithmetic for follow-up rules ("14 days", "4 business hours", "next time the lead's
 * office is open"). Instants cross the module boundary as UTC `Date`s; everything local is done in
 * the calendar's IANA zone with luxon, because offsets change with DST and are not whole hours
 * everywhere (Asia/Kolkata, Australia/Adelaide, America/St_Johns).
 *
 * Nothing here reads the clock: callers pass the instant they work from, so results are
 * reproducible in tests and when replaying events.
 *
 * Internally a working day is reduced to one real-time interval [start, end) in epoch ms. Working
 * hours are defined by wall-clock start/end, so a day containing a DST jump inside working hours
 * simply has a shorter or longer interval, and every sum below counts real elapsed time.
 */

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HH_MM_OR_24 = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Working hours in a zone: weekdays 1=Monday … 7=Sunday (ISO), times "HH:mm" 24h, start < end (no overnight shifts). */
export const WorkingHours = z
  .object({
    days: z.array(z.number().int().min(1).max(7)).min(1),
    start: z.string().regex(HH_MM, 'start must be "HH:mm" (00:00–23:59)'),
    end: z.string().regex(HH_MM_OR_24, 'end must be "HH:mm" (00:01–24:00)'),
  })
  .refine((h) => !HH_MM.test(h.start) || !HH_MM_OR_24.test(h.end) || minutesOfDay(h.start) < minutesOfDay(h.end), {
    // Overnight shifts would make one working period span two local dates; not supported.
    message: "working hours must start before they end on the same day (overnight shifts are not supported)",
    path: ["end"],
  });
export type WorkingHours = z.infer<typeof WorkingHours>;

export const DEFAULT_WORKING_HOURS: WorkingHours = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };

export interface BusinessCalendar {
  zone: string;
  hours: WorkingHours;
  /** "YYYY-MM-DD" local dates in `zone`. */
  holidays: readonly string[];
}

/** Zone names already checked: luxon builds an Intl.DateTimeFormat for every check, a tenth of a stale decision's time. */
const checkedZones = new Map<string, boolean>();
/** Bounds the memo: zone names can come from visitors (a browser's zone), and a made-up one must not grow it for ever. */
const MAX_CHECKED_ZONES = 1_000;

/** Validates an IANA zone name (luxon IANAZone.isValidZone), remembered per name. */
export function isValidZone(zone: string): boolean {
  const known = checkedZones.get(zone);
  if (known !== undefined) return known;
  const valid = IANAZone.isValidZone(zone);
  if (checkedZones.size >= MAX_CHECKED_ZONES) checkedZones.clear();
  checkedZones.set(zone, valid);
  return valid;
}

// --- Durations -----------------------------------------------------------------------------------

/*
 * luxon's Duration.fromISO is lenient: it accepts "P", "PT", "P1DT", signs and fractional days.
 * Policies are written by people, so we check the shape ourselves first and only then let luxon
 * build the object. Allowed: non-negative integers for Y, M, W, D; H, M, S may carry a decimal
 * fraction (dot only) on the last component, as ISO 8601 requires. Deadlines only move forward,
 * hence no negative durations.
 */
const ISO_DURATION = /^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$/;
const FRACTION_NOT_LAST = /\.\d+[HM]\d/;

/**
 * Parsed durations, by text, with their length in milliseconds. Luxon's parse costs a third of a
 * millisecond and its conversion as much, and the same few policy durations are read on every
 * intake request; a Duration never changes, so sharing one is safe.
 */
const parsedDurations = new Map<string, { duration: Duration; ms: number }>();
const MAX_PARSED_DURATIONS = 256;

function parsed(text: string): { duration: Duration; ms: number } {
  let known = parsedDurations.get(text);
  if (!known) {
    const duration = parseUncached(text);
    known = { duration, ms: duration.as("milliseconds") };
    if (parsedDurations.size >= MAX_PARSED_DURATIONS) parsedDurations.clear();
    parsedDurations.set(text, known);
  }
  return known;
}

/** ISO 8601 duration ("P14D", "PT4H", "PT30S", "P1DT2H") → luxon Duration; throws on anything else. */
export function parseDuration(text: string): Duration {
  return parsed(text).duration;
}

/** parseDuration(text).as("milliseconds"). */
export function durationMillis(text: string): number {
  return parsed(text).ms;
}

function parseUncached(text: string): Duration {
  if (!ISO_DURATION.test(text) || FRACTION_NOT_LAST.test(text)) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: expected an ISO 8601 duration such as "P14D", "PT4H" or "P1DT2H"`);
  }
  const duration = Duration.fromISO(text);
  if (!duration.isValid) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: ${duration.invalidExplanation ?? duration.invalidReason ?? "unparseable"}`);
  }
  return duration;
}

/** Zod schema for a duration field in a policy; the error message is parseDuration's. */
export const IsoDuration: z.ZodType<string> = z.string().superRefine((text, ctx) => {
  try {
    parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

function toDuration(duration: Duration | string): Duration {
  const parsed = typeof duration === "string" ? parseDuration(duration) : duration;
  if (!parsed.isValid) throw new Error(`invalid duration: ${parsed.invalidExplanation ?? parsed.invalidReason ?? "unknown reason"}`);
  return parsed;
}

// --- Local dates as integers ---------------------------------------------------------------------

/*
 * Walking over calendar dates is done on "epoch days" (days since 1970-01-01, proleptic Gregorian,
 * no zone): stepping a day is `+ 1` and weekday/holiday checks need no luxon objects. luxon is only
 * used to turn a local date + wall-clock time into an instant, which is the zone-dependent part.
 */
const MS_PER_DAY = 86_400_000;

function epochDayOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

function dateParts(epochDay: number): { year: number; month: number; day: number } {
  const d = new Date(epochDay * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function isoWeekday(epochDay: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

function isoDate(epochDay: number): string {
  return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

function localEpochDay(ms: number, zone: string): number {
  const local = DateTime.fromMillis(ms, { zone });
  return epochDayOf(local.year, local.month, local.day);
}

// --- Compiled calendar ---------------------------------------------------------------------------

interface Compiled {
  zone: string;
  startMinute: number;
  /** 1440 when hours end at "24:00". */
  endMinute: number;
  days: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
  /** Upper bound on consecutive non-working dates, so searches can never spin forever. */
  maxGap: number;
}

interface Period {
  day: number;
  start: number;
  end: number;
}

/*
 * Calendars arrive from stored policies, so they are validated on every call rather than trusted:
 * an unknown zone would otherwise make luxon return invalid dates (NaN) silently, and a malformed
 * holiday ("2026-1-1") would silently never match.
 */
function compile(cal: BusinessCalendar): Compiled {
  if (!isValidZone(cal.zone)) throw new Error(`invalid IANA time zone ${JSON.stringify(cal.zone)}`);
  const hours = WorkingHours.safeParse(cal.hours);
  if (!hours.success) throw new Error(`invalid working hours: ${z.prettifyError(hours.error)}`);
  for (const holiday of cal.holidays) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(holiday);
    if (!m || isoDate(epochDayOf(Number(m[1]), Number(m[2]), Number(m[3]))) !== holiday) {
      throw new Error(`invalid holiday ${JSON.stringify(holiday)}: expected a "YYYY-MM-DD" date`);
    }
  }
  const holidays = new Set(cal.holidays);
  return {
    zone: cal.zone,
    startMinute: minutesOfDay(hours.data.start),
    endMinute: minutesOfDay(hours.data.end),
    days: new Set(hours.data.days),
    holidays,
    // Every week has at least one working weekday and each holiday removes at most one, so within
    // 7 × (holidays + 1) dates there is always a working day; +7 of slack for skipped-date zones.
    maxGap: 7 * (holidays.size + 2),
  };
}

function localInstant(c: Compiled, epochDay: number, minuteOfDay: number, second = 0, millisecond = 0): DateTime {
  const { year, month, day } = dateParts(epochDay);
  // Wall-clock times inside a DST gap are moved forward by luxon (02:30 → 03:30), which is the
  // first real instant at or after the intended time: right for both "opens at" and "closes at".
  return DateTime.fromObject(
    { year, month, day, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second, millisecond },
    { zone: c.zone },
  );
}

/** The working interval of a local date, or null when it is not a working day. */
function periodOn(c: Compiled, day: number): Period | null {
  if (!c.days.has(isoWeekday(day)) || c.holidays.has(isoDate(day))) return null;
  const start = localInstant(c, day, c.startMinute);
  // A zone that skipped a whole date (Pacific/Apia, 2011-12-30) maps that date onto the next one;
  // without this check the next day's hours would be counted twice.
  if (epochDayOf(start.year, start.month, start.day) !== day) return null;
  // "24:00" is the next date's midnight, so its real length follows any DST change at midnight.
  const end = c.endMinute === 1440 ? localInstant(c, day + 1, 0) : localInstant(c, day, c.endMinute);
  if (end.toMillis() <= start.toMillis()) return null;
  return { day, start: start.toMillis(), end: end.toMillis() };
}

/** First working period on `day` or a later date. */
function periodFrom(c: Compiled, day: number): Period {
  for (let d = day; d <= day + c.maxGap; d++) {
    const period = periodOn(c, d);
    if (period) return period;
  }
  throw new Error(`no working day within ${c.maxGap} days of ${isoDate(day)} in ${c.zone}`);
}

/** The working period containing `ms`, or the next one if `ms` is outside working time. */
function periodAtOrAfter(c: Compiled, ms: number): Period {
  let period = periodFrom(c, localEpochDay(ms, c.zone));
  while (ms >= period.end) period = periodFrom(c, period.day + 1);
  return period;
}

function instantMs(at: Date, name = "at"): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new Error(`${name} is an invalid Date`);
  return ms;
}

// --- Public API ----------------------------------------------------------------------------------

/** True when `at` falls inside working hours on a working (non-holiday) day, in the calendar's zone. End is exclusive. */
export function isWorkingTime(at: Date, cal: BusinessCalendar): boolean {
  const c = compile(cal);
  const ms = instantMs(at);
  const period = periodOn(c, localEpochDay(ms, c.zone));
  return period !== null && period.start <= ms && ms < period.end;
}

/** `at` itself if it is working time, else the start of the next working period (skipping non-working days and holidays). */
export function nextWorkingTime(at: Date, cal: BusinessCalendar): Date {
  const c = compile(cal);
  const ms = instantMs(at);
  return new Date(Math.max(ms, periodAtOrAfter(c, ms).start));
}

/**
 * Calendar arithmetic in the zone (luxon `plus`): years, months, weeks and days move the wall clock,
 * so P1D across a DST change lands at the same local time next day, while hours, minutes and
 * seconds are real elapsed time (PT24H across spring-forward lands an hour later on the clock).
 * A wall-clock result inside a DST gap moves forward (02:30 → 03:30).
 */
export function addCalendarDuration(at: Date, duration: Duration | string, zone: string): Date {
  if (!isValidZone(zone)) throw new Error(`invalid IANA time zone ${JSON.stringify(zone)}`);
  const result = DateTime.fromMillis(instantMs(at), { zone }).plus(toDuration(duration));
  if (!result.isValid) throw new Error(`date arithmetic failed: ${result.invalidExplanation ?? "out of range"}`);
  return result.toJSDate();
}

/*
 * Splits a duration into whole working days and an amount of working time in ms.
 * - Years, months and quarters are rejected: "business months" have no agreed meaning.
 * - A week counts as as many working days as the calendar has per week (Mon–Fri → 5), so P1W is
 *   "same weekday and time next week" unless a holiday intervenes, in which case it is one more day.
 * - Days must be whole (the parser already guarantees that for strings).
 */
function businessParts(duration: Duration, c: Compiled): { days: number; ms: number } {
  const o = duration.toObject();
  if (o.years || o.months || o.quarters) {
    throw new Error("business durations cannot contain years or months; use days or weeks");
  }
  const weeks = o.weeks ?? 0;
  const days = (o.days ?? 0) + weeks * c.days.size;
  const ms = (o.hours ?? 0) * 3_600_000 + (o.minutes ?? 0) * 60_000 + (o.seconds ?? 0) * 1_000 + (o.milliseconds ?? 0);
  if (!Number.isInteger(weeks) || !Number.isInteger(days) || days < 0 || weeks < 0) {
    throw new Error("business durations need a whole, non-negative number of days and weeks");
  }
  if (!Number.isFinite(ms) || ms < 0) throw new Error("business durations must not be negative");
  return { days, ms: Math.round(ms) };
}

/**
 * Adds only working time. Rules (each chosen so the answer reads naturally as a deadline):
 * 1. Counting starts at nextWorkingTime(at): a lead arriving on Saturday is counted from Monday's opening.
 * 2. The days part (P2D, P1W) advances whole working days at the same local time of day:
 *    Thursday 10:00 + P2D = Monday 10:00 (Friday and Monday count).
 * 3. When counting starts exactly at an opening (including after rule 1), that instant is the same
 *    working moment as the previous working day's close, and the result is expressed as a close:
 *    Monday 09:00 + P1D = Monday 17:00, Saturday + P2D = Tuesday 17:00 ("by end of Tuesday"),
 *    not Wednesday 09:00 — the same amount of working time, but the earlier, more natural instant.
 * 4. The hours/minutes/seconds part is then added as working time, in real elapsed ms, period by
 *    period. If it runs out exactly at a close, the close is the answer (Friday 13:00 + PT4H =
 *    Friday 17:00, not Monday 09:00), consistent with rule 3.
 * 5. A zero duration returns nextWorkingTime(at).
 * Loops step over dates and working periods, never minutes, so P30D or PT1000H is a few hundred
 * small steps at most.
 */
export function addBusinessDuration(at: Date, duration: Duration | string, cal: BusinessCalendar): Date {
  const c = compile(cal);
  const { days, ms } = businessParts(toDuration(duration), c);
  let t = instantMs(at);
  let period = periodAtOrAfter(c, t);
  t = Math.max(t, period.start);

  if (days > 0) {
    const atOpening = t === period.start;
    const timeOfDay = DateTime.fromMillis(t, { zone: c.zone });
    for (let left = atOpening ? days - 1 : days; left > 0; left--) period = periodFrom(c, period.day + 1);
    if (atOpening) {
      t = period.end;
    } else {
      // Same wall-clock time on the target day; clamp in case a DST gap or overlap moved it outside.
      const target = localInstant(c, period.day, timeOfDay.hour * 60 + timeOfDay.minute, timeOfDay.second, timeOfDay.millisecond);
      t = Math.min(Math.max(target.toMillis(), period.start), period.end);
    }
  }

  let remaining = ms;
  while (remaining > period.end - t) {
    remaining -= period.end - t;
    period = periodFrom(c, period.day + 1);
    t = period.start;
  }
  return new Date(t + remaining);
}

/** Working time elapsed between two instants (ms), for SLA reporting; 0 if end <= start. */
export function businessMsBetween(start: Date, end: Date, cal: BusinessCalendar): number {
  const c = compile(cal);
  const from = instantMs(start, "start");
  const to = instantMs(end, "end");
  if (to <= from) return 0;
  let total = 0;
  // Walk local dates rather than periods so a long span without holidays still costs one cheap
  // check per date and one luxon conversion per working day.
  const lastDay = localEpochDay(to, c.zone);
  for (let day = localEpochDay(from, c.zone); day <= lastDay; day++) {
    const period = periodOn(c, day);
    if (period) total += Math.max(0, Math.min(to, period.end) - Math.max(from, period.start));
  }
  return total;
}

/** One working period of a local date: the date ("YYYY-MM-DD" in the calendar's zone) and its real-time interval. */
export interface WorkingPeriod {
  date: string;
  start: Date;
  end: Date;
}

/**
 * The working periods that overlap [from, to), oldest first, each whole (not cut to the window).
 * Wall-clock hours in the calendar's zone: across a DST change 09:00 stays 09:00 and the day's
 * period is an hour shorter or longer in real time. At most `maxDays` local dates are looked at.
 */
export function workingPeriods(from: Date, to: Date, cal: BusinessCalendar, maxDays = 400): WorkingPeriod[] {
  const c = compile(cal);
  const start = instantMs(from, "from");
  const end = instantMs(to, "to");
  const periods: WorkingPeriod[] = [];
  const last = Math.min(localEpochDay(end, c.zone), localEpochDay(start, c.zone) + maxDays);
  for (let day = localEpochDay(start, c.zone); day <= last; day++) {
    const period = periodOn(c, day);
    if (period && period.end > start && period.start < end) {
      periods.push({ date: isoDate(day), start: new Date(period.start), end: new Date(period.end) });
    }
  }
  return periods;
}
