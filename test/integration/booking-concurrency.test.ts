import { DateTime } from "luxon";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bookingIdOf } from "../../src/core/booking/booking-links";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { bookingHarness } from "../support/booking";
import { googleEmulator } from "../support/emulators";
import { admin } from "../support/rule-flows";

/**
 * One writer per rep: twenty visitors asking for the same time of the same rep at once get one
 * meeting and nineteen 409s with fresh times; out of office and the rep's daily cap keep days
 * off the offer.
 */
const harness = bookingHarness();
const run = Date.now().toString(36);
const ALEX = "alex.rivera@example.com";
const nyDate = (iso: string) => DateTime.fromISO(iso, { zone: "America/New_York" }).toISODate()!;

type Rep = (typeof DEFAULT_POLICY.reps)[number];
async function policyWith(alex: Partial<Rep> = {}) {
  const policy = {
    ...DEFAULT_POLICY,
    reps: DEFAULT_POLICY.reps.map((r) => (r.id === "alex" ? { ...r, ...alex } : r)),
    teams: DEFAULT_POLICY.teams!.map((t) => ({ ...t, members: ["alex"] })),
  };
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) })).status).toBe(201);
}

beforeAll(async () => {
  // The contact properties intake writes, and the meetings' key: as npm run dev's setup makes them.
  expect((await admin("/admin/crm/setup", { method: "POST" })).status).toBe(200);
});
beforeEach(() => policyWith());

describe("one slot, many visitors", () => {
  it("20 concurrent bookings of one slot give exactly one event and 19 answers with fresh times", { timeout: 180_000 }, async () => {
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        harness.submit("demo", { email: `crowd.${i}.${run}@northwind.example`, firstName: `Visitor${i}`, time_zone: "Europe/Berlin" }),
      ),
    );
    const offers = await Promise.all(sent.map((s) => harness.slots(s.path!)));
    // Every visitor is offered the same time of the same rep: the fifth of the first offer.
    const slot = offers[0]!.slots[4]!;
    for (const offer of offers) expect(offer.slots.map((s) => s.start)).toContain(slot.start);

    const answers = await Promise.all(sent.map((s, i) => harness.book(s.path!, slot.start, `crowd-${run}-${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const winner = sent[answers.findIndex((a) => a.status === 201)]!;
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(lost.body).toMatchObject({ error: "slot_taken", status: "open", zone: "Europe/Berlin" });
      expect(lost.body.slots.length).toBeGreaterThan(0);
      expect(lost.body.slots.map((s: any) => s.start)).not.toContain(slot.start);
    }
    const atThatTime = (await googleEmulator.events(ALEX)).filter(
      (e: any) => e.event.status !== "cancelled" && Date.parse(e.event.start.dateTime) === Date.parse(slot.start),
    );
    expect(atThatTime).toHaveLength(1);
    expect(atThatTime[0].event.id).toBe(bookingIdOf(winner.submissionId));

    // A loser books one of the fresh times it was given.
    const loser = answers.find((a) => a.status === 409)!;
    const loserIndex = answers.indexOf(loser);
    const second = await harness.book(sent[loserIndex]!.path!, loser.body.slots[0].start, `crowd-${run}-${loserIndex}`);
    expect(second.status).toBe(201);
  });
});

describe("days the rep does not take", () => {
  it("out of office: the rep's days off are not offered, the days around them are", { timeout: 90_000 }, async () => {
    const probe = await harness.submit("demo", { email: `probe.${run}@northwind.example` });
    const dates = [...new Set((await harness.slots(probe.path!, "America/New_York")).slots.map((s) => nyDate(s.start)))];
    expect(dates.length).toBeGreaterThanOrEqual(2);
    // The offer holds the soonest maxSlots times: two or three days of them.
    const off = dates[0]!;
    await policyWith({ outOfOffice: [{ from: off, to: off }] });
    const later = await harness.submit("demo", { email: `ooo.${run}@northwind.example` });
    const offered = new Set((await harness.slots(later.path!, "America/New_York")).slots.map((s) => nyDate(s.start)));
    expect(offered.has(off)).toBe(false);
    expect(offered.has(dates[1]!)).toBe(true);
  });

  it("capacity: once the rep has maxPerDay meetings on a day, that day is offered no more", { timeout: 90_000 }, async () => {
    await policyWith({ calendar: { provider: "google", id: ALEX, maxPerDay: 1 } });
    const first = await harness.submit("demo", { email: `cap.1.${run}@northwind.example` });
    const offer = await harness.slots(first.path!, "America/New_York");
    // A day of its own, so earlier tests' meetings do not count.
    const byDate = new Map<string, string[]>();
    for (const s of offer.slots) byDate.set(nyDate(s.start), [...(byDate.get(nyDate(s.start)) ?? []), s.start]);
    const [day, starts] = [...byDate].at(-1)!;
    const firstBooking = await harness.book(first.path!, starts[0]!, `cap-${run}-1`);
    expect(firstBooking.status, JSON.stringify(firstBooking.body)).toBe(201);
    const second = await harness.submit("demo", { email: `cap.2.${run}@northwind.example` });
    const after = await harness.slots(second.path!, "America/New_York");
    expect(after.slots.some((s) => nyDate(s.start) === day)).toBe(false);
    // And asking for it anyway is refused: the rep's object counts the day.
    const refused = await harness.book(second.path!, starts[3]!, `cap-${run}-2`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("slot_taken");
  });
});
