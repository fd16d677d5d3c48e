import { describe, expect, it } from "vitest";
import { SlotTooFarAway } from "../../src/platform/failure";
import {
  END_MARGIN_MS,
  endCall,
  type Grant,
  IN_FLIGHT_FOR_MS,
  type LimiterState,
  nextSlot,
  parseQuota,
  type Quota,
  tryAcquire,
} from "../../src/pacing/quota";
import { pacer } from "../../src/pacing/pacer";
import { seededRandom } from "../emulators/shared/faults";

/** A min-heap of callers by the time they ask (then by arrival order, as a FIFO would). */
class AskQueue {
  private items: { at: number; caller: number }[] = [];
  get size() {
    return this.items.length;
  }

  push(item: { at: number; caller: number }) {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  peek(): { at: number; caller: number } {
    return this.items[0]!;
  }

  pop(): { at: number; caller: number } {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  private before(x: { at: number; caller: number }, y: { at: number; caller: number }) {
    return x.at < y.at || (x.at === y.at && x.caller < y.caller);
  }
}

/**
 * Calls made through the pacer's protocol against one limiter, by `lanes` callers that each
 * make one call at a time (taking `callMs`), in arrival order: a caller asks when the call has
 * arrived and it is free and, told to wait, asks again at retryAt. `beforeAsk` runs before every
 * ask (to set pauses). Returns when each call was granted.
 */
function runCalls(
  quota: Quota,
  arrivalTimes: number[],
  {
    lanes = 16,
    callMs = 50,
    beforeAsk = () => {},
  }: {
    lanes?: number;
    callMs?: number;
    beforeAsk?: (state: LimiterState, now: number) => void;
  } = {},
): number[] {
  const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
  const grants: number[] = new Array(arrivalTimes.length);
  const asking = new AskQueue();
  let next = 0;
  const take = (freeAt: number) => {
    if (next < arrivalTimes.length) asking.push({ at: Math.max(freeAt, arrivalTimes[next]!), caller: next++ });
  };
  for (let i = 0; i < lanes; i++) take(Number.NEGATIVE_INFINITY);
  while (asking.size > 0) {
    const { at, caller } = asking.pop();
    beforeAsk(state, at);
    const grant = tryAcquire(state, quota, at);
    if (grant.granted) {
      grants[caller] = at;
      take(at + callMs);
    } else {
      expect(grant.retryAt).toBeGreaterThan(at);
      asking.push({ at: grant.retryAt, caller });
    }
  }
  return grants;
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

  it("once the quota is used, waits until the oldest counted call leaves the window", () => {
    const quota = { max: 3, windowMs: 1_000 };
    expect(nextSlot([5_000, 5_100, 5_200], quota, 5_300, 0)).toBe(5_000 + 1_000);
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

  it("counts calls in flight at now: with the window's last call still on its way, nothing before a window from now", () => {
    const quota = { max: 3, windowMs: 1_000 };
    // Two ended calls and one in flight: the in-flight one may reach the API any moment.
    expect(nextSlot([5_000, 5_100], quota, 5_300, 0, 1)).toBe(6_000);
    expect(nextSlot([5_000], quota, 5_300, 0, 2)).toBe(6_000);
    expect(nextSlot([], quota, 5_300, 0, 3)).toBe(6_300);
    // Calls counted later than now (a grant's margin) stay after the ones in flight.
    expect(nextSlot([5_000, 5_800], quota, 5_300, 0, 1)).toBe(6_000);
    expect(nextSlot([5_400, 5_800], quota, 5_300, 0, 1)).toBe(6_300);
  });
});

describe("tryAcquire", () => {
  it("grants at once while under quota, and counts a call whose end it is not told at the grant plus a margin", () => {
    const quota = { max: 2, windowMs: 1_000 };
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    expect(tryAcquire(state, quota, 5_000)).toEqual({ granted: true });
    expect(tryAcquire(state, quota, 5_040)).toEqual({ granted: true });
    expect(state.counted).toEqual([5_500, 5_540]);
    expect(tryAcquire(state, { ...quota, marginMs: 50 }, 7_000)).toEqual({ granted: true });
    expect(state.counted).toEqual([5_540, 7_050]);
  });

  it("counts a call whose caller tells its end as in flight, then at its end (plus a small margin)", () => {
    const quota = { max: 2, windowMs: 1_000 };
    const m = END_MARGIN_MS;
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    expect(tryAcquire(state, quota, 5_000, quota.max, true)).toEqual({ granted: true, at: 5_000 });
    expect(tryAcquire(state, quota, 5_040, quota.max, true)).toEqual({ granted: true, at: 5_040 });
    expect(state.inFlight).toEqual([5_000, 5_040]);
    // Both still on their way 3 s later: either may reach the API now.
    expect(tryAcquire(state, quota, 8_000, quota.max, true)).toEqual({ granted: false, retryAt: 9_000 });
    endCall(state, quota, 5_040, 8_100 - m);
    expect(state).toMatchObject({ counted: [8_100], inFlight: [5_000] });
    expect(tryAcquire(state, quota, 8_200, quota.max, true)).toEqual({ granted: false, retryAt: 9_100 });
    endCall(state, quota, 5_000, 8_300 - m);
    expect(tryAcquire(state, quota, 9_100, quota.max, true)).toEqual({ granted: true, at: 9_100 });
    // An end told twice (or after the limiter gave up on the call) changes nothing.
    endCall(state, quota, 5_000, 9_200);
    expect(state).toMatchObject({ counted: [8_100, 8_300], inFlight: [9_100] });
  });

  it("counts a call whose end is never told as ended when no call can still be on its way", () => {
    const quota = { max: 1, windowMs: 1_000 };
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    expect(tryAcquire(state, quota, 5_000, quota.max, true).granted).toBe(true);
    expect(tryAcquire(state, quota, 5_000 + IN_FLIGHT_FOR_MS - 1, quota.max, true)).toMatchObject({ granted: false });
    expect(tryAcquire(state, quota, 5_000 + IN_FLIGHT_FOR_MS, quota.max, true)).toEqual({
      granted: false,
      retryAt: 5_000 + IN_FLIGHT_FOR_MS + 1_000,
    });
    expect(state).toMatchObject({ counted: [5_000 + IN_FLIGHT_FOR_MS], inFlight: [] });
  });

  it("books nothing for a caller told to wait, and says when the next call may start", () => {
    const quota = { max: 2, windowMs: 1_000 };
    const state: LimiterState = { counted: [5_000, 5_040], inFlight: [], pausedUntil: 0 };
    const wait = tryAcquire(state, quota, 5_100) as Extract<Grant, { granted: false }>;
    expect(wait.granted).toBe(false);
    expect(wait.retryAt).toBe(nextSlot([5_000, 5_040], quota, 5_100, 0));
    expect(state.counted).toEqual([5_000, 5_040]);
    // Asking again at retryAt is granted, and counted then (with the margin).
    expect(tryAcquire(state, quota, wait.retryAt)).toEqual({ granted: true });
    expect(state.counted).toEqual([5_040, wait.retryAt + 500]);
  });

  it("keeps only the last max grants", () => {
    const quota = { max: 3, windowMs: 10 };
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    // A long history asked for: the count alone bounds what is kept.
    for (let t = 0; t < 10_000; t += 1_000) expect(tryAcquire(state, quota, t, quota.max, false, 60_000).granted).toBe(true);
    expect(state.counted).toEqual([7_500, 8_500, 9_500]);
  });

  it("with a generous quota keeps only the window's grants and a few seconds more, not the quota's count", () => {
    // Every grant stores the list: a minute of 100 calls a second stored 6,000 instants each time.
    const quota = { max: 1_000_000, windowMs: 1_000 };
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    for (let t = 0; t < 300_000; t += 10) tryAcquire(state, quota, t);
    expect(state.counted.length).toBeLessThanOrEqual(651);
    expect(state.counted[0]).toBeGreaterThan(300_000 - 6_500);
  });

  it("keeps a longer history when asked (the account's window, where the product's own calls are counted)", () => {
    const quota = { max: 1_000_000, windowMs: 1_000 };
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    for (let t = 0; t < 60_000; t += 10) tryAcquire(state, quota, t, quota.max, false, 30_000);
    expect(state.counted[0]).toBeLessThanOrEqual(60_000 - 30_000);
    expect(state.counted[0]).toBeGreaterThan(60_000 - 35_600);
  });

  it("holds a caller that was told to wait before a pause set meanwhile", () => {
    const quota = { max: 1, windowMs: 1_000 };
    const state: LimiterState = { counted: [0], inFlight: [], pausedUntil: 0 };
    const wait = tryAcquire(state, quota, 10) as Extract<Grant, { granted: false }>;
    state.pausedUntil = wait.retryAt + 5_000; // a 429 came back while it slept
    expect(tryAcquire(state, quota, wait.retryAt)).toEqual({ granted: false, retryAt: wait.retryAt + 5_000 });
  });

  it("serves a burst window by window", () => {
    const quota = { max: 100, windowMs: 10_000 };
    const grants = runCalls(
      quota,
      Array.from({ length: 250 }, () => 1_000),
      { lanes: 250 },
    );
    const starts = [...new Set(grants)].sort((a, b) => a - b);
    expect(starts).toHaveLength(3);
    expect(grants.filter((g) => g === starts[0]).length).toBe(100);
    expect(grants.filter((g) => g === starts[1]).length).toBe(100);
    expect(starts[0]).toBe(1_000);
    // One window and the small margin apart: the quota is used, not trickled.
    expect(starts[1]! - starts[0]!).toBeGreaterThan(10_000);
    expect(starts[1]! - starts[0]!).toBeLessThan(11_000);
  });

  for (const quota of QUOTAS) {
    it(`keeps 10,000 calls at or under ${quota.max} per ${quota.windowMs} ms in every rolling window`, () => {
      const random = seededRandom(quota.max * 31 + quota.windowMs);
      const times = arrivals(10_000, quota, random);
      const grants = runCalls(quota, times);
      expect(grants.filter((g) => g !== undefined)).toHaveLength(10_000);
      grants.forEach((grant, i) => {
        expect(grant).toBeGreaterThanOrEqual(times[i]!);
      });
      expect(busiestWindow(grants, quota.windowMs)).toBeLessThanOrEqual(quota.max);
      // The quota is actually used: bursts fill whole windows rather than trickling one by one.
      expect(busiestWindow(grants, quota.windowMs)).toBe(quota.max);
      // Idle arrivals are not delayed.
      let latestBefore = Number.NEGATIVE_INFINITY;
      const idle = times.findIndex((t, i) => {
        if (i > 0) latestBefore = Math.max(latestBefore, grants[i - 1]!);
        return i > 0 && t > latestBefore + quota.windowMs + 1_000;
      });
      if (idle > 0) expect(grants[idle]).toBe(times[idle]);
    });
  }

  it("stays under quota when the limiter is asked out of order (callers' clocks disagree)", () => {
    const quota = { max: 10, windowMs: 1_000 };
    const random = seededRandom(99);
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    const times = arrivals(10_000, quota, random).map((t) => t + Math.floor((random() - 0.5) * 4_000));
    // No retries here: only the grants made, whatever the order of the clocks they were made at.
    const grants = times.filter((now) => tryAcquire(state, quota, now).granted);
    expect(grants.length).toBeGreaterThan(1_000);
    expect(busiestWindow(grants, quota.windowMs)).toBeLessThanOrEqual(quota.max);
  });

  /**
   * Calls by `lanes` callers that each make one at a time, as fast as they are granted, where a
   * call reaches the API a varying while after its grant (a loaded machine: 0–`maxDelayMs`, now
   * and then much longer) and its answer comes back up to 200 ms after that. Returns when the
   * calls reached the API.
   */
  function delayedCalls(quota: Quota, count: number, tellsEnd: boolean, maxDelayMs: number, seed: number): number[] {
    const random = seededRandom(seed);
    const state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
    const arrived: number[] = [];
    const asking = new AskQueue();
    const ends: { at: number; grantedAt: number; caller: number }[] = [];
    for (let caller = 0; caller < 16; caller++) asking.push({ at: 1_000, caller });
    while (arrived.length < count) {
      const end = ends.reduce((first, e, i) => (first < 0 || e.at < ends[first]!.at ? i : first), -1);
      if (end >= 0 && (asking.size === 0 || ends[end]!.at <= asking.peek().at)) {
        const [e] = ends.splice(end, 1);
        if (tellsEnd) endCall(state, quota, e!.grantedAt, e!.at);
        asking.push({ at: e!.at, caller: e!.caller });
        continue;
      }
      const { at, caller } = asking.pop();
      const grant = tryAcquire(state, quota, at, quota.max, tellsEnd);
      if (!grant.granted) {
        asking.push({ at: grant.retryAt, caller });
        continue;
      }
      const delay = Math.floor(random() * (random() < 0.05 ? maxDelayMs * 3 : maxDelayMs));
      arrived.push(at + delay);
      ends.push({ at: at + delay + 1 + Math.floor(random() * 200), grantedAt: at, caller });
    }
    return arrived;
  }

  /** The most calls in any window [t, t + windowMs), the way HubSpot (and its emulator) count them. */
  function busiestAtApi(arrived: number[], windowMs: number): number {
    const sorted = [...arrived].sort((a, b) => a - b);
    let busiest = 0;
    for (let end = 0, start = 0; end < sorted.length; end++) {
      while (sorted[end]! - sorted[start]! >= windowMs) start++;
      busiest = Math.max(busiest, end - start + 1);
    }
    return busiest;
  }

  it("keeps the calls at the API within quota whatever delays lie between grant and arrival, when calls are counted until they end", () => {
    const quota = { max: 50, windowMs: 10_000 };
    for (const [seed, maxDelayMs] of [
      [1, 300],
      [2, 1_000],
      [3, 3_000],
    ] as const) {
      expect(busiestAtApi(delayedCalls(quota, 3_000, true, maxDelayMs, seed), quota.windowMs)).toBeLessThanOrEqual(quota.max);
    }
    // Counted at the grant plus the margin (callers that do not tell their ends), delays beyond the margin break it.
    expect(busiestAtApi(delayedCalls(quota, 3_000, false, 1_000, 2), quota.windowMs)).toBeGreaterThan(quota.max);
  });

  it("counted until they end, calls still get close to the quota when they are quick", () => {
    const quota = { max: 50, windowMs: 10_000 };
    const arrived = delayedCalls(quota, 3_000, true, 100, 4);
    const sorted = [...arrived].sort((a, b) => a - b);
    // 3,000 calls at 50 per 10 s take 600 s; each window spends a call's time more.
    const windows = (sorted.at(-1)! - sorted[0]!) / quota.windowMs;
    expect(3_000 / windows).toBeGreaterThan(quota.max * 0.94);
  });

  it("respects pauses: nothing is granted while paused", () => {
    const quota = { max: 25, windowMs: 1_000 };
    const random = seededRandom(2024);
    const pauses: [number, number][] = [];
    const grants = runCalls(quota, arrivals(10_000, quota, random), {
      beforeAsk: (state, now) => {
        if (random() < 0.002) {
          // A 429 with Retry-After: up to a minute, sometimes shorter than a pause already set.
          const until = now + Math.floor(random() * 60_000);
          pauses.push([now, until]);
          state.pausedUntil = Math.max(state.pausedUntil, until);
        }
      },
    });
    expect(pauses.length).toBeGreaterThan(10);
    // A call granted in the same instant the 429 came back was already on its way.
    for (const [from, until] of pauses) expect(grants.filter((g) => g > from && g < until)).toEqual([]);
    expect(busiestWindow(grants, quota.windowMs)).toBeLessThanOrEqual(quota.max);
  });

  it("does not let a pause that ends be followed by more than max calls in one window", () => {
    const quota = { max: 5, windowMs: 1_000 };
    // Everybody piles up during the pause.
    const grants = runCalls(
      quota,
      Array.from({ length: 50 }, (_, i) => 1_000 + i),
      {
        lanes: 50,
        beforeAsk: (state) => {
          state.pausedUntil = 10_000;
        },
      },
    );
    expect(Math.min(...grants)).toBe(10_000);
    expect(busiestWindow(grants, quota.windowMs)).toBe(quota.max);
  });
});

describe("pacer", () => {
  const quota = { max: 100, windowMs: 10_000 };

  /** A limiter that answers from a script, and a clock that advances only when slept. */
  function scripted(answers: Grant[]) {
    let now = 1_000;
    const asked: number[] = [];
    const slept: number[] = [];
    const limiter = {
      acquire: async () => {
        asked.push(now);
        return answers.shift() ?? { granted: true as const };
      },
    };
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
    };
    return { limiter, clock, asked, slept };
  }

  it("returns at once when granted", async () => {
    const { limiter, clock, slept } = scripted([{ granted: true }]);
    await pacer(limiter, quota, clock)();
    expect(slept).toEqual([]);
  });

  it("sleeps until it may start and asks again, also when someone else took that slot", async () => {
    const { limiter, clock, asked } = scripted([{ granted: false, retryAt: 3_000 }, { granted: false, retryAt: 3_020 }, { granted: true }]);
    await pacer(limiter, quota, clock)();
    expect(asked).toEqual([1_000, 3_000, 3_020]);
  });

  it("gives the effect back to the queue when the next slot is more than 20 s away, having booked nothing", async () => {
    const { limiter, clock, slept } = scripted([{ granted: false, retryAt: 1_000 + 25_000 }]);
    const error = await pacer(limiter, quota, clock)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlotTooFarAway);
    expect((error as SlotTooFarAway).retryAfterMs).toBe(25_000);
    expect(slept).toEqual([]);
  });

  it("gives up once its 20 s are spent, however the slots slipped away", async () => {
    const { limiter, clock } = scripted(Array.from({ length: 100 }, (_, i) => ({ granted: false as const, retryAt: 1_000 + (i + 1) * 4_000 })));
    await expect(pacer(limiter, quota, clock)()).rejects.toBeInstanceOf(SlotTooFarAway);
  });

  it("until the end: asks for a call counted until it ends, and tells the limiter its grant's instant when it has", async () => {
    const { limiter, clock, asked } = scripted([
      { granted: false, retryAt: 1_200 },
      { granted: true, at: 1_200 },
    ]);
    const acquired: unknown[] = [];
    const ended: number[] = [];
    const telling = {
      acquire: async (_q: Quota, options?: unknown) => {
        acquired.push(options);
        return limiter.acquire();
      },
      ended: async (_q: Quota, at: number) => {
        ended.push(at);
      },
    };
    const done = await pacer(telling, quota, clock, 0.5).untilEnd();
    expect(asked).toEqual([1_000, 1_200]);
    expect(acquired).toEqual([
      { share: 0.5, tellsEnd: true },
      { share: 0.5, tellsEnd: true },
    ]);
    expect(ended).toEqual([]);
    await done();
    expect(ended).toEqual([1_200]);
  });

  it("until the end, with a limiter that takes no ends: paced as a call counted at its grant", async () => {
    const { limiter, clock } = scripted([{ granted: true }]);
    const acquired: unknown[] = [];
    const plain = {
      acquire: async (_q: Quota, options?: unknown) => {
        acquired.push(options);
        return limiter.acquire();
      },
    };
    const done = await pacer(plain, quota, clock).untilEnd();
    expect(acquired).toEqual([{}]);
    await done();
  });

  it("does not spin when the limiter's clock is behind and retryAt has already passed here", async () => {
    const { limiter, clock, slept } = scripted([{ granted: false, retryAt: 900 }, { granted: true }]);
    await pacer(limiter, quota, clock)();
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(0);
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
    "",
    " ",
    "100",
    "100/",
    "/10s",
    "100/10",
    "100 per 10s",
    "100/10h",
    "100/10S",
    "-1/10s",
    "1.5/10s",
    "1e2/10s",
    "100/-10s",
    "100/10s/2",
    "abc",
    "100/ten s",
    "0/10s",
    "100/0s",
  ])("rejects %j", (text) => {
    expect(() => parseQuota(text)).toThrow(/is not like "100\/10s"/);
  });
});
