import { describe, expect, it } from "vitest";
import { Cadence } from "../../src/core/policy/cadence-policy";
import { delayWindow, firstTouchAt, humanDelayMs, nextWorkingDay, planSteps } from "../../src/core/rules/cadence/cadence-schedule";
import type { BusinessCalendar } from "../../src/core/calendar/calendar";

const HOURS = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };
const cal = (zone: string, holidays: string[] = []): BusinessCalendar => ({ zone, hours: HOURS, holidays });
const WINDOW = delayWindow({ min: "PT3M", max: "PT7M" });
const MIN = 60_000;
/** Every draw in the middle of the window: a 5-minute delay. */
const middle = () => 0.5;

const seed000 = Cadence.parse({
  id: "inbound-sales",
  name: "Inbound",
  steps: [0, 2, 4, 7, 11, 14].map((day) => ({ id: `day-${day}`, offset: day, channel: "EMAIL", subject: "s" })),
});
const plan = (arrived: string, zone: string, holidays: string[] = []) =>
  Object.fromEntries(planSteps(seed000, new Date(arrived), cal(zone, holidays), WINDOW, middle).map((s) => [s.id, s.dueAt.toISOString()]));

/** A deterministic uniform source (mulberry32), so the distribution test cannot flake. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("first touch", () => {
  it("comes a human delay after a lead that arrives in business hours", () => {
    // Tuesday 10:00 in New York.
    expect(firstTouchAt(new Date("2026-11-24T15:00:00Z"), cal("America/New_York"), WINDOW, middle).toISOString()).toBe("2026-11-24T15:05:00.000Z");
  });

  it("waits for Monday morning in the lead's own zone when the lead arrives at 02:00 on Saturday", () => {
    // Saturday 02:00 in Berlin (01:00Z) → Monday 09:05 in Berlin (08:05Z).
    expect(firstTouchAt(new Date("2026-11-28T01:00:00Z"), cal("Europe/Berlin"), WINDOW, middle).toISOString()).toBe("2026-11-30T08:05:00.000Z");
    // Saturday 02:00 in New York (07:00Z) → Monday 09:05 in New York (14:05Z).
    expect(firstTouchAt(new Date("2026-11-28T07:00:00Z"), cal("America/New_York"), WINDOW, middle).toISOString()).toBe("2026-11-30T14:05:00.000Z");
  });

  it("moves a lead arriving after hours to the next opening, and skips holidays", () => {
    // Wednesday 18:00 in New York, Thursday is Thanksgiving → Friday 09:05.
    expect(firstTouchAt(new Date("2026-11-25T23:00:00Z"), cal("America/New_York", ["2026-11-26"]), WINDOW, middle).toISOString()).toBe(
      "2026-11-27T14:05:00.000Z",
    );
  });

  it("is never sent at the exact opening second, and a delay that crosses the close moves to the next morning", () => {
    // Friday 16:58 + 5 min is after the 17:00 close → Monday 09:05.
    expect(firstTouchAt(new Date("2026-11-27T21:58:00Z"), cal("America/New_York"), WINDOW, middle).toISOString()).toBe("2026-11-30T14:05:00.000Z");
  });

  it("keeps to business hours in a half-hour zone (Asia/Kolkata)", () => {
    // Monday 08:00 IST (02:30Z): before opening → 09:05 IST = 03:35Z.
    expect(firstTouchAt(new Date("2026-11-23T02:30:00Z"), cal("Asia/Kolkata"), WINDOW, middle).toISOString()).toBe("2026-11-23T03:35:00.000Z");
    // Monday 12:00 IST (06:30Z): in hours → 12:05 IST.
    expect(firstTouchAt(new Date("2026-11-23T06:30:00Z"), cal("Asia/Kolkata"), WINDOW, middle).toISOString()).toBe("2026-11-23T06:35:00.000Z");
  });
});

describe("the delay window", () => {
  it("is bounded by its minimum and maximum", () => {
    expect(humanDelayMs(WINDOW, () => 0)).toBe(3 * MIN);
    expect(humanDelayMs(WINDOW, () => 0.999999999)).toBe(7 * MIN);
  });

  it("is spread evenly across the window", () => {
    const random = seeded(42);
    const draws = Array.from({ length: 20_000 }, () => humanDelayMs(WINDOW, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(3 * MIN);
    expect(Math.max(...draws)).toBeLessThanOrEqual(7 * MIN);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(Math.abs(mean - 5 * MIN)).toBeLessThan(0.02 * 5 * MIN);
    // Each of the four minutes gets about a quarter of the draws.
    const buckets = [0, 0, 0, 0];
    for (const d of draws) buckets[Math.min(3, Math.floor((d - 3 * MIN) / MIN))]!++;
    for (const count of buckets) {
      expect(count / draws.length).toBeGreaterThan(0.23);
      expect(count / draws.length).toBeLessThan(0.27);
    }
  });
});

describe("step plan", () => {
  it("spaces seed 000's steps by calendar days at the first touch's local time, skipping weekends and holidays", () => {
    // Tuesday 2026-11-10 10:00 New York (15:00Z); no holidays.
    expect(plan("2026-11-10T15:00:00Z", "America/New_York")).toEqual({
      "day-0": "2026-11-10T15:05:00.000Z", // Tue 10:05
      "day-2": "2026-11-12T15:05:00.000Z", // Thu 10:05
      "day-4": "2026-11-16T15:05:00.000Z", // Sat → Mon 10:05
      "day-7": "2026-11-17T15:05:00.000Z", // Tue 10:05
      "day-11": "2026-11-23T15:05:00.000Z", // Sat → Mon 10:05
      "day-14": "2026-11-24T15:05:00.000Z", // Tue 10:05
    });
  });

  it("moves a step that falls on a holiday to the same time on the next working day", () => {
    // Tuesday 2026-11-24 10:00; day 2 is Thanksgiving → Friday 10:05.
    expect(plan("2026-11-24T15:00:00Z", "America/New_York", ["2026-11-26"])["day-2"]).toBe("2026-11-27T15:05:00.000Z");
  });

  it("keeps the local time across the spring-forward change in New York", () => {
    // Friday 2026-03-06 14:00 EST (19:00Z); clocks go forward on Sunday 8 March.
    const steps = plan("2026-03-06T19:00:00Z", "America/New_York");
    expect(steps["day-0"]).toBe("2026-03-06T19:05:00.000Z"); // 14:05 EST
    expect(steps["day-4"]).toBe("2026-03-10T18:05:00.000Z"); // Tue 14:05 EDT
  });

  it("keeps the local time across the fall-back change in New York", () => {
    // Friday 2026-10-30 14:00 EDT (18:00Z); clocks go back on Sunday 1 November.
    expect(plan("2026-10-30T18:00:00Z", "America/New_York")["day-4"]).toBe("2026-11-03T19:05:00.000Z"); // Tue 14:05 EST
  });

  it("keeps the local time across both changes in Berlin", () => {
    // Thursday 2026-03-26 10:00 CET; summer time from Sunday 29 March → Monday 10:05 CEST.
    expect(plan("2026-03-26T09:00:00Z", "Europe/Berlin")["day-4"]).toBe("2026-03-30T08:05:00.000Z");
    // Thursday 2026-10-22 10:00 CEST; winter time from Sunday 25 October → Monday 10:05 CET.
    expect(plan("2026-10-22T08:00:00Z", "Europe/Berlin")["day-4"]).toBe("2026-10-26T09:05:00.000Z");
  });

  it("plans in Asia/Kolkata's half-hour offset", () => {
    // Tuesday 2026-11-24 11:00 IST (05:30Z) → day 2 Thursday 11:05 IST (05:35Z).
    expect(plan("2026-11-24T05:30:00Z", "Asia/Kolkata")["day-2"]).toBe("2026-11-26T05:35:00.000Z");
  });

  it("snoozes to the same local time on the next working day", () => {
    // Friday 11:00 New York → Monday 11:00; Wednesday 11:00 before Thanksgiving → Friday 11:00.
    expect(nextWorkingDay(new Date("2026-11-27T16:00:00Z"), cal("America/New_York")).toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(nextWorkingDay(new Date("2026-11-25T16:00:00Z"), cal("America/New_York", ["2026-11-26"])).toISOString()).toBe("2026-11-27T16:00:00.000Z");
  });
});
