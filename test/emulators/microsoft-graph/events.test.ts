import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, REP, type RunningGraph, startGraph } from "./test-support.ts";

let run: RunningGraph;
let token: string;
beforeAll(async () => {
  run = await startGraph();
});
afterAll(() => run.close());
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
  token = await run.token();
});

const booking = (overrides: Record<string, unknown> = {}) => ({
  subject: "Intro call with Ada Visitor",
  body: { contentType: "HTML", content: "<p>Booked from the demo form.</p>" },
  start: { dateTime: "2026-03-09T10:00:00", timeZone: "Eastern Standard Time" },
  end: { dateTime: "2026-03-09T10:30:00", timeZone: "Eastern Standard Time" },
  attendees: [{ emailAddress: { address: "ada@visitor.test", name: "Ada Visitor" }, type: "required" }],
  isOnlineMeeting: true,
  onlineMeetingProvider: "teamsForBusiness",
  transactionId: "booking-7f3a",
  ...overrides,
});
const create = (body: unknown, prefer?: string) => http(run.url, "POST", `/v1.0/users/${REP}/events`, { token, body, ...(prefer ? { prefer } : {}) });
const stored = async () => (await http(run.url, "GET", "/_emulator/events")).body as any[];
const busyView = async () =>
  (
    await http(run.url, "POST", `/v1.0/users/${REP}/calendar/getSchedule`, {
      token,
      body: {
        schedules: [REP],
        startTime: { dateTime: "2026-03-09T09:00:00", timeZone: "Eastern Standard Time" },
        endTime: { dateTime: "2026-03-09T15:00:00", timeZone: "Eastern Standard Time" },
        availabilityViewInterval: 30,
      },
    })
  ).body.value[0].availabilityView;

describe("Graph emulator: creating the meeting", () => {
  it("creates the event with a Teams join URL and the visitor invited (201)", async () => {
    const answer = await create(booking(), 'outlook.timezone="Eastern Standard Time"');
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      id: expect.stringMatching(/^AAMkAG/),
      subject: "Intro call with Ada Visitor",
      transactionId: "booking-7f3a",
      isOnlineMeeting: true,
      onlineMeetingProvider: "teamsForBusiness",
      onlineMeeting: { joinUrl: expect.stringMatching(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//) },
      webLink: expect.stringMatching(/^https:\/\/outlook\.office365\.com\/owa\/\?itemid=/),
      isOrganizer: true,
      isCancelled: false,
      showAs: "busy",
      start: { dateTime: "2026-03-09T10:00:00.0000000", timeZone: "Eastern Standard Time" },
      end: { dateTime: "2026-03-09T10:30:00.0000000", timeZone: "Eastern Standard Time" },
      originalStartTimeZone: "Eastern Standard Time",
      attendees: [
        {
          type: "required",
          status: { response: "none", time: "0001-01-01T00:00:00Z" },
          emailAddress: { address: "ada@visitor.test", name: "Ada Visitor" },
        },
      ],
      organizer: { emailAddress: { name: "Rep One", address: REP } },
    });
    expect((await stored())[0]).toMatchObject({
      mailbox: REP,
      origin: "api",
      notifications: [{ kind: "invitation", recipients: ["ada@visitor.test"] }],
    });
    // Without the Prefer header the answer's times are UTC.
    expect((await create(booking({ transactionId: "other" }))).body.start).toEqual({ dateTime: "2026-03-09T14:00:00.0000000", timeZone: "UTC" });
  });

  it("returns the same event for a repeat with the same transactionId: one event, one invitation", async () => {
    const first = await create(booking());
    const again = await create(booking());
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.onlineMeeting.joinUrl).toBe(first.body.onlineMeeting.joinUrl);
    const events = await stored();
    expect(events).toHaveLength(1);
    expect(events[0].notifications).toHaveLength(1);
  });

  it("refuses a different event under a used transactionId with ErrorDuplicateTransactionId", async () => {
    await create(booking());
    const other = await create(
      booking({
        start: { dateTime: "2026-03-09T11:00:00", timeZone: "Eastern Standard Time" },
        end: { dateTime: "2026-03-09T11:30:00", timeZone: "Eastern Standard Time" },
      }),
    );
    expect(other).toMatchObject({
      status: 400,
      body: {
        error: {
          code: "ErrorDuplicateTransactionId",
          message: "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.",
        },
      },
    });
    expect(await stored()).toHaveLength(1);
  });

  it("creates without a meeting link unless isOnlineMeeting asks for one", async () => {
    const answer = await create(booking({ isOnlineMeeting: undefined, onlineMeetingProvider: undefined, transactionId: undefined }));
    expect(answer.body).toMatchObject({ isOnlineMeeting: false, onlineMeeting: null });
  });
});

