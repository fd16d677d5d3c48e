import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { CalendarPort, EventInput } from "../../src/calendar/calendar-port";
import { portsFor } from "../../src/ports";
import { googleEmulator, graphEmulator, hubspotEmulator, schedulerEmulator } from "../support/emulators";

/**
 * The calendar port's three adapters against their emulators, through the Worker's own ports
 * (the key, secrets and URLs the tests give the Worker): free time, an event with the visitor
 * invited and a video link, a retry that finds the event instead of making another, a move, a
 * cancellation, and the vendors' throttling as a rate-limited failure.
 */
const ports = portsFor(env);
const calendar = (provider: "google" | "microsoft" | "hubspot"): CalendarPort => {
  const port = ports.calendar(provider);
  if (!port) throw new Error(`${provider} is not configured in the tests`);
  return port;
};
const run = Date.now().toString(36);
const MINUTE = 60_000;

function input(key: string, calendarId: string, start: string, minutes = 30): EventInput {
  const from = new Date(start);
  return {
    key,
    calendar: calendarId,
    start: from,
    end: new Date(from.getTime() + minutes * MINUTE),
    zone: "America/New_York",
    title: "Request a demo: Jane Doe and Alex Rivera",
    description: "Jane Doe booked this meeting.",
    visitor: { email: `jane.${run}@northwind.example`, name: "Jane Doe", firstName: "Jane", lastName: "Doe", timeZone: "Europe/Berlin" },
  };
}

/** 40 hex characters, as booking ids are (Google's ids are base32hex: 0-9 and a-v). */
const key = (n: number) => `${run}${"0".repeat(40)}`.replace(/[^0-9a-v]/g, "0").slice(0, 36) + String(n).padStart(4, "0");

afterEach(async () => {
  for (const emulator of [googleEmulator, graphEmulator, hubspotEmulator]) await emulator.faults({});
});

