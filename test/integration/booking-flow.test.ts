import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { bookingIdOf } from "../../src/core/booking/booking-links";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { bookingHarness } from "../support/booking";
import { consoleApp, signIn } from "../support/console";
import { googleEmulator, hubspotEmulator, slackEmulator } from "../support/emulators";
import { eventually } from "../support/requests";
import { admin, auditEntries } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * A form lead books on the spot: the 202 carries a booking link; once the submission is routed
 * the link offers the routed rep's free times in the visitor's zone; a booking puts the event in
 * the rep's Google calendar with the visitor invited, logs the meeting on the HubSpot contact
 * (owned by the rep), stops the cadence as "meeting booked", DMs the rep and counts the facts;
 * a retry gets the same booking; the manage link moves and cancels it on both sides.
 */
const harness = bookingHarness();
const run = Date.now().toString(36);
const ALEX = "alex.rivera@example.com";
const ALEX_OWNER = "84213371";

/** The demo form's team is Alex alone here, so every lead is his. */
const POLICY = { ...DEFAULT_POLICY, teams: DEFAULT_POLICY.teams!.map((t) => ({ ...t, members: ["alex"] })) };

async function hubspotApi(path: string): Promise<any> {
  const response = await fetch(`${env.HUBSPOT_API_BASE}${path}`, { headers: { authorization: `Bearer ${TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN}` } });
  return response.json();
}

const contactOf = async (email: string) => (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email);
const meetingOf = async (bookingId: string) =>
  (await hubspotEmulator.objects("meetings")).find((m: any) => m.properties.lead_follow_up_key === bookingId);
const googleEventOf = async (bookingId: string) => (await googleEmulator.events(ALEX)).find((e: any) => e.event.id === bookingId);

beforeAll(async () => {
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(POLICY) })).status).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotMeetingKey, setup.hubspotMeetingKey.detail).toMatchObject({ ok: true });
});

