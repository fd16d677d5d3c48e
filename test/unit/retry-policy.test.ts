import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, nextStep, retryDelayMs, type RetryPolicy } from "../../src/outbox/retry-policy";
import { type Failure, parseRetryAfter } from "../../src/platform/failure";
import { seededRandom } from "../emulators/shared/faults";

const policy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000 };
const transient: Failure = { kind: "transient", message: "HubSpot 503" };
const limited = (retryAfterMs?: number): Failure => ({ kind: "rateLimited", message: "HubSpot 429", retryAfterMs });
const permanent: Failure = { kind: "permanent", message: "HubSpot 400" };
const fixed = (value: number) => () => value;
/** The largest value Math.random can return. */
const ALMOST_ONE = 1 - 2 ** -53;
/** The jitter ceiling of attempt n: base·2^(n-1), capped. */
const ceiling = (attempt: number, p: RetryPolicy = policy) => Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));

describe("retryDelayMs: exponential backoff with full jitter", () => {
  it("stays in [0, base·2^(n-1)) for every attempt, capped at maxDelayMs", () => {
    const random = seededRandom(42);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const top = ceiling(attempt);
      for (let draw = 0; draw < 500; draw++) {
        const delay = retryDelayMs(attempt, transient, policy, random);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(top);
      }
    }
  });

  it("maps the random draw linearly onto the window", () => {
    expect(retryDelayMs(1, transient, policy, fixed(0))).toBe(0);
    expect(retryDelayMs(1, transient, policy, fixed(0.5))).toBe(500);
    expect(retryDelayMs(3, transient, policy, fixed(0.5))).toBe(2_000);
    expect(retryDelayMs(4, transient, policy, fixed(ALMOST_ONE))).toBe(7_999);
  });

  it("doubles the window each attempt until the cap", () => {
    const windows = Array.from({ length: 9 }, (_, i) => retryDelayMs(i + 1, transient, policy, fixed(ALMOST_ONE)) + 1);
    expect(windows).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("never exceeds maxDelayMs, however many attempts (no overflow to Infinity or NaN)", () => {
    for (const attempt of [50, 1_000, 2_000]) {
      const delay = retryDelayMs(attempt, transient, policy, fixed(ALMOST_ONE));
      expect(delay).toBe(policy.maxDelayMs - 1);
    }
  });

  it("treats attempt 0 like attempt 1", () => {
    expect(retryDelayMs(0, transient, policy, fixed(ALMOST_ONE))).toBe(999);
  });

  it("spreads draws over the whole window (seeded)", () => {
    const random = seededRandom(7);
    const delays = Array.from({ length: 2_000 }, () => retryDelayMs(5, transient, policy, random));
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.min(...delays)).toBeLessThan(200);
    expect(Math.max(...delays)).toBeGreaterThan(15_800);
    expect(mean).toBeGreaterThan(7_200);
    expect(mean).toBeLessThan(8_800);
  });

  it("never goes sooner than Retry-After", () => {
    const random = seededRandom(3);
    for (let attempt = 1; attempt <= 10; attempt++) {
      for (let draw = 0; draw < 200; draw++) {
        expect(retryDelayMs(attempt, limited(5_000), policy, random)).toBeGreaterThanOrEqual(5_000);
      }
    }
    expect(retryDelayMs(1, limited(5_000), policy, fixed(0))).toBe(5_000);
    // A jittered delay already beyond Retry-After is kept as drawn.
    expect(retryDelayMs(6, limited(5_000), policy, fixed(0.5))).toBe(16_000);
  });

  it("honours Retry-After on a transient failure too", () => {
    expect(retryDelayMs(1, { ...transient, retryAfterMs: 3_000 }, policy, fixed(0))).toBe(3_000);
  });

  it("has no floor when Retry-After is missing", () => {
    expect(retryDelayMs(1, limited(undefined), policy, fixed(0))).toBe(0);
  });

  // Current behaviour, pinned so a change is deliberate: the cap wins over Retry-After. The outbox
  // additionally pauses the target's RateLimiter until Retry-After, so the retry waits there.
  it("waits out a Retry-After even beyond maxDelayMs: sooner would only be refused again", () => {
    expect(retryDelayMs(1, limited(15 * 60_000), DEFAULT_RETRY_POLICY, fixed(0))).toBe(15 * 60_000);
  });
});

describe("nextStep", () => {
  it("never retries a permanent failure, even on the first attempt", () => {
    for (let attempt = 1; attempt <= policy.maxAttempts + 1; attempt++) {
      expect(nextStep(attempt, permanent, policy, fixed(0.5))).toEqual({ retry: false, reason: "permanent" });
    }
  });

  it("retries transient and rate-limited failures until maxAttempts, then gives up", () => {
    for (const failure of [transient, limited(1_000)]) {
      for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
        const verdict = nextStep(attempt, failure, policy, fixed(0.5));
        expect(verdict.retry).toBe(true);
      }
      expect(nextStep(policy.maxAttempts, failure, policy, fixed(0.5))).toEqual({ retry: false, reason: "exhausted" });
      expect(nextStep(policy.maxAttempts + 3, failure, policy, fixed(0.5))).toEqual({ retry: false, reason: "exhausted" });
    }
  });

  it("allows exactly maxAttempts attempts in all", () => {
    const random = seededRandom(11);
    let attempts = 0;
    let verdict: ReturnType<typeof nextStep>;
    do {
      attempts++;
      verdict = nextStep(attempts, transient, policy, random);
    } while (verdict.retry);
    expect(attempts).toBe(policy.maxAttempts);
    expect(verdict).toEqual({ retry: false, reason: "exhausted" });
  });

  it("gives the same delay as retryDelayMs for the same draw", () => {
    for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
      const a = nextStep(attempt, limited(2_500), policy, seededRandom(attempt));
      const b = retryDelayMs(attempt, limited(2_500), policy, seededRandom(attempt));
      expect(a).toEqual({ retry: true, delayMs: b });
    }
  });

  it("with maxAttempts 1 never retries", () => {
    expect(nextStep(1, transient, { ...policy, maxAttempts: 1 }, fixed(0))).toEqual({ retry: false, reason: "exhausted" });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 9, 21, 7, 28, 0);

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("1", now)).toBe(1_000);
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 30 ", now)).toBe(30_000);
  });

  it("rounds fractional seconds up to whole milliseconds", () => {
    expect(parseRetryAfter("1.5", now)).toBe(1_500);
    expect(parseRetryAfter("0.0001", now)).toBe(1);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 08:28:00 GMT", now)).toBe(3_600_000);
    // The obsolete forms HTTP still allows recipients to accept.
    expect(parseRetryAfter("Wednesday, 21-Oct-26 07:28:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed Oct 21 07:28:20 2026", now)).toBe(Date.parse("Wed Oct 21 07:28:20 2026") - now);
  });

  it("answers 0 for a date already past", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
  });

  it("answers undefined when there is no usable value", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("10 seconds", now)).toBeUndefined();
    expect(parseRetryAfter("1e3", now)).toBeUndefined();
  });
});