describe("Google Calendar adapter (service account with domain-wide delegation)", () => {
  const rep = "alex.rivera@example.com";

  it("reads busy time with freeBusy as the rep", async () => {
    await googleEmulator.busy(rep, { start: "2027-06-07T10:00:00", end: "2027-06-07T11:00:00", timeZone: "America/New_York" });
    const free = await calendar("google").availability(
      rep,
      { start: Date.parse("2027-06-07T00:00:00Z"), end: Date.parse("2027-06-08T00:00:00Z") },
      30 * MINUTE,
      "America/New_York",
    );
    expect(free).toEqual({ ok: true, value: { busy: [{ start: Date.parse("2027-06-07T14:00:00Z"), end: Date.parse("2027-06-07T15:00:00Z") }] } });
  });

  it("puts the meeting in with the visitor invited and a Meet link; a retry with the same key finds it; a move and a cancel tell the visitor", async () => {
    const google = calendar("google");
    const first = input(key(1), rep, "2027-06-08T14:00:00Z");
    const made = await google.createEvent(first);
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    expect(made.value).toMatchObject({ eventId: key(1), start: first.start, end: first.end });
    expect(made.value.joinUrl).toMatch(/^https:\/\/meet\.google\.com\//);

    const again = await google.createEvent(first);
    expect(again).toEqual(made);
    const events = (await googleEmulator.events(rep)).filter((e) => e.event.id === key(1));
    expect(events).toHaveLength(1);
    expect(events[0].origin).toBe("api");
    expect(events[0].event.attendees).toEqual([expect.objectContaining({ email: first.visitor.email, displayName: "Jane Doe" })]);
    expect(events[0].notifications).toEqual([expect.objectContaining({ kind: "invitation", recipients: [first.visitor.email] })]);

    const later = input(key(1), rep, "2027-06-08T16:00:00Z");
    const moved = await google.moveEvent(later, made.value);
    expect(moved).toMatchObject({ ok: true, value: { eventId: key(1), start: later.start } });
    const [after] = (await googleEmulator.events(rep)).filter((e) => e.event.id === key(1));
    expect(after.event.start.dateTime).toMatch(/^2027-06-08T12:00:00/); // 16:00 UTC, written in New York time
    expect(after.notifications.map((n: any) => n.kind)).toEqual(["invitation", "update"]);

    expect(await google.cancelEvent(rep, made.value, "cancelled")).toEqual({ ok: true, value: undefined });
    // Again: Google answers 410 for a deleted event, which is the state asked for.
    expect(await google.cancelEvent(rep, made.value, "cancelled")).toEqual({ ok: true, value: undefined });
    const [gone] = (await googleEmulator.events(rep)).filter((e) => e.event.id === key(1));
    expect(gone.event.status).toBe("cancelled");
  });

  it("an insert whose answer was lost is found by its id and put where the retry asks", async () => {
    const google = calendar("google");
    await googleEmulator.faults({ rateLostResponse: 1 });
    const lost = await google.createEvent(input(key(2), rep, "2027-06-09T14:00:00Z"));
    expect(lost).toMatchObject({ ok: false, failure: { kind: "transient" } });
    await googleEmulator.faults({});
    const retried = await google.createEvent(input(key(2), rep, "2027-06-09T15:00:00Z"));
    expect(retried).toMatchObject({ ok: true, value: { eventId: key(2), start: new Date("2027-06-09T15:00:00Z") } });
    expect((await googleEmulator.events(rep)).filter((e) => e.event.id === key(2))).toHaveLength(1);
  });

  it("the quota's 403 rateLimitExceeded is a rate-limited failure; a calendar outside the domain is refused for good", async () => {
    await googleEmulator.faults({ rate429: 1 });
    const limited = await calendar("google").availability(
      rep,
      { start: Date.parse("2027-06-10T00:00:00Z"), end: Date.parse("2027-06-11T00:00:00Z") },
      30 * MINUTE,
      "UTC",
    );
    expect(limited).toMatchObject({ ok: false, failure: { kind: "rateLimited" } });
    await googleEmulator.faults({});
    const stranger = await calendar("google").availability(
      "someone@elsewhere.example",
      { start: Date.parse("2027-06-10T00:00:00Z"), end: Date.parse("2027-06-11T00:00:00Z") },
      30 * MINUTE,
      "UTC",
    );
    expect(stranger).toMatchObject({ ok: false, failure: { kind: "permanent", credentials: true } });
  });
});

describe("Microsoft 365 adapter (Graph, client credentials)", () => {
  const rep = "sam.chen@example.com";

  it("reads busy time with getSchedule; free and working-elsewhere time is not busy", async () => {
    await graphEmulator.busy(rep, [
      { start: "2027-06-07T10:00:00", end: "2027-06-07T11:00:00", timeZone: "Europe/London", showAs: "busy" },
      { start: "2027-06-07T12:00:00", end: "2027-06-07T13:00:00", timeZone: "Europe/London", showAs: "oof" },
      { start: "2027-06-07T14:00:00", end: "2027-06-07T15:00:00", timeZone: "Europe/London", showAs: "workingElsewhere" },
    ]);
    const free = await calendar("microsoft").availability(
      rep,
      { start: Date.parse("2027-06-07T00:00:00Z"), end: Date.parse("2027-06-08T00:00:00Z") },
      30 * MINUTE,
      "Europe/London",
    );
    expect(free).toEqual({
      ok: true,
      value: {
        busy: [
          { start: Date.parse("2027-06-07T09:00:00Z"), end: Date.parse("2027-06-07T10:00:00Z") },
          { start: Date.parse("2027-06-07T11:00:00Z"), end: Date.parse("2027-06-07T12:00:00Z") },
        ],
      },
    });
  });

  it("creates the event with a Teams meeting; a retry with the same transactionId gets the same event; moves and cancels it", async () => {
    const graph = calendar("microsoft");
    const first = input(key(11), rep, "2027-06-08T09:00:00Z");
    const made = await graph.createEvent(first);
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    expect(made.value.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    expect(await graph.createEvent(first)).toEqual(made);
    const mine = async () => (await graphEmulator.events(rep)).filter((e) => e.event.id === made.value.eventId);
    expect(await mine()).toHaveLength(1);
    expect((await mine())[0].event.attendees).toEqual([
      expect.objectContaining({ emailAddress: expect.objectContaining({ address: first.visitor.email }) }),
    ]);

    const moved = await graph.moveEvent(input(key(11), rep, "2027-06-08T10:00:00Z"), made.value);
    expect(moved).toMatchObject({ ok: true, value: { eventId: made.value.eventId, start: new Date("2027-06-08T10:00:00Z") } });
    expect(await graph.cancelEvent(rep, made.value, "The visitor cancelled.")).toEqual({ ok: true, value: undefined });
    expect((await mine())[0]).toMatchObject({ removed: true });
    expect(await graph.cancelEvent(rep, made.value, "again")).toEqual({ ok: true, value: undefined });
  });

  it("throttling (429 with Retry-After) is a rate-limited failure that keeps the wait", async () => {
    await graphEmulator.faults({ rate429: 1 });
    const limited = await calendar("microsoft").availability(
      rep,
      { start: Date.parse("2027-06-10T00:00:00Z"), end: Date.parse("2027-06-11T00:00:00Z") },
      30 * MINUTE,
      "UTC",
    );
    expect(limited).toMatchObject({ ok: false, failure: { kind: "rateLimited", retryAfterMs: 1_000, status: 429 } });
  });
});

describe("HubSpot meetings adapter (scheduler 2026-09)", () => {
  const slug = "alex-rivera";

  it("offers the link's start times for the meeting's length and books one: a meeting on the contact, owned by the rep; a retry finds it", async () => {
    const hubspot = calendar("hubspot");
    const now = Date.now();
    const window = { start: now, end: now + 13 * 86_400_000 };
    const offered = await hubspot.availability(slug, window, 30 * MINUTE, "America/New_York");
    expect(offered.ok).toBe(true);
    if (!offered.ok) return;
    const starts = offered.value.offeredStarts!;
    expect(starts.length).toBeGreaterThan(10);
    const start = new Date(starts[3]!);
    const booking = {
      ...input(key(21), slug, start.toISOString()),
      visitor: { ...input(key(21), slug, start.toISOString()).visitor, email: `booker.${run}@northwind.example` },
    };
    const made = await hubspot.createEvent(booking);
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    const meetings = (await hubspotEmulator.objects("meetings")).filter((m: any) => m.id === made.value.crmMeetingId);
    expect(meetings).toHaveLength(1);
    expect(meetings[0].properties).toMatchObject({
      hs_meeting_outcome: "SCHEDULED",
      hubspot_owner_id: "84213371",
      hs_meeting_source: "MEETINGS_PUBLIC",
    });
    // No key in the scheduler: the retry looks for the contact's meeting at that time and finds it.
    expect(await hubspot.createEvent(booking)).toEqual(made);
    expect((await schedulerEmulator.bookings()).filter((b: any) => b.email === booking.visitor.email)).toHaveLength(1);

    // Taken meanwhile by someone else: HubSpot refuses the start, which is a taken slot.
    const other = { ...booking, key: key(22), visitor: { ...booking.visitor, email: `other.${run}@northwind.example` } };
    expect(await hubspot.createEvent(other)).toMatchObject({ ok: false, failure: { code: "slot_taken", status: 409 } });

    expect(await hubspot.cancelEvent(slug, made.value, "cancelled")).toEqual({ ok: true, value: undefined });
    const [cancelled] = (await hubspotEmulator.objects("meetings")).filter((m: any) => m.id === made.value.crmMeetingId);
    expect(cancelled.properties.hs_meeting_outcome).toBe("CANCELED");
  });

  it("a meeting length the link does not offer is refused for good, saying so", async () => {
    const refused = await calendar("hubspot").availability(slug, { start: Date.now(), end: Date.now() + 86_400_000 }, 45 * MINUTE, "UTC");
    expect(refused).toMatchObject({
      ok: false,
      failure: { kind: "permanent", message: expect.stringContaining("does not offer 45-minute meetings") },
    });
  });
});
