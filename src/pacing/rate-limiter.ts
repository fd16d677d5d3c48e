import { DurableObject } from "cloudflare:workers";
import { systemClock } from "../platform/clock";
import { endCall, type Grant, type LimiterState, type Quota, tryAcquire } from "./quota";
import { observationHistoryMs, type QuotaObservation, sharedQuota } from "./quota-share";

/** What a caller tells the limiter besides the quota: the product's share of the account, and how the account stood on the newest answer it saw. */
export interface AcquireOptions {
  share?: number;
  observation?: QuotaObservation;
  /** The caller tells when the call ended (`ended`): it is counted then, not at its grant plus a margin. */
  tellsEnd?: boolean;
}

/** The margin the counted instants of an older version's grants (stored as "granted") lacked. */
const LEGACY_MARGIN_MS = 500;

/**
 * One per rate-limit domain (a HubSpot portal, a Salesforce org, Slack). Every consumer asks it
 * before calling the API, so concurrent consumers together stay under the quota.
 */
export class RateLimiter extends DurableObject<Env> {
  private state: LimiterState = { counted: [], inFlight: [], pausedUntil: 0 };
  /** The newest answer's news of the account (kept in memory: a restart waits for the next answer). */
  private observation: QuotaObservation | undefined;
  private share = 1;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const legacy = await ctx.storage.get<number[]>("granted");
      this.state = {
        counted: (await ctx.storage.get<number[]>("counted")) ?? legacy?.map((at) => at + LEGACY_MARGIN_MS) ?? [],
        inFlight: (await ctx.storage.get<number[]>("inFlight")) ?? [],
        pausedUntil: (await ctx.storage.get<number>("pausedUntil")) ?? 0,
      };
    });
  }

  /** Counted with this object's clock, the same for every caller, so grants stay in order. */
  async acquire(quota: Quota, options: AcquireOptions = {}): Promise<Grant> {
    this.note(options);
    const now = systemClock.now();
    const grant = tryAcquire(this.state, this.effective(quota, now), now, quota.max, options.tellsEnd === true, this.historyMs(quota));
    if (grant.granted) await this.save();
    return grant;
  }

  /** The call granted at `at` (its grant's instant) ended: it is counted now, on this object's clock. */
  async ended(quota: Quota, at: number): Promise<void> {
    endCall(this.state, this.effective(quota, systemClock.now()), at, systemClock.now(), quota.max, this.historyMs(quota));
    await this.save();
  }

  private async save(): Promise<void> {
    await this.ctx.storage.put({ counted: this.state.counted, inFlight: this.state.inFlight });
  }

  /** A newer answer's news of the account, from a caller that made no call since (a read-only report). */
  async observe(options: AcquireOptions): Promise<void> {
    this.note(options);
  }

  /**
   * Calls granted in the rolling window that ends now, against the quota paced by now (the
   * configured one capped at the product's share of the account), and how the account stood on
   * the newest answer: read-only, the console's "calls against quota".
   */
  async usage(quota: Quota): Promise<{
    inWindow: number;
    max: number;
    windowMs: number;
    pausedUntil: number;
    configuredMax: number;
    share: number;
    shareReason: string;
    account: QuotaObservation | null;
  }> {
    const now = Date.now();
    const since = now - quota.windowMs;
    const effective = this.effective(quota, now);
    return {
      inWindow: this.state.counted.filter((t) => t > since && t <= now).length + this.state.inFlight.length,
      max: effective.max,
      windowMs: quota.windowMs,
      pausedUntil: this.state.pausedUntil,
      configuredMax: quota.max,
      share: this.share,
      shareReason: effective.reason,
      account: this.observation ?? null,
    };
  }

  private note(options: AcquireOptions): void {
    if (options.share !== undefined) this.share = options.share;
    const o = options.observation;
    if (o && (!this.observation || o.at >= this.observation.at)) this.observation = o;
  }

  /** How far back counted calls matter: the quota's window, or the newest observation's while it may be fresh. */
  private historyMs(quota: Quota): number {
    return Math.max(quota.windowMs, observationHistoryMs(this.observation));
  }

  /** The quota now: the configured one within the product's share of what the account has. */
  private effective(quota: Quota, now: number) {
    const o = this.observation;
    const windowMs = o?.windowMs ?? quota.windowMs;
    const own = o ? this.state.counted.filter((t) => t > o.at - windowMs && t <= o.at).length : 0;
    return sharedQuota(quota, this.share, o, own, now);
  }

  /** The API said stop (429 with Retry-After): nobody gets a slot before `until`. */
  async pauseUntil(until: number): Promise<void> {
    if (until <= this.state.pausedUntil) return;
    this.state.pausedUntil = until;
    await this.ctx.storage.put("pausedUntil", until);
  }
}
