import { isValidZone } from "../calendar/calendar";

/** A time as the visitor reads it: the instant, and its date and hour on the visitor's clock. */
export interface SlotView {
  /** ISO 8601 UTC: what a booking names. */
  start: string;
  end: string;
  /** The visitor's local date, YYYY-MM-DD. */
  date: string;
  /** "Tuesday 16 March". */
  day: string;
  /** "14:00". */
  time: string;
  /** "Tue 16 Mar 2027, 14:00–14:30 (Europe/Berlin)". */
  label: string;
}

/** The visitor's zone when it is a real one, else the fallback (the rep's). */
export function viewZone(visitorZone: string | undefined, fallback: string): string {
  return visitorZone && isValidZone(visitorZone) ? visitorZone : fallback;
}

/*
 * One Intl formatter per zone, kept: a lookup shows some sixty times, and building a formatter
 * (or a luxon DateTime per field) for each costs more than the rest of the answer's arithmetic.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 200;

function formatter(zone: string): Intl.DateTimeFormat {
  let known = formatters.get(zone);
  if (!known) {
    known = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(zone, known);
  }
  return known;
}

interface Local {
  weekday: string;
  day: string;
  month: string;
  monthNumber: string;
  year: string;
  time: string;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function local(ms: number, zone: string): Local {
  const parts: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(ms)) parts[part.type] = part.value;
  return {
    weekday: parts.weekday!,
    day: parts.day!,
    month: parts.month!,
    monthNumber: String(MONTHS.indexOf(parts.month!) + 1).padStart(2, "0"),
    year: parts.year!,
    time: `${parts.hour}:${parts.minute}`,
  };
}

export function slotView(start: number, end: number, zone: string): SlotView {
  const from = local(start, zone);
  const to = local(end, zone);
  return {
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    date: `${from.year}-${from.monthNumber}-${from.day.padStart(2, "0")}`,
    day: `${from.weekday} ${from.day} ${from.month}`,
    time: from.time,
    label: `${from.weekday.slice(0, 3)} ${from.day} ${from.month.slice(0, 3)} ${from.year}, ${from.time}–${to.time} (${zone})`,
  };
}
