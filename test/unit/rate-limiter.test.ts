import { describe, expect, it } from "vitest";
import { nextSlot, parseQuota, type Quota } from "../../src/outbox/rate-limiter";
import { seededRandom } from "../emulators/shared/faults";

/** Keeps only what RateLimiter.reserve keeps: the last `max` granted slots. */
class SimulatedLimiter {
  granted: number[] = [];
  pausedUntil = 0;
  constructor(private readonly quota: Quota) {}

  reserve(now: number): number {
    const slot = nextSlot(this.granted, this.quota, now, this.pausedUntil);
    this.granted.push(slot);
    if (this.granted.length > this.quota.max) this.granted = this.granted.slice(-this.quota.max);
    return slot;
  }

  pauseUntil(until: number): void {
    if (until > this.pausedUntil) this.pausedUntil = until;
  }
}

/** The most slots inside any closed window [t, t + windowMs], by a sliding window over the sorted slots. */
function busiestWindow(slots: number[], windowMs: number): number {
  const sorted = [...slots].sort((a, b) => a - b);
  let busiest = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMs) start++;
    busiest = Math.max(busiest, end - start + 1);
  }
  return busiest;
}

/** Arrival times with bursts (many at once), steady trickles and idle gaps, in increasing order. */
function arrivals(count: number, quota: Quota, random: () => number): number[] {
  const times: number[] = [];
  let t = 1_700_000_000_000;
  while (times.length < count) {
    const mode = random();
    if (mode < 0.3) {
      // A burst: many reservations in the same millisecond, up to several quotas' worth.
      const size = 1 + Math.floor(random() * quota.max * 3);
      for (let i = 0; i < size && times.length < count; i++) times.push(t);
    } else if (mode < 0.9) {
      t += Math.floor(random() * (quota.windowMs / quota.max) * 2);
      times.push(t);
    } else {
      t += Math.floor(random() * quota.windowMs * 3);
      times.push(t);
    }
  }
  return times;
}

const QUOTAS: Quota[] = [
  { max: 100, windowMs: 10_000 }, // HubSpot
  { max: 25, windowMs: 1_000 }, // Salesforce (tests)
  { max: 20, windowMs: 20_000 }, // Slack (tests)
  { max: 1, windowMs: 500 },
  { max: 7, windowMs: 3 },
];

