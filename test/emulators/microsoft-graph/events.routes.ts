import { randomBytes } from "node:crypto";
import { answerZone, type GraphContext, mailboxRoute, objectBody, ROLES, zoneOf } from "./api.ts";
import { badRequest, GraphError, itemNotFound } from "./errors.ts";
import { type GraphAttendee, newChangeKey, newEventId, type Notification, presentEvent, type ShowAs, type StoredEvent } from "./mailbox-store.ts";
import type { GraphUser } from "./tenant.ts";
import { readDateTime } from "./time-zones.ts";

const SHOW_AS = new Set<ShowAs>(["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"]);
const SENSITIVITY = new Set(["normal", "personal", "private", "confidential"]);
const ATTENDEE_TYPES = new Set(["required", "optional", "resource"]);
/** A calendar's allowedOnlineMeetingProviders in a Teams tenant; its default provider. */
const TEAMS = "teamsForBusiness";

function readTime(value: unknown, which: "start" | "end"): { ms: number; zone: string } {
  if (!value || typeof value !== "object") throw badRequest(`Your request can't be completed. The ${which} time must be specified.`);
  const zone = zoneOf(value, which);
  const ms = readDateTime((value as { dateTime?: unknown }).dateTime, zone.iana);
  if (ms === undefined) throw badRequest(`Your request can't be completed. The ${which} time is not valid.`);
  return { ms, zone: zone.name };
}

function readAttendees(raw: unknown): GraphAttendee[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw badRequest("attendees must be a collection.", "BadRequest");
  return raw.map((a: { type?: unknown; emailAddress?: { address?: unknown; name?: unknown } }) => {
    const address = a?.emailAddress?.address;
    if (typeof address !== "string" || !address.includes("@"))
      throw badRequest("Your request can't be completed. An attendee's email address is missing or not valid.");
    const type = typeof a.type === "string" ? a.type.toLowerCase() : "required";
    if (!ATTENDEE_TYPES.has(type)) throw badRequest(`Requested value '${String(a.type)}' was not found.`, "BadRequest");
    return {
      type: type as GraphAttendee["type"],
      emailAddress: { address, ...(typeof a.emailAddress?.name === "string" ? { name: a.emailAddress.name } : {}) },
    };
  });
}

function joinUrl(ctx: GraphContext, mailbox: GraphUser): string {
  const context = encodeURIComponent(JSON.stringify({ Tid: ctx.tenant.id, Oid: mailbox.id }));
  return `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${randomBytes(24).toString("base64url")}%40thread.v2/0?context=${context}`;
}

function notify(event: StoredEvent, kind: Notification["kind"], at: number, comment?: string): void {
  const recipients = event.attendees.map((a) => a.emailAddress.address.toLowerCase()).filter((a) => a !== event.organizer.address);
  if (recipients.length > 0) event.notifications.push({ at: new Date(at).toISOString(), kind, recipients, ...(comment ? { comment } : {}) });
}

/** What makes two creates "the same event" for transactionId: every value a visitor would notice. */
function fingerprint(e: Pick<StoredEvent, "subject" | "startMs" | "endMs" | "attendees" | "isOnlineMeeting" | "location">): string {
  const guests = e.attendees.map((a) => a.emailAddress.address.toLowerCase()).sort();
  return JSON.stringify([e.subject, e.startMs, e.endMs, guests, e.isOnlineMeeting, e.location ?? ""]);
}

/**
 * Create Event's checks and effect (POST /users/{id}/events). With a `transactionId` the mailbox
 * has seen, the same event comes back (Graph's event.transactionId: "to avoid redundant POST
 * operations in case of client retries"); a different event under the same id is refused with
 * ErrorDuplicateTransactionId, as Graph answers it.
 */
