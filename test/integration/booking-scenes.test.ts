import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { bookingIdOf } from "../../src/core/booking/booking-links";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { bookingHarness } from "../support/booking";
import { googleEmulator, graphEmulator, hubspotEmulator, salesforceEmulator, schedulerEmulator, slackEmulator } from "../support/emulators";
import { eventually } from "../support/requests";
import { admin, auditEntries } from "../support/rule-flows";

/**
 * Booking in its other settings: nothing to offer (the team's channel hears of it), the team's
 * "whoever can meet soonest" across a Google and a Microsoft 365 calendar, a HubSpot meeting
 * link, a Salesforce form, the DST weeks of 2027 at the Worker's own clock, and a duplicate
 * submission reaching the same booking.
 */
const harness = bookingHarness();
const run = Date.now().toString(36);
const ALEX = "alex.rivera@example.com";
const SAM = "sam.chen@example.com";
type PolicyInput = typeof DEFAULT_POLICY;

async function savePolicy(change: (p: PolicyInput) => PolicyInput) {
  const response = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(change(structuredClone(DEFAULT_POLICY))) });
  expect(response.status, await response.clone().text()).toBe(201);
}
const onlyAlex = (p: PolicyInput): PolicyInput => ({ ...p, teams: p.teams.map((t) => ({ ...t, members: ["alex"] })) });
const alexWith =
  (calendar: object | undefined) =>
  (p: PolicyInput): PolicyInput => ({
    ...onlyAlex(p),
    reps: p.reps.map((r) => (r.id === "alex" ? { ...r, calendar: calendar as never } : r)),
  });
const alertsFor = async (text: string) => (await slackEmulator.messages()).filter((m: any) => m.channel === "C05LEADS001" && m.text?.includes(text));

beforeAll(async () => {
  expect((await admin("/admin/crm/setup", { method: "POST" })).status).toBe(200);
});

describe("when nothing can be offered", () => {
  it("every calendar unreachable: the visitor reads what happens next, the team's channel hears it once, the lead follows its cadence", {
    timeout: 90_000,
  }, async () => {
    await savePolicy(onlyAlex);
    await googleEmulator.faults({ rate5xx: 1 });
    try {
      const sent = await harness.submit("demo", { email: `down.${run}@northwind.example`, firstName: "Ines", lastName: `Down${run}` });
      const answer = await eventually(async () => {
        const now = await harness.slotsNow(sent.path!);
        if (now.body.status === "pending") throw new Error("pending");
        return now;
      }, 45_000);
      expect(answer.body).toEqual({ status: "unavailable", message: expect.stringContaining("Someone from our team will get in touch") });
      const page = await (await harness.request(sent.path!)).text();
      expect(page).toContain("Someone from our team will get in touch");
      // Asking again tells the channel nothing more: once per submission.
      await harness.slotsNow(sent.path!);
      const alerts = await eventually(async () => {
        const found = await alertsFor(`Down${run}`);
        if (found.length === 0) throw new Error("no alert yet");
        return found;
      }, 30_000);
      expect(alerts).toHaveLength(1);
      expect(alerts[0].text).toContain("every calendar is unreachable");
      expect(alerts[0].text).toContain("They follow the normal cadence");
      const fact = await env.DB.prepare("SELECT kind, reason FROM facts WHERE key = ?").bind(`booking:${sent.submissionId}:not-offered`).first<any>();
      expect(fact).toMatchObject({ kind: "meetingNotOffered", reason: expect.stringContaining("unreachable") });
    } finally {
      await googleEmulator.faults({});
    }
  });

  it("nobody eligible (the routed rep has no calendar): the same answer, and the reason in the channel", { timeout: 90_000 }, async () => {
    await savePolicy(alexWith(undefined));
    const sent = await harness.submit("demo", { email: `nocal.${run}@northwind.example`, firstName: "Ola", lastName: `NoCal${run}` });
    await eventually(async () => {
      const now = await harness.slotsNow(sent.path!);
      expect(now.body.status).toBe("unavailable");
    }, 45_000);
    const [alert] = await eventually(async () => {
      const found = await alertsFor(`NoCal${run}`);
      if (found.length === 0) throw new Error("no alert yet");
      return found;
    }, 30_000);
    expect(alert.text).toContain("nobody eligible: Alex Rivera (no calendar in the policy)");
  });

  it("no free time within the horizon (the rep's calendar full): the same answer, and the reason in the channel", { timeout: 90_000 }, async () => {
    // A calendar of its own, so no other test's times are taken; busy from now to past the horizon.
    const full = `full.${run}@example.com`;
    await googleEmulator.users({ email: full, timeZone: "America/New_York", name: "Alex Rivera" });
    const now = Date.now();
    await googleEmulator.busy(full, { start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 16 * 86_400_000).toISOString() });
    await savePolicy(alexWith({ provider: "google", id: full }));
    const sent = await harness.submit("demo", { email: `full.${run}@northwind.example`, firstName: "Fe", lastName: `Full${run}` });
    const answer = await eventually(async () => {
      const then = await harness.slotsNow(sent.path!);
      if (then.body.status === "pending") throw new Error("pending");
      return then;
    }, 45_000);
    expect(answer.body).toEqual({ status: "unavailable", message: expect.stringContaining("Someone from our team will get in touch") });
    const [alert] = await eventually(async () => {
      const found = await alertsFor(`Full${run}`);
      if (found.length === 0) throw new Error("no alert yet");
      return found;
    }, 30_000);
    expect(alert.text).toContain("no free time within P14D (Alex Rivera)");
    const fact = await env.DB.prepare("SELECT kind, reason FROM facts WHERE key = ?").bind(`booking:${sent.submissionId}:not-offered`).first<any>();
    expect(fact).toMatchObject({ kind: "meetingNotOffered", reason: expect.stringContaining("no free time") });
  });
});