describe("Graph emulator: move and cancel", () => {
  let id: string;
  beforeEach(async () => {
    id = (await create(booking())).body.id;
  });
  const path = () => `/v1.0/users/${REP}/events/${id}`;

  it("moves the event with PATCH and the schedule follows", async () => {
    expect(await busyView()).toBe("002000000000");
    const moved = await http(run.url, "PATCH", path(), {
      token,
      body: {
        start: { dateTime: "2026-03-09T13:00:00", timeZone: "Eastern Standard Time" },
        end: { dateTime: "2026-03-09T13:30:00", timeZone: "Eastern Standard Time" },
      },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.start).toEqual({ dateTime: "2026-03-09T17:00:00.0000000", timeZone: "UTC" });
    expect(await busyView()).toBe("000000002000");
    expect((await stored())[0].notifications.map((n: { kind: string }) => n.kind)).toEqual(["invitation", "update"]);
    // transactionId is create-only.
    expect((await http(run.url, "PATCH", path(), { token, body: { transactionId: "new" } })).status).toBe(400);
  });

  it("cancels with POST …/cancel (202, no body): the event leaves the calendar and the attendees hear why", async () => {
    const cancelled = await http(run.url, "POST", `${path()}/cancel`, { token, body: { comment: "The visitor asked to cancel." } });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toBeUndefined();
    expect(await busyView()).toBe("000000000000");
    expect(await http(run.url, "GET", path(), { token })).toMatchObject({
      status: 404,
      body: { error: { code: "ErrorItemNotFound", message: "The specified object was not found in the store." } },
    });
    expect((await stored())[0].notifications.at(-1)).toMatchObject({
      kind: "cancellation",
      recipients: ["ada@visitor.test"],
      comment: "The visitor asked to cancel.",
    });
  });

  it("deletes with DELETE (204); a second delete is 404 ErrorItemNotFound", async () => {
    expect((await http(run.url, "DELETE", path(), { token })).status).toBe(204);
    expect((await http(run.url, "DELETE", path(), { token })).body.error.code).toBe("ErrorItemNotFound");
  });

  it("lets only the organizer cancel", async () => {
    const [invite] = (
      await http(run.url, "POST", `/_emulator/users/${REP}/events`, {
        body: {
          subject: "Their meeting",
          organizer: { emailAddress: { address: "boss@example.com", name: "Boss" } },
          start: { dateTime: "2026-03-09T16:00:00", timeZone: "UTC" },
          end: { dateTime: "2026-03-09T17:00:00", timeZone: "UTC" },
        },
      })
    ).body;
    const answer = await http(run.url, "POST", `/v1.0/users/${REP}/events/${invite.id}/cancel`, { token, body: {} });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe("Your request can't be completed. You need to be an organizer to cancel a meeting.");
  });

  it("lists the window's events with calendarView", async () => {
    const view = await http(run.url, "GET", `/v1.0/users/${REP}/calendarView?startDateTime=2026-03-09T00:00:00Z&endDateTime=2026-03-10T00:00:00Z`, {
      token,
    });
    expect(view.body.value.map((e: { id: string }) => e.id)).toEqual([id]);
    expect((await http(run.url, "GET", `/v1.0/users/${REP}/calendarView`, { token })).body.error.code).toBe("ErrorInvalidParameter");
  });
});
