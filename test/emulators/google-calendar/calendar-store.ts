import { randomBytes } from "node:crypto";
import type { Attendee, EventDateTime } from "./event-input.ts";
import { formatInZone, utcIso } from "./time.ts";

/** An email Google would send for a change, given the request's sendUpdates (for tests and a person). */
export interface Notification {
  at: string;
  kind: "invitation" | "update" | "cancellation";
  sendUpdates: "all" | "externalOnly" | "none";
  recipients: string[];
}

export interface Conference {
  requestId: string;
  code: string;
}

export interface StoredEvent {
  calendarId: string;
  id: string;
  status: "confirmed" | "tentative" | "cancelled";
  summary?: string;
  description?: string;
  location?: string;
  start: EventDateTime;
  end: EventDateTime;
  startMs: number;
  endMs: number;
  allDay: boolean;
  transparency: "opaque" | "transparent";
  visibility?: string;
  attendees: Attendee[];
  creator: string;
  conference?: Conference;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  created: number;
  updated: number;
  sequence: number;
  /** "api" for what the Worker created, "control" for what a test or a person put there. */
  origin: "api" | "control";
  notifications: Notification[];
}

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** A server-made id: base32hex, like Google's own. */
export function newEventId(): string {
  return [...randomBytes(26)].map((b) => BASE32HEX[b % 32]).join("");
}

/** A Meet code as Google prints it: "abc-defg-hij". */
export function newMeetCode(): string {
  const letters = [...randomBytes(10)].map((b) => String.fromCharCode(97 + (b % 26))).join("");
  return `${letters.slice(0, 3)}-${letters.slice(3, 7)}-${letters.slice(7)}`;
}

/** Every calendar's events, by calendar id (an address) then event id. Ids stay taken after a delete. */
export class CalendarStore {
  private readonly calendars = new Map<string, Map<string, StoredEvent>>();

  private calendar(calendarId: string): Map<string, StoredEvent> {
    const id = calendarId.toLowerCase();
    let events = this.calendars.get(id);
    if (!events) this.calendars.set(id, (events = new Map()));
    return events;
  }

  get(calendarId: string, eventId: string): StoredEvent | undefined {
    return this.calendar(calendarId).get(eventId);
  }

  put(event: StoredEvent): StoredEvent {
    this.calendar(event.calendarId).set(event.id, event);
    return event;
  }

  events(calendarId: string): StoredEvent[] {
    return [...this.calendar(calendarId).values()];
  }

  all(): StoredEvent[] {
    return [...this.calendars.values()].flatMap((events) => [...events.values()]);
  }

  /**
   * The busy periods of a calendar within [from, to): every event that is not cancelled and
   * blocks time (transparency opaque, the default), clipped to the window, overlaps merged.
   */
  busy(calendarId: string, from: number, to: number): { start: number; end: number }[] {
    const spans = this.events(calendarId)
      .filter((e) => e.status !== "cancelled" && e.transparency !== "transparent" && e.startMs < to && e.endMs > from && e.endMs > e.startMs)
      .map((e) => ({ start: Math.max(e.startMs, from), end: Math.min(e.endMs, to) }))
      .sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number }[] = [];
    for (const span of spans) {
      const last = merged.at(-1);
      if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
      else merged.push({ ...span });
    }
    return merged;
  }

  reset(): void {
    this.calendars.clear();
  }
}

/**
 * The Event resource as Calendar answers it. Times are written in `zone` when given (the
 * request's timeZone parameter), else in the event's own timeZone, else the calendar's.
 */
export function presentEvent(e: StoredEvent, calendarZone: string, zone?: string): Record<string, unknown> {
  const time = (value: EventDateTime, ms: number) =>
    e.allDay
      ? { date: value.date }
      : { dateTime: formatInZone(ms, zone ?? value.timeZone ?? calendarZone), ...(value.timeZone ? { timeZone: value.timeZone } : {}) };
  const body: Record<string, unknown> = {
    kind: "calendar#event",
    etag: `"${e.updated}${String(e.sequence).padStart(3, "0")}"`,
    id: e.id,
    status: e.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${e.id} ${e.calendarId}`).toString("base64url")}`,
    created: utcIso(e.created),
    updated: utcIso(e.updated),
  };
  if (e.summary !== undefined) body.summary = e.summary;
  if (e.description !== undefined) body.description = e.description;
  if (e.location !== undefined) body.location = e.location;
  body.creator = { email: e.creator, ...(e.creator === e.calendarId ? { self: true } : {}) };
  body.organizer = { email: e.calendarId, self: true };
  body.start = time(e.start, e.startMs);
  body.end = time(e.end, e.endMs);
  if (e.transparency === "transparent") body.transparency = "transparent";
  if (e.visibility) body.visibility = e.visibility;
  body.iCalUID = `${e.id}@google.com`;
  body.sequence = e.sequence;
  if (e.attendees.length > 0) {
    body.attendees = e.attendees.map((a) => ({
      ...a,
      ...(a.email === e.calendarId ? { organizer: true, self: true } : {}),
    }));
  }
  if (e.extendedProperties) body.extendedProperties = e.extendedProperties;
  if (e.conference) {
    const uri = `https://meet.google.com/${e.conference.code}`;
    body.hangoutLink = uri;
    body.conferenceData = {
      createRequest: { requestId: e.conference.requestId, conferenceSolutionKey: { type: "hangoutsMeet" }, status: { statusCode: "success" } },
      entryPoints: [{ entryPointType: "video", uri, label: `meet.google.com/${e.conference.code}` }],
      conferenceSolution: {
        key: { type: "hangoutsMeet" },
        name: "Google Meet",
        iconUri: "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
      },
      conferenceId: e.conference.code,
    };
  }
  body.reminders = { useDefault: true };
  body.eventType = "default";
  return body;
}
