import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SCHEDULER_BASE } from "./index.ts";
import { http, type Running, startHubSpot } from "./test-support.ts";

// Thursday 2026-03-05 10:00 in New York; US clocks go forward on Sunday 2026-03-08.
const NOW = Date.UTC(2026, 2, 5, 15, 0, 0);
let run: Running;
beforeAll(async () => {
  run = await startHubSpot({ now: () => NOW });
});
afterAll(() => run.close());
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
  run.hs.drainWebhooks();
});

const HALF_HOUR = 1_800_000;
const availability = async (slug: string, timezone = "Europe/Berlin", monthOffset = 0) =>
  http(run.url, "GET", `${SCHEDULER_BASE}/book/availability-page/${slug}?timezone=${encodeURIComponent(timezone)}&monthOffset=${monthOffset}`);
const startsOn = (answer: any, day: string, duration = HALF_HOUR) =>
  (answer.body.linkAvailability.linkAvailabilityByDuration[String(duration)].availabilities as { startMillisUtc: number }[])
    .map((a) => new Date(a.startMillisUtc).toISOString())
    .filter((s) => s.startsWith(day));
const booking = (overrides: Record<string, unknown> = {}) => ({
  slug: "alex-rivera",
  startTime: "2026-03-09T14:00:00Z",
  duration: HALF_HOUR,
  email: "Ada@Visitor.test",
  firstName: "Ada",
  lastName: "Visitor",
  formFields: [],
  legalConsentResponses: [],
  likelyAvailableUserIds: [],
  timezone: "Europe/Berlin",
  ...overrides,
});
const book = (body: unknown) => http(run.url, "POST", `${SCHEDULER_BASE}/book`, body);

describe("HubSpot emulator: the scheduler's links and booking info (2026-09)", () => {
  it("lists the portal's meeting links with HubSpot's link metadata, filtered and paged", async () => {
    const all = await http(run.url, "GET", SCHEDULER_BASE);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    expect(all.body.results[0]).toEqual({
      createdAt: new Date(NOW).toISOString(),
      defaultLink: true,
      id: expect.any(String),
      link: "https://meetings.hubspot.com/alex-rivera",
      name: "Intro call",
      organizerUserId: "1712",
      slug: "alex-rivera",
      type: "PERSONAL_LINK",
      updatedAt: new Date(NOW).toISOString(),
      userIdsOfLinkMembers: ["1712"],
    });
    expect((await http(run.url, "GET", `${SCHEDULER_BASE}?type=ROUND_ROBIN_CALENDAR`)).body.results.map((l: { slug: string }) => l.slug)).toEqual([
      "sales-team",
    ]);
    const first = await http(run.url, "GET", `${SCHEDULER_BASE}?limit=1`);
    expect(first.body.paging.next.after).toBe("1");
    expect((await http(run.url, "GET", `${SCHEDULER_BASE}?limit=1&after=1`)).body.results[0].slug).toBe("sales-team");
  });

  it("answers a link's booking info: settings in milliseconds, members' busy times, the first availability page", async () => {
    const info = await http(run.url, "GET", `${SCHEDULER_BASE}/book/alex-rivera?timezone=America%2FNew_York`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      isOffline: false,
      linkId: expect.any(String),
      linkType: "PERSONAL_LINK",
      customParams: {
        durations: [HALF_HOUR, 3_600_000],
        meetingBufferTime: 0,
        startTimeIncrementMinutes: "FIFTEEN",
        weeksToAdvertise: 2,
        legalConsentEnabled: false,
      },
      allUsersBusyTimes: [
        {
          busyTimes: [],
          isOffline: false,
          meetingsUser: { userId: "1712", calendarProvider: "GOOGLE", userProfile: { email: "alex.rivera@example.com", fullName: "Alex Rivera" } },
        },
      ],
      linkAvailability: { hasMore: false },
    });
  });

  it("answers 404 'slug does not exist' for an unknown link, and serves no legacy v3 path", async () => {
    const unknown = await http(run.url, "GET", `${SCHEDULER_BASE}/book/availability-page/nobody?timezone=UTC`);
    expect(unknown).toMatchObject({ status: 404, body: { status: "error", message: "slug does not exist", category: "OBJECT_NOT_FOUND" } });
    expect((await book(booking({ slug: "nobody" }))).status).toBe(404);
    expect((await http(run.url, "GET", "/scheduler/v3/meetings/meeting-links")).status).toBe(404);
  });

  it("keeps the emulator's auth and rate-limit headers", async () => {
    expect((await http(run.url, "GET", SCHEDULER_BASE, undefined, null)).status).toBe(401);
    expect((await http(run.url, "GET", SCHEDULER_BASE)).headers.get("x-hubspot-ratelimit-max")).toBe("100");
  });
});

