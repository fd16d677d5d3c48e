import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, REP, type RunningGoogle, startGoogle } from "./test-support.ts";

let run: RunningGoogle;
let token: string;
beforeAll(async () => {
  run = await startGoogle();
});
afterAll(() => run.close());
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
  token = await run.token(REP);
});

const EVENT_ID = "bk0q2t4v6a8c0e2g4i6k8m0o2q";
const booking = (overrides: Record<string, unknown> = {}) => ({
  id: EVENT_ID,
  summary: "Intro call with Ada Visitor",
  description: "Booked from the demo form.",
  start: { dateTime: "2026-03-09T10:00:00", timeZone: "America/New_York" },
  end: { dateTime: "2026-03-09T10:30:00", timeZone: "America/New_York" },
  attendees: [{ email: "ada@visitor.test", displayName: "Ada Visitor" }],
  conferenceData: { createRequest: { requestId: "req-bk0q2t4v", conferenceSolutionKey: { type: "hangoutsMeet" } } },
  extendedProperties: { private: { bookingId: "b-1" } },
  ...overrides,
});
const insert = (body: unknown, query = "?conferenceDataVersion=1&sendUpdates=all") =>
  http(run.url, "POST", `/calendar/v3/calendars/primary/events${query}`, { token, body });
const events = async () => (await http(run.url, "GET", "/_emulator/events")).body as any[];
const busy = async () =>
  (
    await http(run.url, "POST", "/calendar/v3/freeBusy", {
      token,
      body: { timeMin: "2026-03-09T00:00:00Z", timeMax: "2026-03-10T00:00:00Z", timeZone: "America/New_York", items: [{ id: REP }] },
    })
  ).body.calendars[REP].busy;

describe("Google emulator: events.insert", () => {
  it("creates the event with the visitor invited and a Meet link, and records the invitation", async () => {
    const answer = await insert(booking());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      kind: "calendar#event",
      id: EVENT_ID,
      status: "confirmed",
      htmlLink: expect.stringMatching(/^https:\/\/www\.google\.com\/calendar\/event\?eid=/),
      summary: "Intro call with Ada Visitor",
      organizer: { email: REP, self: true },
      start: { dateTime: "2026-03-09T10:00:00-04:00", timeZone: "America/New_York" },
      end: { dateTime: "2026-03-09T10:30:00-04:00", timeZone: "America/New_York" },
      iCalUID: `${EVENT_ID}@google.com`,
      sequence: 0,
      attendees: [{ email: "ada@visitor.test", displayName: "Ada Visitor", responseStatus: "needsAction" }],
      hangoutLink: expect.stringMatching(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/),
      conferenceData: {
        createRequest: { requestId: "req-bk0q2t4v", conferenceSolutionKey: { type: "hangoutsMeet" }, status: { statusCode: "success" } },
        entryPoints: [{ entryPointType: "video", uri: answer.body.hangoutLink }],
        conferenceSolution: { key: { type: "hangoutsMeet" }, name: "Google Meet" },
      },
      extendedProperties: { private: { bookingId: "b-1" } },
    });
    const [stored] = await events();
    expect(stored).toMatchObject({
      calendarId: REP,
      origin: "api",
      notifications: [{ kind: "invitation", sendUpdates: "all", recipients: ["ada@visitor.test"] }],
    });
  });

  it("answers 409 duplicate for an id that exists, so a retried insert creates nothing", async () => {
    expect((await insert(booking())).status).toBe(200);
    const again = await insert(booking({ summary: "retry" }));
    expect(again).toMatchObject({
      status: 409,
      body: { error: { errors: [{ domain: "global", reason: "duplicate", message: "The requested identifier already exists." }], code: 409 } },
    });
    expect(await events()).toHaveLength(1);
    // The adapter's next step: read the event it already made.
    const existing = await http(run.url, "GET", `/calendar/v3/calendars/primary/events/${EVENT_ID}`, { token });
    expect(existing.body.summary).toBe("Intro call with Ada Visitor");
  });

  it("refuses ids outside base32hex or 5–1024 characters", async () => {
    for (const id of ["Booking-1", "abcdw123", "abcd", "x".repeat(1025)]) {
      const answer = await insert(booking({ id }));
      expect(answer.status, id).toBe(400);
      expect(answer.body.error.errors[0]).toEqual({ domain: "global", reason: "invalid", message: "Invalid resource id value." });
    }
    expect(await events()).toEqual([]);
  });

  it("ignores conferenceData unless conferenceDataVersion=1, and sends no email unless sendUpdates asks", async () => {
    const answer = await insert(booking(), "");
    expect(answer.body.hangoutLink).toBeUndefined();
    expect(answer.body.conferenceData).toBeUndefined();
    expect((await events())[0].notifications).toEqual([{ at: expect.any(String), kind: "invitation", sendUpdates: "none", recipients: [] }]);
  });

  it("refuses a local time without a zone, and an end before the start", async () => {
    const noZone = await insert(booking({ start: { dateTime: "2026-03-09T10:00:00" } }));
    expect(noZone.body.error.errors[0]).toEqual({ domain: "global", reason: "required", message: "Missing time zone definition for start time." });
    const backwards = await insert(booking({ end: { dateTime: "2026-03-09T09:00:00-04:00" } }));
    expect(backwards.body.error.errors[0]).toEqual({ domain: "calendar", reason: "timeRangeEmpty", message: "The specified time range is empty." });
    expect(await events()).toEqual([]);
  });

  it("refuses a conference type a Workspace calendar does not allow", async () => {
    const answer = await insert(booking({ conferenceData: { createRequest: { requestId: "r1", conferenceSolutionKey: { type: "addOn" } } } }));
    expect(answer.status).toBe(400);
    expect(answer.body.error.errors[0].message).toBe("Invalid conference type value.");
  });
});