describe("whoever can meet soonest", () => {
  it("offers the team's times; a time only the other rep has goes to that rep, with the lead", { timeout: 120_000 }, async () => {
    await savePolicy((p) => ({ ...p, booking: { ...p.booking!, forms: [{ form: "demo", offer: "soonest" }] } }));
    const email = `team.${run}@northwind.example`;
    const sent = await harness.submit("demo", { email, firstName: "Tara", lastName: "Team" });
    const offer = await harness.slots(sent.path!, "UTC");
    expect(offer.rep).toBeUndefined();
    const submission = (await (await admin(`/admin/submissions/${sent.submissionId}`)).json()) as any;
    const routedOwner = submission.steps.find((s: any) => s.step === "routed").detail.ownerId;
    // Sam works 09:00–17:00 London, Alex 09:00–17:00 New York: mornings in UTC are Sam's alone, evenings Alex's.
    const samOnly = routedOwner === "84213371";
    const slot = offer.slots.find((s) => (samOnly ? s.time < "13:00" : s.time >= "17:30"))!;
    expect(slot).toBeDefined();
    const booked = await harness.book(sent.path!, slot.start, `team-${run}`);
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const bookingId = bookingIdOf(sent.submissionId);
    if (samOnly) {
      expect(booked.body.booking.rep).toBe("Sam Chen");
      const [event] = (await graphEmulator.events(SAM)).filter((e: any) => e.event.subject?.includes("Tara Team"));
      expect(event.event.onlineMeeting.joinUrl).toBe(booked.body.booking.joinUrl);
    } else {
      expect(booked.body.booking.rep).toBe("Alex Rivera");
      expect((await googleEmulator.events(ALEX)).some((e: any) => e.event.id === bookingId)).toBe(true);
    }
    // The lead goes to the rep who holds the meeting.
    const newOwner = samOnly ? "84213372" : "84213371";
    await eventually(async () => {
      const contact = (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email);
      expect(contact?.properties.hubspot_owner_id).toBe(newOwner);
    }, 30_000);
  });
});

describe("a HubSpot meeting link as the rep's calendar", () => {
  it("books through the scheduler: one meeting on the contact (HubSpot's own), the cadence stopped", { timeout: 120_000 }, async () => {
    await savePolicy(alexWith({ provider: "hubspot", id: "alex-rivera" }));
    const email = `link.${run}@northwind.example`;
    const sent = await harness.submit("demo", { email, firstName: "Lina", lastName: "Link" });
    const offer = await harness.slots(sent.path!);
    const slot = offer.slots[1]!;
    const booked = await harness.book(sent.path!, slot.start, `link-${run}`);
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const bookings = (await schedulerEmulator.bookings()).filter((b: any) => b.email === email);
    expect(bookings).toHaveLength(1);
    expect(bookings[0].start).toBe(Date.parse(slot.start));
    const contact = await eventually(async () => {
      const found = (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email && c.properties.lead_follow_up_tier);
      if (!found) throw new Error("no contact yet");
      return found;
    }, 30_000);
    await auditEntries(`hubspot:62515:contact:${contact.id}`, "stopped");
    // The scheduler logged the meeting; the service logged no second one.
    const meetings = (await hubspotEmulator.objects("meetings")).filter((m: any) => m.associations?.contacts?.some((a: any) => a.id === contact.id));
    expect(meetings).toHaveLength(1);
    expect(meetings[0].properties).toMatchObject({ hs_meeting_source: "MEETINGS_PUBLIC", hubspot_owner_id: "84213371" });
  });
});

