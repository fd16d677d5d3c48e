import { DurableObject } from "cloudflare:workers";

/** Parsed "100/10s" quota: at most `max` calls in any rolling window of `windowMs`. */
export interface Quota {
  max: number;
  windowMs: number;
}

export function parseQuota(text: string): Quota {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(text);
  if (!match) throw new Error(`quota "${text}" is not like "100/10s"`);
  const unit = { ms: 1, s: 1_000, m: 60_000 }[match[3] as "ms" | "s" | "m"];
  const quota = { max: Number(match[1]), windowMs: Number(match[2]) * unit };
  // A zero count would make nextSlot answer NaN, which the pacer reads as "no wait": no limit at all.
  if (quota.max < 1 || quota.windowMs <= 0) throw new Error(`quota "${text}" is not like "100/10s": both numbers must be positive`);
  return quota;
}

/**
 * Clocks differ between this object, the consumer and the CRM, and requests take time to
 * arrive: spacing slots a little wider than the window keeps the CRM's own count under quota.
 */
const SAFETY_MARGIN_MS = 500;

/**
 * Pure slot assignment: the earliest instant ≥ now (and ≥ pausedUntil) at which one more call
 * keeps every rolling window at or under quota, given the start times already granted.
 */
export function nextSlot(granted: readonly number[], quota: Quota, now: number, pausedUntil: number): number {
  let slot = Math.max(now, pausedUntil);
  if (granted.length >= quota.max) slot = Math.max(slot, granted[granted.length - quota.max]! + quota.windowMs + SAFETY_MARGIN_MS);
  return slot;
}

/**
 * One per rate-limit domain (a HubSpot portal, a Salesforce org, Slack). Every consumer asks it
 * for a slot before calling the API, so concurrent consumers together stay under the quota.
 */
export class RateLimiter extends DurableObject<Env> {
  private granted: number[] = [];
  private pausedUntil = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.granted = (await ctx.storage.get<number[]>("granted")) ?? [];
      this.pausedUntil = (await ctx.storage.get<number>("pausedUntil")) ?? 0;
    });
  }

  /**
   * Reserves the next slot and returns when the caller may start its call. A slot further off
   * than `maxWaitMs` is only reported, not booked: the caller will not wait for it.
   */
  async reserve(quota: Quota, now: number = Date.now(), maxWaitMs = Number.POSITIVE_INFINITY): Promise<number> {
    const slot = nextSlot(this.granted, quota, now, this.pausedUntil);
    if (slot - now > maxWaitMs) return slot;
    this.granted.push(slot);
    if (this.granted.length > quota.max) this.granted = this.granted.slice(-quota.max);
    await this.ctx.storage.put("granted", this.granted);
    return slot;
  }

  /** The API said stop (429 with Retry-After): nobody gets a slot before `until`. */
  async pauseUntil(until: number): Promise<void> {
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    await this.ctx.storage.put("pausedUntil", until);
  }
}
