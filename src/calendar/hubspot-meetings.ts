import { DateTime } from "luxon";
import { z } from "zod";
import { classifyHubSpotError, settled } from "../crm/hubspot-crm";
import { hubspotPaths } from "../crm/hubspot-api";
import type { Interval } from "../core/booking/slots";
import { systemClock } from "../platform/clock";
import { type Result, withTimeout } from "../platform/failure";
import { HUBSPOT_API_VERSION, HubSpotApiError, HubSpotClient } from "../platform/hubspot-transport";
import { type CalendarAvailability, type CalendarEvent, type CalendarPort, type EventInput, slotTaken } from "./calendar-port";
import { failed, ok } from "./calendar-http";

/**
 * HubSpot meetings, for portals whose reps connected their calendars to HubSpot: the rep's
 * meeting link (its slug) through the scheduler API at 2026-09. Free time is the link's
 * availability page (the start times HubSpot offers for the meeting's length, and the members'
 * busy time); a booking is the scheduler's book call, which puts the event in the rep's calendar
 * and logs a meeting on the contact (found by email, or created) with the rep as owner.
 *
 * The scheduler has no idempotency key and no rescheduling or cancellation, so: before booking,
 * the adapter looks for the meeting an earlier try made (the contact's meetings at that start); a
 * move books the new time and marks the old meeting CANCELED; a cancellation marks the meeting
 * CANCELED in HubSpot (the event HubSpot put in the rep's calendar is the rep's to remove: the API
 * cannot). docs/booking.md says so.
 */
const SCHEDULER = `/scheduler/${HUBSPOT_API_VERSION}/meetings/meeting-links`;
const MEETING_PROPERTIES = ["hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_outcome", "hs_meeting_external_url", "hubspot_owner_id"];

const Availability = z.looseObject({
  allUsersBusyTimes: z
    .array(z.looseObject({ busyTimes: z.array(z.looseObject({ start: z.union([z.number(), z.string()]), end: z.union([z.number(), z.string()]) })) }))
    .default([]),
  linkAvailability: z.looseObject({
    hasMore: z.boolean().optional(),
    linkAvailabilityByDuration: z.record(
      z.string(),
      z.looseObject({ availabilities: z.array(z.looseObject({ startMillisUtc: z.number(), endMillisUtc: z.number() })) }),
    ),
  }),
});

const Booked = z.looseObject({ calendarEventId: z.string().optional(), contactId: z.string().optional(), webConferenceUrl: z.string().optional() });

export interface HubSpotMeetingsOptions {
  accessToken: string;
  basePath: string;
  /** The portal's pacing (the scheduler shares the CRM's quota). */
  beforeCall?: () => Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
}

const instant = (value: number | string) => (typeof value === "number" ? value : Date.parse(value));

