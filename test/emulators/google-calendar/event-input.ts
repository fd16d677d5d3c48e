import { DateTime } from "luxon";
import { badRequest, GoogleApiError } from "./errors.ts";
import { hasOffset, isZone, parseDateTime } from "./time.ts";

/** Calendar's EventDateTime: `date` for all-day events, else `dateTime` (+ optional IANA `timeZone`). */
export interface EventDateTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface EventTimes {
  start: EventDateTime;
  end: EventDateTime;
  startMs: number;
  endMs: number;
  allDay: boolean;
}

export interface Attendee {
  email: string;
  displayName?: string;
  optional?: boolean;
  responseStatus: "needsAction" | "declined" | "tentative" | "accepted";
  comment?: string;
}

const RESPONSES = new Set(["needsAction", "declined", "tentative", "accepted"]);
/** Event ids: "characters allowed in the ID are those used in base32hex encoding, i.e. lowercase letters a-v and digits 0-9 … between 5 and 1024 characters" (Event.id). */
export const EVENT_ID = /^[a-v0-9]{5,1024}$/;

function readTime(raw: unknown, which: "start" | "end", calendarZone: string): { value: EventDateTime; ms: number; allDay: boolean } {
  if (!raw || typeof raw !== "object") throw badRequest("required", `Missing ${which} time.`);
  const { date, dateTime, timeZone } = raw as Record<string, unknown>;
  if (timeZone !== undefined && !isZone(timeZone)) throw badRequest("invalid", `Invalid time zone definition for ${which} time.`);
  if (typeof date === "string" && dateTime === undefined) {
    const day = DateTime.fromISO(date, { zone: (timeZone as string | undefined) ?? calendarZone });
    if (!day.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw badRequest("invalid", `Invalid ${which} time.`);
    return { value: { date }, ms: day.startOf("day").toMillis(), allDay: true };
  }
  if (typeof dateTime !== "string") throw badRequest("required", `Missing ${which} time.`);
  if (!hasOffset(dateTime) && timeZone === undefined) throw badRequest("required", `Missing time zone definition for ${which} time.`);
  const ms = parseDateTime(dateTime, timeZone as string | undefined);
  if (ms === undefined) throw badRequest("invalid", `Invalid ${which} time.`);
  return { value: { dateTime, ...(typeof timeZone === "string" ? { timeZone } : {}) }, ms, allDay: false };
}

/** start/end of an Event body, with the guide's 400s for a missing, unreadable or empty range. */
export function readTimes(body: Record<string, unknown>, calendarZone: string): EventTimes {
  const start = readTime(body.start, "start", calendarZone);
  const end = readTime(body.end, "end", calendarZone);
  if (start.allDay !== end.allDay) throw badRequest("invalid", "Start and end times must either both be date or both be dateTime.");
  if (end.ms < start.ms)
    throw new GoogleApiError(400, { domain: "calendar", reason: "timeRangeEmpty", message: "The specified time range is empty." });
  return { start: start.value, end: end.value, startMs: start.ms, endMs: end.ms, allDay: start.allDay };
}

export function readAttendees(raw: unknown): Attendee[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw badRequest("invalid", "Invalid attendees.");
  return raw.map((a: Record<string, unknown>) => {
    if (!a || typeof a.email !== "string" || a.email === "") throw badRequest("required", "Missing attendee email.");
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a.email)) throw badRequest("invalid", "Invalid attendee email.");
    const status = typeof a.responseStatus === "string" && RESPONSES.has(a.responseStatus) ? a.responseStatus : "needsAction";
    return {
      email: a.email.toLowerCase(),
      responseStatus: status as Attendee["responseStatus"],
      ...(typeof a.displayName === "string" ? { displayName: a.displayName } : {}),
      ...(a.optional === true ? { optional: true } : {}),
      ...(typeof a.comment === "string" ? { comment: a.comment } : {}),
    };
  });
}

export function readEventId(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !EVENT_ID.test(raw)) throw badRequest("invalid", "Invalid resource id value.");
  return raw;
}

/** The create request of conferenceData (with conferenceDataVersion=1), or undefined. */
export function readConferenceRequest(raw: unknown): { requestId: string; type: string } | undefined {
  const request = (raw as { createRequest?: Record<string, unknown> } | undefined)?.createRequest;
  if (!request) return undefined;
  const type = (request.conferenceSolutionKey as { type?: unknown } | undefined)?.type;
  if (typeof request.requestId !== "string" || request.requestId === "") throw badRequest("invalid", "Invalid conference create request.");
  // A Workspace calendar's allowedConferenceSolutionTypes is ["hangoutsMeet"].
  if (type !== "hangoutsMeet") throw badRequest("invalid", "Invalid conference type value.");
  return { requestId: request.requestId, type };
}

/** `sendUpdates` (all | externalOnly | none) and `conferenceDataVersion` (0 | 1). */
export function readWriteParams(query: URLSearchParams): { sendUpdates: "all" | "externalOnly" | "none"; conferenceDataVersion: 0 | 1 } {
  const send = query.get("sendUpdates");
  if (send !== null && send !== "all" && send !== "externalOnly" && send !== "none") {
    throw badRequest("invalidParameter", `Invalid value for sendUpdates: ${send}`, "sendUpdates");
  }
  const version = query.get("conferenceDataVersion");
  if (version !== null && version !== "0" && version !== "1") {
    throw badRequest("invalid", `Invalid value '${version}'. Values must be within the range: [0, 1]`, "conferenceDataVersion");
  }
  // Deprecated sendNotifications=true means "all".
  const legacy = query.get("sendNotifications") === "true" ? "all" : "none";
  return { sendUpdates: (send as "all" | "externalOnly" | "none" | null) ?? legacy, conferenceDataVersion: version === "1" ? 1 : 0 };
}
