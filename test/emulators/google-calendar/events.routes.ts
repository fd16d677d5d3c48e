import type { EmulatorRequest } from "../shared/server.ts";
import { apiRoute, type GoogleContext, objectBody, ownCalendar, SCOPES } from "./api.ts";
import { type CalendarStore, newEventId, newMeetCode, type Notification, presentEvent, type StoredEvent } from "./calendar-store.ts";
import type { Directory } from "./directory.ts";
import { badRequest, deleted, duplicate, forbiddenForServiceAccounts, notFound, timeRangeEmpty } from "./errors.ts";
import { readAttendees, readConferenceRequest, readEventId, readTimes, readWriteParams } from "./event-input.ts";
import { isZone, parseDateTime, utcIso } from "./time.ts";

type SendUpdates = "all" | "externalOnly" | "none";

/** Who gets an email for a change, by sendUpdates ("all", "externalOnly": non-domain guests, "none"). */
function notify(directory: Directory, event: StoredEvent, kind: Notification["kind"], sendUpdates: SendUpdates, at: number): void {
  const guests = event.attendees.map((a) => a.email).filter((email) => email !== event.calendarId);
  const recipients =
    sendUpdates === "all" ? guests : sendUpdates === "externalOnly" ? guests.filter((email) => !email.endsWith(`@${directory.domain}`)) : [];
  event.notifications.push({ at: utcIso(at), kind, sendUpdates, recipients });
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest("invalid", `Invalid value for: ${name}`);
  return value;
}

function readTransparency(raw: unknown): "opaque" | "transparent" {
  if (raw === undefined || raw === "opaque") return "opaque";
  if (raw === "transparent") return "transparent";
  throw badRequest("invalid", "Invalid value for: transparency");
}

