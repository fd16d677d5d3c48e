import { DurableObject } from "cloudflare:workers";
import { systemClock } from "../platform/clock";
import { type Grant, type LimiterState, type Quota, tryAcquire } from "./quota";

/**
 * One per rate-limit domain (a HubSpot portal, a Salesforce org, Slack). Every consumer asks it
 * before calling the API, so concurrent consumers together stay under the quota.
 */
export class RateLimiter extends DurableObject<Env> {
  private state: LimiterState = { granted: [], pausedUntil: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.state = {
        granted: (await ctx.storage.get<number[]>("granted")) ?? [],
        pausedUntil: (await ctx.storage.get<number>("pausedUntil")) ?? 0,
      };
    });
  }

  /** Counted with this object's clock, the same for every caller, so grants stay in order. */
  async acquire(quota: Quota): Promise<Grant> {
    const grant = tryAcquire(this.state, quota, systemClock.now());
    if (grant.granted) await this.ctx.storage.put("granted", this.state.granted);
    return grant;
  }

  /** Calls granted in the rolling window that ends now (read-only: the console's "calls against quota"). */
  async usage(quota: Quota): Promise<{ inWindow: number; max: number; windowMs: number; pausedUntil: number }> {
    const since = Date.now() - quota.windowMs;
    return {
      inWindow: this.state.granted.filter((t) => t > since).length,
      max: quota.max,
      windowMs: quota.windowMs,
      pausedUntil: this.state.pausedUntil,
    };
  }

  /** The API said stop (429 with Retry-After): nobody gets a slot before `until`. */
  async pauseUntil(until: number): Promise<void> {
    if (until <= this.state.pausedUntil) return;
    this.state.pausedUntil = until;
    await this.ctx.storage.put("pausedUntil", until);
  }
}