describe("HubSpot emulator: availability across the US DST change", () => {
  it("offers the link's 09:00–17:00 New York hours at the right instants before and after the change", async () => {
    const page = await availability("alex-rivera");
    expect(page.status).toBe(200);
    // Friday 09:00 EST is 14:00Z; Monday 09:00 EDT is 13:00Z. The last 30-minute start is 16:30 local.
    expect(startsOn(page, "2026-03-06").slice(0, 2)).toEqual(["2026-03-06T14:00:00.000Z", "2026-03-06T14:15:00.000Z"]);
    expect(startsOn(page, "2026-03-06").at(-1)).toBe("2026-03-06T21:30:00.000Z");
    expect(startsOn(page, "2026-03-09")[0]).toBe("2026-03-09T13:00:00.000Z");
    expect(startsOn(page, "2026-03-09").at(-1)).toBe("2026-03-09T20:30:00.000Z");
    // No weekend, nothing before now (Thursday 10:00), no start past the two advertised weeks.
    expect(startsOn(page, "2026-03-07")).toEqual([]);
    expect(startsOn(page, "2026-03-05")[0]).toBe("2026-03-05T15:00:00.000Z");
    expect(startsOn(page, "2026-03-19").at(-1)).toBe("2026-03-19T14:45:00.000Z");
    expect(startsOn(page, "2026-03-20")).toEqual([]);
  });

  it("leaves out the rep's busy time", async () => {
    await http(run.url, "POST", "/_emulator/scheduler/busy", { userId: "1712", start: "2026-03-09T13:00:00Z", end: "2026-03-09T14:00:00Z" });
    const page = await availability("alex-rivera");
    expect(startsOn(page, "2026-03-09").slice(0, 2)).toEqual(["2026-03-09T14:00:00.000Z", "2026-03-09T14:15:00.000Z"]);
    expect(page.body.allUsersBusyTimes[0].busyTimes).toEqual([{ start: Date.UTC(2026, 2, 9, 13), end: Date.UTC(2026, 2, 9, 14) }]);
  });

  it("pages by month in the visitor's zone", async () => {
    const april = await availability("alex-rivera", "Europe/Berlin", 1);
    expect(april.body.linkAvailability).toEqual({
      hasMore: false,
      linkAvailabilityByDuration: {
        [String(HALF_HOUR)]: { meetingDurationMillis: HALF_HOUR, availabilities: [] },
        "3600000": { meetingDurationMillis: 3_600_000, availabilities: [] },
      },
    });
  });
});