describe("booking on the spot", () => {
  it("books the routed rep's time: the event, the CRM meeting, the stopped cadence, the rep's DM and the facts; a retry gets the same meeting", {
    timeout: 120_000,
  }, async () => {
    const email = `mia.${run}@northwind.example`;
    const sent = await harness.submit("demo", { email, firstName: "Mia", lastName: "Wolf", time_zone: "Europe/Berlin" });
    expect(sent.bookingUrl).toMatch(/^https:\/\/leads\.example\.com\/book\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const offer = await harness.slots(sent.path!);
    expect(offer).toMatchObject({ status: "open", zone: "Europe/Berlin", meetingMinutes: 30, rep: "Alex Rivera" });
    expect(offer.slots.length).toBeGreaterThan(10);
    // Alex works 09:00–17:00 in New York: in Berlin his half-hours start between 14:00 and 22:30.
    for (const slot of offer.slots) expect(slot.time >= "14:00" && slot.time <= "22:30").toBe(true);
    expect(offer.slots[0]!.label).toContain("(Europe/Berlin)");

    // The page works without JavaScript: each time is a submit button of one form.
    const page = await (await harness.request(sent.path!)).text();
    expect(page).toContain(`<button type="submit" name="slot" value="${offer.slots[0]!.start}"`);
    expect(page).not.toContain("<script");

    const slot = offer.slots[2]!;
    const attempt = `attempt-${run}-1`;
    const booked = await harness.book(sent.path!, slot.start, attempt);
    expect(booked.status).toBe(201);
    expect(booked.body).toMatchObject({ status: "booked", booking: { start: slot.start, rep: "Alex Rivera", label: slot.label } });
    expect(booked.body.manageUrl).toMatch(/\/book\/manage\//);
    const bookingId = bookingIdOf(sent.submissionId);

    // The rep's calendar: one event, the visitor invited, a Meet link, the invitation sent.
    const event = await googleEventOf(bookingId);
    expect(event.event).toMatchObject({ status: "confirmed", start: expect.anything(), attendees: [expect.objectContaining({ email })] });
    expect(Date.parse(event.event.start.dateTime)).toBe(Date.parse(slot.start));
    expect(event.event.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
    expect(event.notifications[0]).toMatchObject({ kind: "invitation", recipients: [email] });
    expect(booked.body.booking.joinUrl).toBe(event.event.hangoutLink);

    // A retry of the same attempt (a lost answer): the same meeting, no second event.
    const again = await harness.book(sent.path!, slot.start, attempt);
    expect(again).toMatchObject({ status: 201, body: { booking: booked.body.booking, manageUrl: booked.body.manageUrl } });
    // Another page of the same link (another tab, or someone who re-sent the same fields): told it is booked, never given the manage link.
    const other = await harness.book(sent.path!, offer.slots[5]!.start, `attempt-${run}-other`);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: "already_booked" });
    expect(JSON.stringify(other.body)).not.toContain("manage");
    expect((await googleEmulator.events(ALEX)).filter((e: any) => e.event.id === bookingId)).toHaveLength(1);
    expect((await harness.slotsNow(sent.path!)).body).toMatchObject({ status: "already_booked" });

    // The CRM: a meeting engagement on the contact, owned by the rep, keyed by the booking.
    const contact = await eventually(async () => {
      const found = await contactOf(email);
      if (!found) throw new Error("no contact yet");
      return found;
    }, 30_000);
    const meeting = await eventually(async () => {
      const found = await meetingOf(bookingId);
      if (!found) throw new Error("no meeting yet");
      return found;
    }, 30_000);
    expect(meeting.properties).toMatchObject({
      hs_meeting_outcome: "SCHEDULED",
      hubspot_owner_id: ALEX_OWNER,
      hs_meeting_external_url: event.event.hangoutLink,
      hs_meeting_start_time: expect.stringMatching(/^\d{4}-/),
    });
    expect(Date.parse(meeting.properties.hs_meeting_start_time)).toBe(Date.parse(slot.start));
    expect(meeting.associations.contacts).toEqual([expect.objectContaining({ id: contact.id, typeId: 200 })]);
    const linked = await hubspotApi(`/crm/objects/2026-09/contacts/${contact.id}/associations/meetings`);
    expect(linked.results.map((r: any) => String(r.toObjectId))).toContain(meeting.id);

    // The cadence stops through its stop path, as "meeting booked".
    const recordKey = `hubspot:62515:contact:${contact.id}`;
    const { entries } = await auditEntries(recordKey, "stopped");
    expect(entries[0].reason).toMatch(/^meeting booked: a meeting booked for /);

    // The rep's DM with the lead's context.
    const dm = await eventually(async () => {
      const found = (await slackEmulator.messages()).find((m: any) => m.channel === "D05REPONE01" && m.text?.includes("Mia Wolf"));
      if (!found) throw new Error("no DM yet");
      return found;
    }, 30_000);
    expect(dm.text).toContain(`booked a meeting with you`);
    expect(dm.text).toContain(email);
    expect(dm.text).toContain("(America/New_York)");

    // Facts: speed to meeting, and the offer it came from.
    const facts = await env.DB.prepare("SELECT kind, source, rep, data FROM facts WHERE key LIKE ?").bind(`booking:${bookingId}:%`).all<any>();
    const bookedFact = facts.results.find((f) => f.kind === "meetingBooked");
    expect(bookedFact).toMatchObject({ source: "demo_request", rep: ALEX_OWNER });
    const data = JSON.parse(bookedFact.data);
    expect(data).toMatchObject({ form: "demo", bookingId, provider: "google" });
    expect(data.submittedToBookedMs).toBeGreaterThan(0);
    expect(data.bookedToStartMs).toBeGreaterThan(2 * 3_600_000 - 60_000);
    const offered = await env.DB.prepare("SELECT kind FROM facts WHERE key = ?").bind(`booking:${sent.submissionId}:offered`).first<any>();
    expect(offered).toEqual({ kind: "meetingOffered" });

    // The console's overview: the booking, its rate per form, source and rep, and the speed to meeting.
    const consoleFetch = consoleApp();
    const cookie = await signIn(consoleFetch);
    const overview = await (await consoleFetch("/console", { headers: { cookie } })).text();
    const section = overview.slice(overview.indexOf("Booked on the spot"), overview.indexOf("Cadence outcomes"));
    expect(section).toContain("Meetings booked");
    expect(section).toMatch(/<td>demo<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">100\.0%<\/td>/);
    expect(section).toMatch(/<td>demo_request<\/td>/);
    expect(section).toMatch(/<td>Alex Rivera<\/td>/);
    expect(section).toContain("Submission → booked");
  });

  it("the manage link: the confirmation with its .ics, then a move and a cancel, each on both sides", { timeout: 120_000 }, async () => {
    const email = `noah.${run}@northwind.example`;
    const sent = await harness.submit("demo", { email, firstName: "Noah", lastName: "Berg", time_zone: "Europe/Berlin" });
    const offer = await harness.slots(sent.path!);
    // No JavaScript: the page's form posts, and is answered with the confirmation page's address.
    const posted = await harness.bookForm(sent.path!, offer.slots[0]!.start, `attempt-${run}-2`);
    expect(posted.status).toBe(303);
    const manage = posted.headers.get("location")!;
    expect(manage).toMatch(/^\/book\/manage\/[^?]+\?done=booked$/);
    const managePath = manage.split("?")[0]!;
    const bookingId = bookingIdOf(sent.submissionId);

    const confirmation = await (await harness.request(manage)).text();
    expect(confirmation).toContain("You're booked");
    expect(confirmation).toContain(offer.slots[0]!.label);
    const ics = await harness.request(`${managePath}/meeting.ics`);
    expect(ics.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const icsText = (await ics.text()).replace(/\r\n /g, "");
    expect(icsText).toContain(`UID:${bookingId}@lead-follow-up`);
    expect(icsText).toContain(`DTSTART:${offer.slots[0]!.start.replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z")}`);
    expect(icsText).toContain(`ATTENDEE;CN="Noah Berg";ROLE=REQ-PARTICIPANT:mailto:${email}`);
    expect(icsText).toContain(`ORGANIZER;CN="Alex Rivera":mailto:${ALEX}`);

    const meetingNow = () => meetingOf(bookingId);
    await eventually(async () => {
      if (!(await meetingNow())) throw new Error("no meeting yet");
    }, 30_000);

    // Move: the calendar event moves (an update sent), and the CRM meeting follows.
    const target = offer.slots[8]!;
    const moved = await harness.request(`${managePath}/move`, {
      method: "POST",
      body: new URLSearchParams({ slot: target.start }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    expect(moved.status).toBe(303);
    expect(moved.headers.get("location")).toBe(`${managePath}?done=moved`);
    const event = await googleEventOf(bookingId);
    expect(Date.parse(event.event.start.dateTime)).toBe(Date.parse(target.start));
    expect(event.notifications.map((n: any) => n.kind)).toEqual(["invitation", "update"]);
    await eventually(async () => {
      const meeting = await meetingNow();
      expect(Date.parse(meeting.properties.hs_meeting_start_time)).toBe(Date.parse(target.start));
    }, 30_000);
    const row = await env.DB.prepare("SELECT status, starts_at, sequence FROM bookings WHERE id = ?").bind(bookingId).first<any>();
    expect(row).toEqual({ status: "booked", starts_at: target.start, sequence: 1 });

    // Cancel: the event is cancelled (the visitor told), the CRM meeting CANCELED, the rep told.
    const cancelled = await harness.request(`${managePath}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
      redirect: "manual",
    });
    expect(cancelled.status).toBe(303);
    const gone = await googleEventOf(bookingId);
    expect(gone.event.status).toBe("cancelled");
    expect(gone.notifications.map((n: any) => n.kind)).toEqual(["invitation", "update", "cancellation"]);
    await eventually(async () => {
      expect((await meetingNow()).properties.hs_meeting_outcome).toBe("CANCELED");
    }, 30_000);
    expect(await (await harness.request(managePath)).text()).toContain("Your meeting is cancelled");
    await eventually(async () => {
      const dms = (await slackEmulator.messages()).filter((m: any) => m.channel === "D05REPONE01" && m.text?.includes("Noah Berg"));
      expect(dms.map((m: any) => m.text.split(" ")[0])).toEqual([":calendar:", ":arrows_counterclockwise:", ":x:"]);
    }, 30_000);
    // Cancelled is final: the link neither books nor moves again.
    expect((await harness.book(sent.path!, offer.slots[3]!.start, `attempt-${run}-2`)).status).toBe(409);
  });
});

describe("on the form's own site", () => {
  it("the embed script is served, and the booking calls answer CORS for the form's allowed origins only", async () => {
    const script = await harness.request("/book/embed.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain("window.LeadBooking");

    const sent = await harness.submit("demo", { email: `cors.${run}@northwind.example` });
    const site = "https://www.example.com"; // the demo form's allowedOrigins
    const preflight = await harness.request(`${sent.path}/slots`, {
      method: "OPTIONS",
      headers: { origin: site, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(site);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST");
    const stranger = await harness.request(`${sent.path}/slots`, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();

    await harness.slots(sent.path!);
    const fromSite = await harness.request(`${sent.path}/slots`, { headers: { origin: site } });
    expect(fromSite.headers.get("access-control-allow-origin")).toBe(site);
    const fromElsewhere = await harness.request(`${sent.path}/slots`, { headers: { origin: "https://evil.example" } });
    expect(fromElsewhere.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("booking links that are not ours", () => {
  it("a forged or malformed token is 404, an expired one 410, and neither says what it named", async () => {
    const sent = await harness.submit("demo", { email: `liam.${run}@northwind.example` });
    const [payload, mac] = sent.token!.split(".");
    for (const path of [`/book/${payload}.${mac!.slice(0, -2)}xx`, "/book/not-a-token", `/book/${payload}`]) {
      const response = await harness.request(`${path}/slots`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "not_found", message: "There is no booking at this address." });
    }
    const page = await harness.request("/book/not-a-token");
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    // A manage link's token does not open a booking link, nor the other way round.
    expect((await harness.request(`/book/manage/${sent.token}`)).status).toBe(404);

    const later = bookingHarness({ now: () => new Date(Date.now() + 3 * 3_600_000) });
    const expired = await later.request(`${sent.path}/slots`);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toEqual({ error: "link_expired", message: expect.stringContaining("expired") });
  });

  it("the booking calls are rate limited per address", async () => {
    const ip = "203.0.113.77";
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await harness.request("/book/not-a-token/slots", { ip })).status);
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    const limited = await harness.request("/book/not-a-token/slots", { ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
  });
});