export function createEvent(
  ctx: GraphContext,
  mailbox: GraphUser,
  body: Record<string, unknown>,
  origin: StoredEvent["origin"],
): { event: StoredEvent; repeated: boolean } {
  const start = readTime(body.start, "start");
  const end = readTime(body.end, "end");
  if (end.ms < start.ms) throw badRequest("Your request can't be completed. The end time must be later than the start time.");
  const isOnlineMeeting = body.isOnlineMeeting === true;
  const provider = typeof body.onlineMeetingProvider === "string" ? body.onlineMeetingProvider : isOnlineMeeting ? TEAMS : "unknown";
  const showAs = (typeof body.showAs === "string" && SHOW_AS.has(body.showAs as ShowAs) ? body.showAs : "busy") as ShowAs;
  const sensitivity = (
    typeof body.sensitivity === "string" && SENSITIVITY.has(body.sensitivity) ? body.sensitivity : "normal"
  ) as StoredEvent["sensitivity"];
  const content = body.body as { contentType?: unknown; content?: unknown } | undefined;
  const organizer = (body.organizer as { emailAddress?: { address?: string; name?: string } } | undefined)?.emailAddress;
  const now = ctx.now();
  const candidate: StoredEvent = {
    id: newEventId(),
    mailbox: mailbox.id,
    subject: typeof body.subject === "string" ? body.subject : "",
    body: { contentType: String(content?.contentType ?? "html").toLowerCase() === "text" ? "text" : "html", content: String(content?.content ?? "") },
    startMs: start.ms,
    endMs: end.ms,
    startZone: start.zone,
    endZone: end.zone,
    ...(typeof (body.location as { displayName?: unknown })?.displayName === "string"
      ? { location: (body.location as { displayName: string }).displayName }
      : {}),
    attendees: readAttendees(body.attendees),
    // Only seeded events may name another organizer (an invitation the rep received).
    organizer:
      origin === "control" && organizer?.address
        ? { address: organizer.address.toLowerCase(), name: organizer.name ?? organizer.address }
        : { address: mailbox.userPrincipalName, name: mailbox.displayName },
    showAs,
    sensitivity,
    isOnlineMeeting,
    onlineMeetingProvider: provider,
    isCancelled: false,
    removed: false,
    created: now,
    updated: now,
    changeKey: newChangeKey(),
    origin,
    notifications: [],
    fingerprint: "",
  };
  candidate.fingerprint = fingerprint(candidate);
  if (isOnlineMeeting && provider === TEAMS) candidate.joinUrl = joinUrl(ctx, mailbox);
  if (typeof body.transactionId === "string" && body.transactionId !== "") {
    candidate.transactionId = body.transactionId;
    const earlier = ctx.store.byTransaction(mailbox.id, body.transactionId);
    if (earlier) {
      if (earlier.fingerprint === candidate.fingerprint) return { event: earlier, repeated: true };
      throw badRequest(
        "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.",
        "ErrorDuplicateTransactionId",
      );
    }
  }
  notify(candidate, "invitation", now);
  return { event: ctx.store.put(candidate), repeated: false };
}