function readExtendedProperties(raw: unknown): StoredEvent["extendedProperties"] {
  if (raw === undefined) return undefined;
  const value = raw as { private?: unknown; shared?: unknown };
  const strings = (m: unknown) =>
    m && typeof m === "object" ? Object.fromEntries(Object.entries(m as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : undefined;
  return { ...(value.private ? { private: strings(value.private)! } : {}), ...(value.shared ? { shared: strings(value.shared)! } : {}) };
}

export interface NewEvent {
  calendar: { id: string; zone: string };
  body: Record<string, unknown>;
  creator: string;
  origin: StoredEvent["origin"];
  sendUpdates: SendUpdates;
  conferenceDataVersion: 0 | 1;
  /** Refuse attendees (a service account acting as itself). */
  attendeesForbidden: boolean;
}

/** events.insert's checks and effect; control routes seed events through it too. */
export function insertEvent(store: CalendarStore, directory: Directory, input: NewEvent, now: number): StoredEvent {
  const { body, calendar } = input;
  const id = readEventId(body.id);
  const times = readTimes(body, calendar.zone);
  const attendees = readAttendees(body.attendees);
  if (attendees.length > 0 && input.attendeesForbidden) throw forbiddenForServiceAccounts();
  const conferenceRequest = input.conferenceDataVersion === 1 ? readConferenceRequest(body.conferenceData) : undefined;
  // An id stays taken after its event is deleted: Google answers 409 for it too.
  if (id && store.get(calendar.id, id)) throw duplicate();
  const status = body.status === "tentative" ? "tentative" : "confirmed";
  const event: StoredEvent = {
    calendarId: calendar.id,
    id: id ?? newEventId(),
    status,
    ...optionals(body),
    ...times,
    transparency: readTransparency(body.transparency),
    attendees,
    creator: input.creator,
    created: now,
    updated: now,
    sequence: 0,
    origin: input.origin,
    notifications: [],
  };
  const extended = readExtendedProperties(body.extendedProperties);
  if (extended) event.extendedProperties = extended;
  if (conferenceRequest) event.conference = { requestId: conferenceRequest.requestId, code: newMeetCode() };
  notify(directory, event, "invitation", input.sendUpdates, now);
  return store.put(event);
}

function optionals(body: Record<string, unknown>): Pick<StoredEvent, "summary" | "description" | "location" | "visibility"> {
  const out: Pick<StoredEvent, "summary" | "description" | "location" | "visibility"> = {};
  for (const name of ["summary", "description", "location", "visibility"] as const) {
    const value = optionalString(body, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function responseZone(req: EmulatorRequest): string | undefined {
  const zone = req.query.get("timeZone");
  return zone && isZone(zone) ? zone : undefined;
}

/** events.insert, get, patch, delete and list on /calendar/v3/calendars/{calendarId}/events. */
export function registerEventRoutes(ctx: GoogleContext): void {
  const base = "/calendar/v3/calendars/:calendarId/events";
  const stored = (calendarId: string, eventId: string) => {
    const event = ctx.store.get(calendarId, eventId);
    if (!event) throw notFound();
    return event;
  };

  apiRoute(ctx, "POST", base, SCOPES.write, (req, grant) => {
    const calendar = ownCalendar(ctx, grant, req.params.calendarId!);
    const { sendUpdates, conferenceDataVersion } = readWriteParams(req.query);
    const event = insertEvent(
      ctx.store,
      ctx.directory,
      {
        calendar,
        body: objectBody(req),
        creator: grant.subject,
        origin: "api",
        sendUpdates,
        conferenceDataVersion,
        attendeesForbidden: !grant.delegated,
      },
      ctx.now(),
    );
    return { status: 200, body: presentEvent(event, calendar.zone, responseZone(req)) };
  });

  apiRoute(ctx, "GET", `${base}/:eventId`, SCOPES.read, (req, grant) => {
    const calendar = ownCalendar(ctx, grant, req.params.calendarId!);
    // "The get method always returns them" (cancelled events, Event.status).
    return { status: 200, body: presentEvent(stored(calendar.id, req.params.eventId!), calendar.zone, responseZone(req)) };
  });

  apiRoute(ctx, "PATCH", `${base}/:eventId`, SCOPES.write, (req, grant) => {
    const calendar = ownCalendar(ctx, grant, req.params.calendarId!);
    const event = stored(calendar.id, req.params.eventId!);
    const { sendUpdates, conferenceDataVersion } = readWriteParams(req.query);
    const body = objectBody(req);
    const patched: StoredEvent = { ...event, ...optionals(body) };
    if (body.start !== undefined || body.end !== undefined) {
      const times = readTimes({ start: body.start ?? event.start, end: body.end ?? event.end }, calendar.zone);
      if (times.startMs !== event.startMs || times.endMs !== event.endMs) patched.sequence = event.sequence + 1;
      Object.assign(patched, times);
    }
    if (body.attendees !== undefined) {
      patched.attendees = readAttendees(body.attendees);
      if (patched.attendees.length > 0 && !grant.delegated) throw forbiddenForServiceAccounts();
    }
    if (body.transparency !== undefined) patched.transparency = readTransparency(body.transparency);
    if (body.status === "confirmed" || body.status === "tentative" || body.status === "cancelled") patched.status = body.status;
    const extended = readExtendedProperties(body.extendedProperties);
    if (extended) patched.extendedProperties = extended;
    const conferenceRequest = conferenceDataVersion === 1 ? readConferenceRequest(body.conferenceData) : undefined;
    // "If an ID provided is the same as for the previous request, the request is ignored."
    if (conferenceRequest && conferenceRequest.requestId !== event.conference?.requestId) {
      patched.conference = { requestId: conferenceRequest.requestId, code: newMeetCode() };
    }
    patched.updated = ctx.now();
    patched.notifications = event.notifications;
    notify(ctx.directory, patched, "update", sendUpdates, patched.updated);
    ctx.store.put(patched);
    return { status: 200, body: presentEvent(patched, calendar.zone, responseZone(req)) };
  });

  apiRoute(ctx, "DELETE", `${base}/:eventId`, SCOPES.write, (req, grant) => {
    const calendar = ownCalendar(ctx, grant, req.params.calendarId!);
    const event = stored(calendar.id, req.params.eventId!);
    const { sendUpdates } = readWriteParams(req.query);
    if (event.status === "cancelled") throw deleted();
    event.status = "cancelled";
    event.updated = ctx.now();
    notify(ctx.directory, event, "cancellation", sendUpdates, event.updated);
    return { status: 204 };
  });

  apiRoute(ctx, "GET", base, SCOPES.read, (req, grant) => {
    const calendar = ownCalendar(ctx, grant, req.params.calendarId!);
    const q = req.query;
    const bound = (name: string) => {
      const raw = q.get(name);
      if (raw === null) return undefined;
      const ms = parseDateTime(raw);
      if (ms === undefined) throw badRequest("badRequest", "Bad Request");
      return ms;
    };
    const timeMin = bound("timeMin");
    const timeMax = bound("timeMax");
    if (timeMin !== undefined && timeMax !== undefined && timeMax <= timeMin) throw timeRangeEmpty("timeMax");
    const orderBy = q.get("orderBy");
    if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated")
      throw badRequest("invalidParameter", `Invalid value for orderBy: ${orderBy}`, "orderBy");
    if (orderBy === "startTime" && q.get("singleEvents") !== "true") {
      throw badRequest("badRequest", "The requested ordering is not available for the particular query.");
    }
    const maxResults = Math.min(Number(q.get("maxResults") ?? 250) || 250, 2500);
    const showDeleted = q.get("showDeleted") === "true";
    const iCalUID = q.get("iCalUID");
    const wanted = (name: string, props: Record<string, string> | undefined) =>
      q.getAll(name).every((pair) => {
        const at = pair.indexOf("=");
        return at > 0 && props?.[pair.slice(0, at)] === pair.slice(at + 1);
      });
    let items = ctx.store
      .events(calendar.id)
      .filter((e) => showDeleted || e.status !== "cancelled")
      // timeMin bounds an event's end, timeMax its start (both exclusive): events.list parameters.
      .filter((e) => (timeMin === undefined || e.endMs > timeMin) && (timeMax === undefined || e.startMs < timeMax))
      .filter((e) => iCalUID === null || `${e.id}@google.com` === iCalUID)
      .filter(
        (e) => wanted("privateExtendedProperty", e.extendedProperties?.private) && wanted("sharedExtendedProperty", e.extendedProperties?.shared),
      );
    if (orderBy === "startTime") items = items.sort((a, b) => a.startMs - b.startMs);
    if (orderBy === "updated") items = items.sort((a, b) => a.updated - b.updated);
    const offset = Number(Buffer.from(q.get("pageToken") ?? "", "base64url").toString() || 0);
    if (!Number.isInteger(offset) || offset < 0) throw badRequest("invalid", "Invalid page token value.", "pageToken");
    const page = items.slice(offset, offset + maxResults);
    const body: Record<string, unknown> = {
      kind: "calendar#events",
      etag: `"${ctx.now()}"`,
      summary: calendar.id,
      description: "",
      updated: utcIso(Math.max(0, ...items.map((e) => e.updated))),
      timeZone: calendar.zone,
      accessRole: "owner",
      defaultReminders: [{ method: "popup", minutes: 10 }],
      items: page.map((e) => presentEvent(e, calendar.zone, responseZone(req))),
    };
    if (offset + maxResults < items.length) body.nextPageToken = Buffer.from(String(offset + maxResults)).toString("base64url");
    return { status: 200, body };
  });
}