describe("Google emulator: move and cancel", () => {
  beforeEach(async () => {
    expect((await insert(booking())).status).toBe(200);
  });
  const path = `/calendar/v3/calendars/primary/events/${EVENT_ID}`;

  it("moves the event with PATCH: new times, a new sequence, the same Meet link, the busy time follows", async () => {
    const before = await http(run.url, "GET", path, { token });
    const moved = await http(run.url, "PATCH", `${path}?sendUpdates=all`, {
      token,
      body: {
        start: { dateTime: "2026-03-09T14:00:00", timeZone: "America/New_York" },
        end: { dateTime: "2026-03-09T14:30:00", timeZone: "America/New_York" },
      },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ start: { dateTime: "2026-03-09T14:00:00-04:00" }, sequence: 1, hangoutLink: before.body.hangoutLink });
    expect(await busy()).toEqual([{ start: "2026-03-09T14:00:00-04:00", end: "2026-03-09T14:30:00-04:00" }]);
    expect((await events())[0].notifications.map((n: { kind: string }) => n.kind)).toEqual(["invitation", "update"]);
  });

  it("cancels with DELETE (204); get still returns it as cancelled; a second delete is 410 deleted", async () => {
    expect((await http(run.url, "DELETE", `${path}?sendUpdates=all`, { token })).status).toBe(204);
    expect((await http(run.url, "GET", path, { token })).body.status).toBe("cancelled");
    expect(await busy()).toEqual([]);
    const again = await http(run.url, "DELETE", path, { token });
    expect(again).toMatchObject({
      status: 410,
      body: { error: { errors: [{ domain: "global", reason: "deleted", message: "Resource has been deleted" }], code: 410 } },
    });
    // The id stays taken: inserting it again is still a duplicate.
    expect((await insert(booking())).status).toBe(409);
    expect((await events())[0].notifications.at(-1)).toMatchObject({ kind: "cancellation", recipients: ["ada@visitor.test"] });
  });

  it("answers 404 notFound for an event that never existed", async () => {
    expect((await http(run.url, "PATCH", "/calendar/v3/calendars/primary/events/abcdef12345", { token, body: { summary: "x" } })).status).toBe(404);
    expect((await http(run.url, "DELETE", "/calendar/v3/calendars/primary/events/abcdef12345", { token })).status).toBe(404);
  });
});

describe("Google emulator: events.list", () => {
  const list = (query: string) => http(run.url, "GET", `/calendar/v3/calendars/primary/events?${query}`, { token });

  beforeEach(async () => {
    await insert(booking());
    await insert(
      booking({
        id: "second00",
        start: { dateTime: "2026-03-10T10:00:00-04:00" },
        end: { dateTime: "2026-03-10T11:00:00-04:00" },
        extendedProperties: undefined,
      }),
    );
  });

  it("filters by timeMin (event end) and timeMax (event start), leaves cancelled events out unless asked", async () => {
    const day = await list("timeMin=2026-03-09T00:00:00-04:00&timeMax=2026-03-10T00:00:00-04:00");
    expect(day.body).toMatchObject({ kind: "calendar#events", timeZone: "America/New_York", accessRole: "owner" });
    expect(day.body.items.map((e: { id: string }) => e.id)).toEqual([EVENT_ID]);

    await http(run.url, "DELETE", `/calendar/v3/calendars/primary/events/${EVENT_ID}`, { token });
    expect((await list("singleEvents=true&orderBy=startTime")).body.items.map((e: { id: string }) => e.id)).toEqual(["second00"]);
    expect((await list("showDeleted=true")).body.items.map((e: { id: string }) => e.id)).toEqual([EVENT_ID, "second00"]);
  });

  it("finds an event by its private extended property", async () => {
    const found = await list("privateExtendedProperty=bookingId%3Db-1");
    expect(found.body.items.map((e: { id: string }) => e.id)).toEqual([EVENT_ID]);
  });

  it("refuses orderBy=startTime without singleEvents", async () => {
    const answer = await list("orderBy=startTime");
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe("The requested ordering is not available for the particular query.");
  });
});