/** Create, get, update, delete and cancel events; calendarView for a window. */
export function registerEventRoutes(ctx: GraphContext): void {
  const present = (req: Parameters<typeof answerZone>[0], event: StoredEvent, mailbox: GraphUser) =>
    presentEvent(event, answerZone(req), mailbox.userPrincipalName);
  const live = (mailbox: GraphUser, id: string) => {
    const event = ctx.store.get(mailbox.id, id);
    if (!event) throw itemNotFound();
    return event;
  };

  for (const path of ["/v1.0/users/:user/events", "/v1.0/users/:user/calendar/events"]) {
    mailboxRoute(ctx, "POST", path, ROLES.write, (req, mailbox) => {
      const zone = answerZone(req);
      const { event } = createEvent(ctx, mailbox, objectBody(req), "api");
      return { status: 201, body: presentEvent(event, zone, mailbox.userPrincipalName) };
    });
  }

  for (const path of ["/v1.0/users/:user/events/:id", "/v1.0/users/:user/calendar/events/:id"]) {
    mailboxRoute(ctx, "GET", path, ROLES.read, (req, mailbox) => ({ status: 200, body: present(req, live(mailbox, req.params.id!), mailbox) }));

    mailboxRoute(ctx, "PATCH", path, ROLES.write, (req, mailbox) => {
      const event = live(mailbox, req.params.id!);
      const body = objectBody(req);
      const zone = answerZone(req);
      if (body.transactionId !== undefined && body.transactionId !== event.transactionId) {
        // event.transactionId: "After you set transactionId when creating an event, you cannot change transactionId in a subsequent update."
        throw badRequest("Your request can't be completed. The transactionId can't be changed once it is set.");
      }
      const next = { ...event };
      if (body.start !== undefined) {
        const start = readTime(body.start, "start");
        Object.assign(next, { startMs: start.ms, startZone: start.zone });
      }
      if (body.end !== undefined) {
        const end = readTime(body.end, "end");
        Object.assign(next, { endMs: end.ms, endZone: end.zone });
      }
      if (next.endMs < next.startMs) throw badRequest("Your request can't be completed. The end time must be later than the start time.");
      if (typeof body.subject === "string") next.subject = body.subject;
      if (body.attendees !== undefined) next.attendees = readAttendees(body.attendees);
      if (typeof body.showAs === "string" && SHOW_AS.has(body.showAs as ShowAs)) next.showAs = body.showAs as ShowAs;
      if (typeof (body.location as { displayName?: unknown })?.displayName === "string")
        next.location = (body.location as { displayName: string }).displayName;
      if (body.isOnlineMeeting === true && !next.joinUrl) {
        next.isOnlineMeeting = true;
        next.onlineMeetingProvider = TEAMS;
        next.joinUrl = joinUrl(ctx, mailbox);
      }
      next.updated = ctx.now();
      next.changeKey = newChangeKey();
      const moved = next.startMs !== event.startMs || next.endMs !== event.endMs;
      if (moved || body.attendees !== undefined) notify(next, "update", next.updated);
      ctx.store.put(next);
      return { status: 200, body: presentEvent(next, zone, mailbox.userPrincipalName) };
    });

    mailboxRoute(ctx, "DELETE", path, ROLES.write, (req, mailbox) => {
      const event = live(mailbox, req.params.id!);
      event.removed = true;
      event.updated = ctx.now();
      if (event.organizer.address === mailbox.userPrincipalName) notify(event, "cancellation", event.updated);
      return { status: 204 };
    });

    // event: cancel: the organizer cancels with an optional comment; 202 and no body.
    mailboxRoute(ctx, "POST", `${path}/cancel`, ROLES.write, (req, mailbox) => {
      const event = live(mailbox, req.params.id!);
      if (event.organizer.address !== mailbox.userPrincipalName) {
        throw badRequest("Your request can't be completed. You need to be an organizer to cancel a meeting.");
      }
      const body = (req.body ?? {}) as { comment?: unknown; Comment?: unknown };
      const comment = body.comment ?? body.Comment;
      event.isCancelled = true;
      event.removed = true;
      event.updated = ctx.now();
      notify(event, "cancellation", event.updated, typeof comment === "string" ? comment : undefined);
      return { status: 202 };
    });
  }

  mailboxRoute(ctx, "GET", "/v1.0/users/:user/calendarView", ROLES.read, (req, mailbox) => {
    const from = readDateTime(req.query.get("startDateTime") ?? undefined, "UTC");
    const to = readDateTime(req.query.get("endDateTime") ?? undefined, "UTC");
    if (from === undefined || to === undefined) {
      throw new GraphError(
        400,
        "ErrorInvalidParameter",
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
      );
    }
    const zone = answerZone(req);
    return {
      status: 200,
      body: {
        "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users('${mailbox.userPrincipalName}')/calendarView`,
        value: ctx.store.overlapping(mailbox.id, from, to).map((e) => presentEvent(e, zone, mailbox.userPrincipalName)),
      },
    };
  });
}
