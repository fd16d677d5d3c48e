/**
 * Fault injection shared by the emulators. Each incoming API call draws once from a seeded
 * PRNG; the plan's rates are probabilities of each fault (they add up to at most 1).
 */
export interface FaultPlan {
  /** Answer 429 as if the rate limit were hit (without counting against it). */
  rate429: number;
  /** Answer 500/502/503 without doing anything. */
  rate5xx: number;
  /** Hang for timeoutMs, then drop the connection, without doing anything. */
  rateTimeout: number;
  /** Do the work, then drop the connection: the caller cannot know it succeeded. */
  rateLostResponse: number;
  timeoutMs: number;
  seed: number;
}

export type Fault = "none" | "429" | "5xx" | "timeout" | "lost-response";

export const NO_FAULTS: FaultPlan = { rate429: 0, rate5xx: 0, rateTimeout: 0, rateLostResponse: 0, timeoutMs: 2_000, seed: 1 };

/** mulberry32: small, fast, good enough to make fault sequences reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private plan: FaultPlan = NO_FAULTS;
  private random = seededRandom(NO_FAULTS.seed);

  configure(plan: Partial<FaultPlan>): FaultPlan {
    this.plan = { ...NO_FAULTS, ...plan };
    this.random = seededRandom(this.plan.seed);
    return this.plan;
  }

  get current(): FaultPlan {
    return this.plan;
  }

  draw(): Fault {
    const { rate429, rate5xx, rateTimeout, rateLostResponse } = this.plan;
    if (rate429 + rate5xx + rateTimeout + rateLostResponse === 0) return "none";
    const r = this.random();
    if (r < rate429) return "429";
    if (r < rate429 + rate5xx) return "5xx";
    if (r < rate429 + rate5xx + rateTimeout) return "timeout";
    if (r < rate429 + rate5xx + rateTimeout + rateLostResponse) return "lost-response";
    return "none";
  }
}