export class HubSpotMeetings implements CalendarPort {
  readonly provider = "hubspot" as const;
  readonly logsCrmMeeting = true;
  private readonly client: HubSpotClient;
  private readonly beforeCall: () => Promise<void>;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(options: HubSpotMeetingsOptions) {
    this.client = new HubSpotClient({ accessToken: options.accessToken, basePath: options.basePath }, options.fetch ? { fetch: options.fetch } : {});
    this.beforeCall = options.beforeCall ?? (async () => {});
    this.now = options.now ?? systemClock.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<Result<T>> {
    try {
      await this.beforeCall();
      return ok(await withTimeout(settled(run()), this.timeoutMs, what));
    } catch (error) {
      const failure = classifyHubSpotError(error, this.now());
      const subCategory = schedulingSubCategory(error);
      return failed({ ...failure, message: `${what}: ${failure.message}`, ...(subCategory ? { code: subCategory } : {}) });
    }
  }

  async availability(slug: string, window: Interval, meetingMs: number): Promise<Result<CalendarAvailability>> {
    const busy: Interval[] = [];
    const starts: number[] = [];
    // One calendar month per page (in the zone asked: UTC here), counted from this month.
    const months = Math.max(
      0,
      Math.ceil(
        DateTime.fromMillis(window.end, { zone: "UTC" }).diff(DateTime.fromMillis(this.now(), { zone: "UTC" }).startOf("month"), "months").months,
      ),
    );
    for (let offset = 0; offset <= Math.min(months, 6); offset++) {
      const page = await this.call("HubSpot availability page", () =>
        this.client.request({
          method: "GET",
          path: `${SCHEDULER}/book/availability-page/${encodeURIComponent(slug)}`,
          query: { timezone: "UTC", monthOffset: offset },
          parse: (body) => Availability.parse(body),
        }),
      );
      if (!page.ok) return page;
      const { allUsersBusyTimes, linkAvailability } = page.value.body;
      const offered = linkAvailability.linkAvailabilityByDuration[String(meetingMs)];
      if (!offered) {
        return failed({
          kind: "permanent",
          message: `HubSpot meeting link ${slug} does not offer ${meetingMs / 60_000}-minute meetings: add the length to the link`,
        });
      }
      for (const a of offered.availabilities) if (a.startMillisUtc >= window.start && a.startMillisUtc < window.end) starts.push(a.startMillisUtc);
      for (const user of allUsersBusyTimes) for (const b of user.busyTimes) busy.push({ start: instant(b.start), end: instant(b.end) });
      if (linkAvailability.hasMore === false) break;
    }
    return ok({ busy, offeredStarts: [...new Set(starts)].sort((a, b) => a - b) });
  }

  /** The meeting the contact with this email has at `start` (not cancelled): what an earlier booking try made. */
  private async findMeeting(email: string, start: Date): Promise<Result<CalendarEvent | null>> {
    const contact = await this.call("HubSpot contact by email", () =>
      this.client.request<{ id: string }>({
        method: "GET",
        path: hubspotPaths.object("contacts", email),
        query: { idProperty: "email", properties: ["email"] },
      }),
    );
    if (!contact.ok) return contact.failure.status === 404 ? ok(null) : contact;
    return this.meetingOf(contact.value.body.id, start);
  }

  private async meetingOf(contactId: string, start: Date): Promise<Result<CalendarEvent | null>> {
    const linked = await this.call("HubSpot contact's meetings", () =>
      this.client.request<{ results: { toObjectId: string | number }[] }>({
        method: "GET",
        path: `${hubspotPaths.object("contacts", contactId)}/associations/meetings`,
        query: { limit: 500 },
      }),
    );
    if (!linked.ok) return linked;
    const ids = linked.value.body.results.map((r) => String(r.toObjectId));
    if (ids.length === 0) return ok(null);
    const read = await this.call("HubSpot read meetings", () =>
      this.client.request<{ results: { id: string; properties: Record<string, string | null> }[] }>({
        method: "POST",
        path: `${hubspotPaths.objects("meetings")}/batch/read`,
        body: { inputs: ids.slice(0, 100).map((id) => ({ id })), properties: MEETING_PROPERTIES, propertiesWithHistory: [] },
      }),
    );
    if (!read.ok) return read;
    const meeting = read.value.body.results.find(
      (m) => Date.parse(m.properties.hs_meeting_start_time ?? "") === start.getTime() && m.properties.hs_meeting_outcome !== "CANCELED",
    );
    if (!meeting) return ok(null);
    const p = meeting.properties;
    return ok({
      eventId: meeting.id,
      crmMeetingId: meeting.id,
      start: new Date(p.hs_meeting_start_time!),
      end: new Date(p.hs_meeting_end_time ?? p.hs_meeting_start_time!),
      ...(p.hs_meeting_external_url ? { joinUrl: p.hs_meeting_external_url } : {}),
    });
  }

  async createEvent(input: EventInput): Promise<Result<CalendarEvent>> {
    // No key to make the booking once: an earlier try's meeting is looked for first.
    const earlier = await this.findMeeting(input.visitor.email, input.start);
    if (!earlier.ok || earlier.value) return earlier as Result<CalendarEvent>;
    const booked = await this.call("HubSpot book meeting", () =>
      this.client.request({
        method: "POST",
        path: `${SCHEDULER}/book`,
        body: {
          slug: input.calendar,
          startTime: input.start.toISOString(),
          duration: input.end.getTime() - input.start.getTime(),
          email: input.visitor.email,
          firstName: input.visitor.firstName ?? input.visitor.name,
          lastName: input.visitor.lastName ?? "",
          formFields: [],
          legalConsentResponses: [],
          likelyAvailableUserIds: [],
          timezone: input.visitor.timeZone ?? input.zone,
          locale: "en-us",
        },
        parse: (body) => Booked.parse(body),
      }),
    );
    if (!booked.ok) {
      if (booked.failure.status === 400 && booked.failure.code?.endsWith("MEETING_START_TIME_NOT_VALID")) {
        const again = await this.findMeeting(input.visitor.email, input.start);
        if (!again.ok || again.value) return again as Result<CalendarEvent>;
        return failed(slotTaken(`HubSpot: ${input.start.toISOString()} is no longer offered by meeting link ${input.calendar}`));
      }
      return booked;
    }
    const { contactId, webConferenceUrl } = booked.value.body;
    const logged = contactId ? await this.meetingOf(contactId, input.start) : ok(null);
    if (logged.ok && logged.value) return ok({ ...logged.value, ...(webConferenceUrl ? { joinUrl: webConferenceUrl } : {}) });
    // Booked, but the logged meeting cannot be read back now: the calendar event stands for it.
    return ok({
      eventId: booked.value.body.calendarEventId ?? `${input.key}`,
      start: input.start,
      end: input.end,
      ...(webConferenceUrl ? { joinUrl: webConferenceUrl } : {}),
    });
  }

  async moveEvent(input: EventInput, current: CalendarEvent): Promise<Result<CalendarEvent>> {
    const moved = await this.createEvent(input);
    if (!moved.ok) return moved;
    const cancelled = await this.cancelEvent(input.calendar, current);
    return cancelled.ok ? moved : cancelled;
  }

  async cancelEvent(_slug: string, current: CalendarEvent): Promise<Result<void>> {
    const id = current.crmMeetingId;
    if (!id) return ok(undefined);
    const done = await this.call("HubSpot cancel meeting", () =>
      this.client.request({ method: "PATCH", path: hubspotPaths.object("meetings", id), body: { properties: { hs_meeting_outcome: "CANCELED" } } }),
    );
    if (!done.ok && done.failure.status !== 404) return done;
    return ok(undefined);
  }
}

/** The scheduler's subCategory of a refused booking (MeetingsBookingSchedulingError.…), from the error HubSpot answered. */
function schedulingSubCategory(error: unknown): string | undefined {
  if (!(error instanceof HubSpotApiError)) return undefined;
  const sub = (error.body as { subCategory?: unknown } | undefined)?.subCategory;
  return typeof sub === "string" ? sub : undefined;
}