describe("nextSlot", () => {
  it("grants at once while under quota", () => {
    const quota = { max: 3, windowMs: 1_000 };
    expect(nextSlot([], quota, 5_000, 0)).toBe(5_000);
    expect(nextSlot([5_000], quota, 5_000, 0)).toBe(5_000);
    expect(nextSlot([5_000, 5_000], quota, 5_010, 0)).toBe(5_010);
  });

  it("once the quota is used, waits until the oldest counted slot leaves the window, plus a margin", () => {
    const quota = { max: 3, windowMs: 1_000 };
    const slot = nextSlot([5_000, 5_100, 5_200], quota, 5_300, 0);
    expect(slot).toBeGreaterThan(5_000 + 1_000);
    expect(slot).toBeLessThan(5_000 + 1_000 + 1_000); // the margin is small next to the window
    // With the window long past, no wait.
    expect(nextSlot([5_000, 5_100, 5_200], quota, 9_000, 0)).toBe(9_000);
  });

  it("never grants before pausedUntil", () => {
    const quota = { max: 3, windowMs: 1_000 };
    expect(nextSlot([], quota, 5_000, 8_000)).toBe(8_000);
    expect(nextSlot([5_000, 5_100, 5_200], quota, 5_300, 8_000)).toBe(8_000);
    // A pause already over changes nothing.
    expect(nextSlot([], quota, 5_000, 4_000)).toBe(5_000);
  });

  it("never grants before now", () => {
    expect(nextSlot([1, 2, 3], { max: 3, windowMs: 10 }, 1_000, 0)).toBe(1_000);
  });

  for (const quota of QUOTAS) {
    it(`keeps 10,000 reservations at or under ${quota.max} per ${quota.windowMs} ms in every rolling window`, () => {
      const random = seededRandom(quota.max * 31 + quota.windowMs);
      const limiter = new SimulatedLimiter(quota);
      const times = arrivals(10_000, quota, random);
      const slots = times.map((now) => limiter.reserve(now));
      expect(slots).toHaveLength(10_000);
      slots.forEach((slot, i) => expect(slot).toBeGreaterThanOrEqual(times[i]!));
      expect(busiestWindow(slots, quota.windowMs)).toBeLessThanOrEqual(quota.max);
      // The quota is actually used: bursts fill whole windows rather than trickling one by one.
      expect(busiestWindow(slots, quota.windowMs)).toBe(quota.max);
      // Idle arrivals are not delayed.
      const idle = times.findIndex((t, i) => i > 0 && t - times[i - 1]! > quota.windowMs * 2 && t > slots[i - 1]! + quota.windowMs + 1_000);
      if (idle > 0) expect(slots[idle]).toBe(times[idle]);
    });
  }

  it("stays under quota when callers' clocks disagree (arrivals out of order)", () => {
    const quota = { max: 10, windowMs: 1_000 };
    const random = seededRandom(99);
    const limiter = new SimulatedLimiter(quota);
    const times = arrivals(10_000, quota, random).map((t) => t + Math.floor((random() - 0.5) * 4_000));
    const slots = times.map((now) => limiter.reserve(now));
    expect(busiestWindow(slots, quota.windowMs)).toBeLessThanOrEqual(quota.max);
  });

  it("respects pauses: nothing reserved after pauseUntil(t) is granted before t", () => {
    const quota = { max: 25, windowMs: 1_000 };
    const random = seededRandom(2024);
    const limiter = new SimulatedLimiter(quota);
    const times = arrivals(10_000, quota, random);
    const slots: number[] = [];
    let pauses = 0;
    times.forEach((now, i) => {
      if (random() < 0.005) {
        // A 429 with Retry-After: up to a minute, sometimes shorter than a pause already set.
        limiter.pauseUntil(now + Math.floor(random() * 60_000));
        pauses++;
      }
      const slot = limiter.reserve(now);
      expect(slot).toBeGreaterThanOrEqual(limiter.pausedUntil);
      expect(slot).toBeGreaterThanOrEqual(now);
      slots[i] = slot;
    });
    expect(pauses).toBeGreaterThan(10);
    expect(busiestWindow(slots, quota.windowMs)).toBeLessThanOrEqual(quota.max);
  });

  it("does not let a pause that ends be followed by more than max calls in one window", () => {
    const quota = { max: 5, windowMs: 1_000 };
    const limiter = new SimulatedLimiter(quota);
    limiter.pauseUntil(10_000);
    // Everybody piles up during the pause.
    const slots = Array.from({ length: 50 }, (_, i) => limiter.reserve(1_000 + i));
    expect(Math.min(...slots)).toBe(10_000);
    expect(busiestWindow(slots, quota.windowMs)).toBe(quota.max);
  });
});

describe("busiestWindow (the checker itself)", () => {
  it("counts a closed window", () => {
    expect(busiestWindow([0, 1_000, 2_000], 1_000)).toBe(2);
    expect(busiestWindow([0, 999, 1_001], 1_000)).toBe(2);
    expect(busiestWindow([5, 5, 5, 0], 0)).toBe(3);
    expect(busiestWindow([], 1_000)).toBe(0);
  });
});

describe("parseQuota", () => {
  it("reads count/window with ms, s and m", () => {
    expect(parseQuota("100/10s")).toEqual({ max: 100, windowMs: 10_000 });
    expect(parseQuota("25/1s")).toEqual({ max: 25, windowMs: 1_000 });
    expect(parseQuota("20/20s")).toEqual({ max: 20, windowMs: 20_000 });
    expect(parseQuota("10/500ms")).toEqual({ max: 10, windowMs: 500 });
    expect(parseQuota("5/2m")).toEqual({ max: 5, windowMs: 120_000 });
    expect(parseQuota(" 5 / 1.5 m ")).toEqual({ max: 5, windowMs: 90_000 });
  });

  it.each([
    "", " ", "100", "100/", "/10s", "100/10", "100 per 10s", "100/10h", "100/10S", "-1/10s", "1.5/10s",
    "1e2/10s", "100/-10s", "100/10s/2", "abc", "100/ten s", "0/10s", "100/0s",
  ])("rejects %j", (text) => {
    expect(() => parseQuota(text)).toThrow(/is not like "100\/10s"/);
  });
});
