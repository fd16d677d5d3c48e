import { randomBytes } from "node:crypto";
import { DateTime } from "luxon";
import type { EmulatorRequest, EmulatorResponse } from "../shared/server.ts";
import { apiRoute, type ApiContext, controlRoute, objectBody } from "./api.ts";
import { errorBody, HubSpotError } from "./errors.ts";
import type { ChangeSource } from "./objects-store.ts";
import { availabilityPage, availableMembers, slotOpen } from "./scheduler-availability.ts";
import type { MeetingLink, MeetingLinkInput, SchedulerStore } from "./scheduler-store.ts";

/**
 * HubSpot's meetings scheduler API at its dated version ("Scheduler Meetings", 2026-09;
 * HubSpot-public-api-spec-collection PublicApiSpecs/Scheduler/Meetings/Rollouts/177892/2026-09):
 * the portal's meeting links, a link's booking info and availability page, and booking. The
 * legacy /scheduler/v3 paths are deliberately not served: new HubSpot calls use 2026-09.
 */
export const SCHEDULER_BASE = "/scheduler/2026-09/meetings/meeting-links";

const MINUTE = 60_000;
/** The booking creates HubSpot's records as its meetings tool, not as the calling integration. */
const MEETINGS_TOOL: ChangeSource = { changeSource: "MEETINGS", sourceId: "meetings" };
const INCREMENTS: Record<number, string> = {
  5: "FIVE",
  10: "TEN",
  15: "FIFTEEN",
  20: "TWENTY",
  30: "THIRTY",
  45: "FORTY_FIVE",
  60: "SIXTY",
  90: "NINETY",
  120: "ONE_HUNDRED_TWENTY",
};
/** Required by ExternalMeetingBooking. */
const BOOKING_FIELDS = [
  "duration",
  "email",
  "firstName",
  "formFields",
  "lastName",
  "legalConsentResponses",
  "likelyAvailableUserIds",
  "slug",
  "startTime",
];

/** ISO 8601 as the scheduler writes it: seconds, no fraction, "Z". */
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** HubSpot's error body with the subCategory the scheduler's Error schema carries. */
function schedulingError(
  status: number,
  category: string,
  message: string,
  subCategory?: string,
  errors?: { message: string; code?: string; in?: string }[],
): EmulatorResponse {
  const body = errorBody(new HubSpotError(status, category, message, errors ? { errors } : {}));
  return { status, body: subCategory ? { ...body, subCategory } : body };
}

