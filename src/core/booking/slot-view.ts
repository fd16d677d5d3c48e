import { DateTime } from "luxon";
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

export function slotView(start: number, end: number, zone: string): SlotView {
  const from = DateTime.fromMillis(start, { zone, locale: "en-GB" });
  const to = DateTime.fromMillis(end, { zone, locale: "en-GB" });
  return {
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    date: from.toISODate()!,
    day: from.toFormat("cccc d LLLL"),
    time: from.toFormat("HH:mm"),
    label: `${from.toFormat("ccc d LLL yyyy, HH:mm")}–${to.toFormat("HH:mm")} (${zone})`,
  };
}