describe("HubSpot emulator: booking a meeting", () => {
  it("books: a contact for the visitor, owned by the rep, and a meeting engagement associated with it", async () => {
    const answer = await book(booking());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      bookingTimezone: "Europe/Berlin",
      calendarEventId: expect.any(String),
      contactId: expect.any(String),
      duration: HALF_HOUR,
      start: "2026-03-09T14:00:00Z",
      end: "2026-03-09T14:30:00Z",
      guestEmails: [],
      isOffline: false,
      legalConsentResponses: [],
      subject: expect.stringContaining("Ada Visitor"),
      webConferenceUrl: expect.stringMatching(/^https:\/\/meet\.google\.com\//),
    });
    expect(answer.body.formFields).toContainEqual({ name: "email", label: "Email", value: "ada@visitor.test", isCustom: false, fieldType: "text" });

    const contact = (
      await http(
        run.url,
        "GET",
        `/crm/v3/objects/contacts/${answer.body.contactId}?properties=email,firstname,hubspot_owner_id,engagements_last_meeting_booked&associations=meetings`,
      )
    ).body;
    expect(contact.properties).toMatchObject({
      email: "ada@visitor.test",
      firstname: "Ada",
      hubspot_owner_id: "84213371",
      engagements_last_meeting_booked: new Date(NOW).toISOString(),
    });
    const [meetingRef] = contact.associations["0-47"]?.results ?? contact.associations.meetings.results;
    expect(meetingRef.type).toBe("contact_to_meeting_event");
    const meeting = (
      await http(
        run.url,
        "GET",
        `/crm/v3/objects/meetings/${meetingRef.id}?properties=hs_timestamp,hs_meeting_title,hs_meeting_start_time,hs_meeting_end_time,hs_meeting_outcome,hubspot_owner_id,hs_meeting_source&associations=contacts`,
      )
    ).body;
    expect(meeting.properties).toMatchObject({
      hs_timestamp: "2026-03-09T14:00:00.000Z",
      hs_meeting_start_time: "2026-03-09T14:00:00.000Z",
      hs_meeting_end_time: "2026-03-09T14:30:00.000Z",
      hs_meeting_outcome: "SCHEDULED",
      hubspot_owner_id: "84213371",
      hs_meeting_source: "MEETINGS_PUBLIC",
    });
    expect(meeting.associations.contacts.results).toEqual([{ id: answer.body.contactId, type: "meeting_event_to_contact" }]);

    // The cadence hears about it the way it would from HubSpot: engagements_last_meeting_booked changes.
    const events = run.hs.drainWebhooks();
    expect(events).toContainEqual(
      expect.objectContaining({
        subscriptionType: "contact.propertyChange",
        propertyName: "engagements_last_meeting_booked",
        changeSource: "MEETINGS",
      }),
    );
  });

  it("refuses the same slot again, once taken, with HubSpot's MEETING_START_TIME_NOT_VALID, and stops offering it", async () => {
    expect((await book(booking())).status).toBe(200);
    const second = await book(booking({ email: "grace@visitor.test", firstName: "Grace" }));
    expect(second).toMatchObject({
      status: 400,
      body: {
        status: "error",
        category: "VALIDATION_ERROR",
        message: "Start time must be contained in availability settings",
        subCategory: "MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID",
      },
    });
    const day = startsOn(await availability("alex-rivera"), "2026-03-09");
    for (const taken of ["2026-03-09T13:45:00.000Z", "2026-03-09T14:00:00.000Z", "2026-03-09T14:15:00.000Z"]) expect(day).not.toContain(taken);
    expect(day).toContain("2026-03-09T14:30:00.000Z");
    expect((await http(run.url, "GET", "/_emulator/objects/meetings")).body).toHaveLength(1);
  });

  it("refuses a start in the past, off the 15-minute grid, outside hours or with a duration the link does not offer", async () => {
    for (const startTime of ["2026-03-05T14:00:00Z", "2026-03-09T14:05:00Z", "2026-03-07T15:00:00Z"]) {
      expect((await book(booking({ startTime }))).body.subCategory, startTime).toBe("MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID");
    }
    expect((await book(booking({ duration: 45 * 60_000 }))).status).toBe(400);
    expect((await book(booking({ duration: 30 }))).status).toBe(400);
    expect((await http(run.url, "GET", "/_emulator/objects/contacts")).body).toEqual([]);
  });

  it("refuses a booking without the required fields, listing them", async () => {
    const answer = await book({ slug: "alex-rivera", startTime: "2026-03-09T14:00:00Z" });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe(
      "Some required fields were not set: [duration, email, firstName, formFields, lastName, legalConsentResponses, likelyAvailableUserIds]",
    );
  });

  it("reuses an existing contact by email (any case) and keeps its owner", async () => {
    const existing = await http(run.url, "POST", "/crm/v3/objects/contacts", {
      properties: { email: "ada@visitor.test", hubspot_owner_id: "84213372" },
      associations: [],
    });
    const answer = await book(booking());
    expect(answer.body.contactId).toBe(existing.body.id);
    const contact = (await http(run.url, "GET", `/crm/v3/objects/contacts/${existing.body.id}?properties=hubspot_owner_id,firstname`)).body;
    expect(contact.properties).toMatchObject({ hubspot_owner_id: "84213372", firstname: "Ada" });
    expect((await http(run.url, "GET", "/_emulator/objects/contacts")).body).toHaveLength(1);
  });

  it("assigns a round-robin booking to a free member, the likely one first", async () => {
    await http(run.url, "POST", "/_emulator/scheduler/busy", { userId: "1712", start: "2026-03-10T14:00:00Z", end: "2026-03-10T15:00:00Z" });
    const first = await book(booking({ slug: "sales-team", startTime: "2026-03-10T14:00:00Z" }));
    expect(first.status).toBe(200);
    const bookings = (await http(run.url, "GET", "/_emulator/scheduler/bookings")).body;
    expect(bookings[0]).toMatchObject({ assignedUserId: "1713", slug: "sales-team" });
    // Both taken now: the slot is gone.
    expect((await book(booking({ slug: "sales-team", startTime: "2026-03-10T14:00:00Z", email: "b@visitor.test" }))).status).toBe(400);
    const likely = await book(
      booking({ slug: "sales-team", startTime: "2026-03-10T16:00:00Z", email: "c@visitor.test", likelyAvailableUserIds: ["1713"] }),
    );
    expect(likely.status).toBe(200);
    expect((await http(run.url, "GET", "/_emulator/scheduler/bookings")).body[1].assignedUserId).toBe("1713");
  });
});