export function registerSchedulerRoutes(ctx: ApiContext, store: SchedulerStore, now: () => number): void {
  const linkOr404 = (slug: string): MeetingLink => {
    const link = store.link(slug);
    // What HubSpot answers for an unknown slug: 404 "slug does not exist".
    if (!link) throw new HubSpotError(404, "OBJECT_NOT_FOUND", "slug does not exist");
    return link;
  };
  const zoneParam = (req: EmulatorRequest): string => {
    const zone = req.query.get("timezone");
    if (!zone) throw new HubSpotError(400, "VALIDATION_ERROR", "Required query parameter 'timezone' is missing");
    if (!DateTime.local().setZone(zone).isValid) throw new HubSpotError(400, "VALIDATION_ERROR", `Invalid timezone: ${zone}`);
    return zone;
  };
  const meetingsUser = (userId: string) => {
    const owner = ctx.state.owners.list(false).find((o) => String(o.userId) === userId);
    const first = owner?.firstName ?? "";
    const last = owner?.lastName ?? "";
    return {
      calendarProvider: "GOOGLE",
      id: `meetings-user-${userId}`,
      isSalesStarter: false,
      userId,
      userProfile: { email: owner?.email ?? `user-${userId}@example.com`, firstName: first, lastName: last, fullName: `${first} ${last}`.trim() },
    };
  };
  const busyTimes = (link: MeetingLink, from: number, to: number) =>
    link.memberUserIds.map((userId) => ({
      busyTimes: store.busyOf(userId, from, to).map((b) => ({ start: b.start, end: b.end })),
      isOffline: false,
      meetingsUser: meetingsUser(userId),
    }));
  const page = (link: MeetingLink, zone: string, monthOffset: number) => {
    const p = availabilityPage(store, link, zone, monthOffset, now());
    return { allUsersBusyTimes: busyTimes(link, p.from, p.to), linkAvailability: { hasMore: p.hasMore, linkAvailabilityByDuration: p.byDuration } };
  };
  const metadata = (link: MeetingLink) => ({
    createdAt: new Date(link.createdAt).toISOString(),
    defaultLink: link.type === "PERSONAL_LINK",
    id: link.id,
    link: `https://meetings.hubspot.com/${link.slug}`,
    name: link.name,
    organizerUserId: link.organizerUserId,
    slug: link.slug,
    type: link.type,
    updatedAt: new Date(link.createdAt).toISOString(),
    userIdsOfLinkMembers: link.memberUserIds,
  });
  const standardFields = [
    { name: "firstName", label: "First name" },
    { name: "lastName", label: "Last name" },
    { name: "email", label: "Email" },
  ];

  // List Meeting Links: filters name, organizerUserId, type; paging by `after`.
  apiRoute(ctx, "GET", SCHEDULER_BASE, (req) => {
    const q = req.query;
    const limit = Math.min(Math.max(Number(q.get("limit") ?? 10) || 10, 1), 100);
    const after = Number(q.get("after") ?? 0) || 0;
    const matching = store
      .allLinks()
      .filter((l) => !q.get("name") || l.name === q.get("name"))
      .filter((l) => !q.get("organizerUserId") || l.organizerUserId === q.get("organizerUserId"))
      .filter((l) => !q.get("type") || l.type === q.get("type"));
    const results = matching.slice(after, after + limit).map(metadata);
    const body: Record<string, unknown> = { total: matching.length, results };
    if (after + limit < matching.length) body.paging = { next: { after: String(after + limit), link: `?after=${after + limit}` } };
    return { status: 200, body };
  });

  // Retrieve booking info: the link's settings, its members' busy times and the first availability page.
  apiRoute(ctx, "GET", `${SCHEDULER_BASE}/book/:slug`, (req) => {
    const link = linkOr404(req.params.slug!);
    const zone = zoneParam(req);
    const first = page(link, zone, 0);
    const increment = link.startTimeIncrementMinutes;
    return {
      status: 200,
      body: {
        allUsersBusyTimes: first.allUsersBusyTimes,
        customParams: {
          availability: {},
          durations: link.durationsMinutes.map((m) => m * MINUTE),
          formFields: standardFields.map((f) => ({ ...f, fieldType: "text", type: "string", isCustom: false, isRequired: true, options: [] })),
          guestSettings: { canAddGuests: link.canAddGuests, maxGuestCount: link.canAddGuests ? 10 : 0 },
          legalConsentEnabled: false,
          locale: "en-us",
          language: "en",
          ...(link.location ? { location: link.location } : {}),
          meetingBufferTime: link.bufferMinutes * MINUTE,
          ownerPrioritized: false,
          startTimeIncrementMinutes: increment === "MEETING_DURATION" ? "MEETING_DURATION" : (INCREMENTS[increment] ?? "FIFTEEN"),
          weeksToAdvertise: link.weeksToAdvertise,
        },
        isOffline: false,
        linkAvailability: first.linkAvailability,
        linkId: link.id,
        linkType: link.type,
      },
    };
  });

  // Retrieve availability: one month (monthOffset from now, in `timezone`) of bookable start times per duration.
  apiRoute(ctx, "GET", `${SCHEDULER_BASE}/book/availability-page/:slug`, (req) => {
    const link = linkOr404(req.params.slug!);
    const zone = zoneParam(req);
    const offset = Number(req.query.get("monthOffset") ?? 0);
    if (!Number.isInteger(offset) || offset < 0)
      throw new HubSpotError(400, "VALIDATION_ERROR", `Invalid monthOffset: ${req.query.get("monthOffset")}`);
    return { status: 200, body: page(link, zone, offset) };
  });

  // Book Meeting: creates the calendar event, finds or creates the contact and logs the meeting engagement on it.
  apiRoute(ctx, "POST", `${SCHEDULER_BASE}/book`, (req) => {
    const body = objectBody(req);
    const missing = BOOKING_FIELDS.filter((f) => body[f] === undefined || body[f] === null);
    if (missing.length > 0) {
      return schedulingError(
        400,
        "VALIDATION_ERROR",
        `Some required fields were not set: [${missing.join(", ")}]`,
        undefined,
        missing.map((f) => ({ message: `${f} is required`, in: f })),
      );
    }
    const link = linkOr404(String(body.slug));
    const email = String(body.email).trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      return schedulingError(400, "VALIDATION_ERROR", `Email ${String(body.email)} is invalid`, undefined, [
        { message: "Email is invalid", code: "INVALID_EMAIL", in: "email" },
      ]);
    }
    // The reference says "The duration of the meeting in milliseconds" (2026-03 page); the link's durations are milliseconds too.
    const durationMs = Number(body.duration);
    if (!link.durationsMinutes.some((m) => m * MINUTE === durationMs)) {
      return schedulingError(400, "VALIDATION_ERROR", `Duration ${String(body.duration)} is not one of the meeting link's durations`, undefined, [
        { message: "Duration is not offered by this meeting link", in: "duration" },
      ]);
    }
    const start =
      typeof body.startTime === "number"
        ? body.startTime
        : /^\d+$/.test(String(body.startTime))
          ? Number(body.startTime)
          : Date.parse(String(body.startTime));
    if (!Number.isFinite(start)) return schedulingError(400, "VALIDATION_ERROR", `Invalid startTime: ${String(body.startTime)}`);
    // A time outside the link's hours, in the past, or no longer free: what HubSpot answers for a start it will not book.
    if (!slotOpen(store, link, start, durationMs, now())) {
      return schedulingError(
        400,
        "VALIDATION_ERROR",
        "Start time must be contained in availability settings",
        "MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID",
      );
    }

    const free = availableMembers(store, link, start, durationMs);
    const likely = Array.isArray(body.likelyAvailableUserIds) ? body.likelyAvailableUserIds.map(String) : [];
    const fewestBookings = (users: string[]) =>
      [...users].sort(
        (a, b) => store.bookings.filter((x) => x.assignedUserId === a).length - store.bookings.filter((x) => x.assignedUserId === b).length,
      )[0]!;
    const assigned = link.type === "ROUND_ROBIN_CALENDAR" ? (likely.find((u) => free.includes(u)) ?? fewestBookings(free)) : link.organizerUserId;
    const owner = ctx.state.owners.list(false).find((o) => String(o.userId) === assigned);
    const end = start + durationMs;
    const firstName = String(body.firstName);
    const lastName = String(body.lastName);

    // The booker becomes (or is matched to) a contact; one without an owner is given the meeting's.
    let contact = ctx.state.objects.findBy("contacts", "email", email);
    const bookedAt = now();
    if (!contact) {
      contact = ctx.crm.create(
        "contacts",
        { properties: { email, firstname: firstName, lastname: lastName, ...(owner ? { hubspot_owner_id: owner.id } : {}) } },
        MEETINGS_TOOL,
      );
    }
    const fill: Record<string, string> = { engagements_last_meeting_booked: new Date(bookedAt).toISOString() };
    if (!contact.properties.firstname) fill.firstname = firstName;
    if (!contact.properties.lastname) fill.lastname = lastName;
    if (!contact.properties.hubspot_owner_id && owner) fill.hubspot_owner_id = owner.id;

    const organizer = meetingsUser(link.organizerUserId).userProfile;
    const subject = link.subject ?? `${link.name}: ${firstName} ${lastName} and ${meetingsUser(assigned).userProfile.fullName || organizer.fullName}`;
    const code = randomBytes(5).toString("hex");
    const conference = link.videoConference
      ? { id: code, url: `https://meet.google.com/${code.slice(0, 3)}-${code.slice(3, 7)}-${code.slice(7)}` }
      : undefined;
    const meeting = ctx.crm.create(
      "meetings",
      {
        properties: {
          hs_timestamp: iso(start),
          hs_meeting_title: subject,
          hs_meeting_start_time: iso(start),
          hs_meeting_end_time: iso(end),
          hs_meeting_outcome: "SCHEDULED",
          hs_meeting_source: "MEETINGS_PUBLIC",
          ...(owner ? { hubspot_owner_id: owner.id } : {}),
          ...(link.location ? { hs_meeting_location: link.location } : {}),
          ...(conference ? { hs_meeting_external_url: conference.url } : {}),
        },
        associations: [{ to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 200 }] }],
      },
      MEETINGS_TOOL,
    );
    ctx.crm.update("contacts", contact.id, fill, MEETINGS_TOOL);
    for (const userId of link.type === "GROUP_CALENDAR" ? link.memberUserIds : [assigned]) store.addBusy(userId, start, end);
    const calendarEventId = randomBytes(13).toString("hex");
    store.bookings.push({
      slug: link.slug,
      linkId: link.id,
      assignedUserId: assigned,
      contactId: contact.id,
      meetingId: meeting.id,
      calendarEventId,
      start,
      end,
      email,
      bookedAt,
    });

    const submitted = Array.isArray(body.formFields) ? (body.formFields as { name?: unknown; value?: unknown }[]) : [];
    return {
      status: 200,
      body: {
        bookingTimezone: typeof body.timezone === "string" ? body.timezone : link.timeZone,
        calendarEventId,
        contactId: contact.id,
        duration: durationMs,
        end: iso(end),
        formFields: [
          ...standardFields.map((f) => ({
            ...f,
            value: f.name === "email" ? email : f.name === "firstName" ? firstName : lastName,
            isCustom: false,
            fieldType: "text",
          })),
          ...submitted.map((f) => ({ name: String(f.name), label: String(f.name), value: String(f.value ?? ""), isCustom: true })),
        ],
        guestEmails: [],
        isOffline: false,
        legalConsentResponses: body.legalConsentResponses,
        locale: typeof body.locale === "string" ? body.locale : "en-us",
        ...(link.location ? { location: link.location } : {}),
        start: iso(start),
        subject,
        ...(conference ? { webConferenceMeetingId: conference.id, webConferenceUrl: conference.url } : {}),
      },
    };
  });

  // /_emulator/scheduler/…: scheduling pages, a user's busy time (their connected calendar), the bookings made.
  controlRoute(ctx, "GET", "/_emulator/scheduler/links", () => ({ status: 200, body: store.allLinks() }));
  controlRoute(ctx, "POST", "/_emulator/scheduler/links", (req) => {
    try {
      const inputs = (Array.isArray(req.body) ? req.body : [objectBody(req)]) as MeetingLinkInput[];
      return { status: 201, body: inputs.map((l) => store.addLink(l)) };
    } catch (error) {
      if (error instanceof HubSpotError) throw error;
      throw new HubSpotError(400, "VALIDATION_ERROR", (error as Error).message);
    }
  });
  controlRoute(ctx, "POST", "/_emulator/scheduler/busy", (req) => {
    const inputs = (Array.isArray(req.body) ? req.body : [objectBody(req)]) as { userId?: unknown; start?: unknown; end?: unknown }[];
    const read = (v: unknown) => (typeof v === "number" ? v : Date.parse(String(v)));
    for (const b of inputs) {
      const start = read(b.start);
      const end = read(b.end);
      if (typeof b.userId !== "string" || !Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
        throw new HubSpotError(400, "VALIDATION_ERROR", "busy time needs userId and start before end (ISO 8601 with an offset, or epoch ms)");
      }
      store.addBusy(b.userId, start, end);
    }
    return { status: 201, body: inputs };
  });
  controlRoute(ctx, "GET", "/_emulator/scheduler/bookings", () => ({ status: 200, body: store.bookings }));
}