describe("a Salesforce form", () => {
  it("logs an Event with WhoId and OwnerId; cancelling deletes it", { timeout: 120_000 }, async () => {
    const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;
    await savePolicy((p) => ({
      ...onlyAlex(p),
      forms: [...p.forms!, { ...demo, key: "sf_demo", crm: "salesforce" }],
      booking: { ...p.booking!, forms: [...p.booking!.forms, { form: "sf_demo", offer: "routedRep" }] },
    }));
    const email = `sf.${run}@northwind.example`;
    const sent = await harness.submit("sf_demo", { email, firstName: "Sven", lastName: "Force" });
    const offer = await harness.slots(sent.path!);
    const posted = await harness.bookForm(sent.path!, offer.slots[2]!.start, `sf-${run}`);
    expect(posted.status).toBe(303);
    const managePath = posted.headers.get("location")!.split("?")[0]!;
    const bookingId = bookingIdOf(sent.submissionId);
    const event = await eventually(async () => {
      const found = (await salesforceEmulator.records("Event")).find((e: any) => e.Idempotency_Key__c === bookingId);
      if (!found) throw new Error("no Event yet");
      return found;
    }, 30_000);
    const lead = (await salesforceEmulator.records("Lead")).find((l: any) => l.Email === email);
    expect(event).toMatchObject({ WhoId: lead.Id, OwnerId: "0055g00000RepOnAAA", Subject: expect.stringContaining("Sven Force") });
    expect(Date.parse(event.StartDateTime)).toBe(Date.parse(offer.slots[2]!.start));

    const cancelled = await harness.request(`${managePath}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
      redirect: "manual",
    });
    expect(cancelled.status).toBe(303);
    await eventually(async () => {
      expect((await salesforceEmulator.records("Event")).some((e: any) => e.Idempotency_Key__c === bookingId && !e.IsDeleted)).toBe(false);
    }, 30_000);
    expect((await googleEmulator.events(ALEX)).find((e: any) => e.event.id === bookingId).event.status).toBe("cancelled");
  });
});

describe("the DST weeks at the Worker's clock (Europe/Berlin visitor, America/New_York rep)", () => {
  it("offers the rep's 09:00 as 15:00 in Berlin before New York's change and 14:00 after it, around the calendar's busy time, and books it", {
    timeout: 120_000,
  }, async () => {
    await savePolicy((p) => ({ ...alexWith({ provider: "google", id: ALEX })(p), booking: { ...p.booking!, maxSlots: 200 } }));
    await googleEmulator.busy(ALEX, { start: "2027-03-16T09:00:00", end: "2027-03-16T10:00:00", timeZone: "America/New_York" });
    const march = bookingHarness({ now: () => new Date("2027-03-11T12:00:00Z") });
    const sent = await march.submit("demo", { email: `dst.${run}@northwind.example`, firstName: "Dora", time_zone: "Europe/Berlin" });
    const offer = await march.slots(sent.path!);
    expect(offer.zone).toBe("Europe/Berlin");
    const firstOf = (date: string) => offer.slots.find((s) => s.date === date)?.time;
    expect(firstOf("2027-03-11")).toBe("15:00");
    expect(firstOf("2027-03-12")).toBe("15:00");
    expect(firstOf("2027-03-15")).toBe("14:00");
    // 09:00–10:00 in New York is busy in the calendar: that day starts at 10:00 there, 15:00 in Berlin.
    expect(firstOf("2027-03-16")).toBe("15:00");
    expect(firstOf("2027-03-17")).toBe("14:00");
    expect(offer.slots.some((s) => s.date === "2027-03-13" || s.date === "2027-03-14")).toBe(false);

    const monday = offer.slots.find((s) => s.date === "2027-03-15")!;
    expect(monday.start).toBe("2027-03-15T13:00:00.000Z");
    const booked = await march.book(sent.path!, monday.start, `dst-${run}`);
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    expect(booked.body.booking.label).toBe("Mon 15 Mar 2027, 14:00–14:30 (Europe/Berlin)");
    const event = (await googleEmulator.events(ALEX)).find((e: any) => e.event.id === bookingIdOf(sent.submissionId));
    expect(event.event.start).toEqual({ dateTime: "2027-03-15T09:00:00-04:00", timeZone: "America/New_York" });
  });
});

describe("a duplicate submission", () => {
  it("is answered with the earlier submission and its booking link: the same booking, never its manage link", { timeout: 90_000 }, async () => {
    await savePolicy(onlyAlex);
    const fields = { email: `dup.${run}@northwind.example`, firstName: "Dana", lastName: "Twice" };
    const first = await harness.submit("demo", fields);
    const again = await harness.submit("demo", fields);
    expect(again.submissionId).toBe(first.submissionId);
    const offer = await harness.slots(first.path!);
    const booked = await harness.book(first.path!, offer.slots[0]!.start, `dup-${run}-first`);
    expect(booked.status).toBe(201);
    // The second sender's link names the same submission: it sees that a meeting is booked, and nothing to change it with.
    expect((await harness.slotsNow(again.path!)).body.status).toBe("already_booked");
    const theirs = await harness.book(again.path!, offer.slots[0]!.start, `dup-${run}-second`);
    expect(theirs.status).toBe(409);
    expect(JSON.stringify(theirs.body)).not.toContain("/book/manage/");
  });
});
