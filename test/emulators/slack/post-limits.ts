import type { EmulatorResponse } from "../shared/server.ts";
import { TokenBucketLimiter } from "./token-bucket.ts";

/**
 * How chat.postMessage is limited and how a limited post is answered. Slack says "too fast" two
 * ways: HTTP 429 with Retry-After and `ratelimited` (its Web API tiers), and HTTP 200
 * `{"ok":false,"error":"rate_limited"}`, chat.postMessage's own error for an app posting faster
 * than about one message per second per channel (bursts tolerated).
 */
export interface PostLimitPlan {
  /** "429": HTTP 429 `ratelimited`; "rate_limited": HTTP 200 `{"ok":false,"error":"rate_limited"}`. */
  answer: "429" | "rate_limited";
  /** Enforce the per-channel limit below (the injected rate429 fault applies either way). */
  perChannel: boolean;
  /** Sustained messages per second per channel. */
  perChannelPerSecond: number;
  /** Messages a quiet channel may take at once. */
  perChannelBurst: number;
}

export const DEFAULT_POST_LIMITS: PostLimitPlan = { answer: "429", perChannel: true, perChannelPerSecond: 1, perChannelBurst: 3 };

/** The 429 form, for every Web API method. */
export function ratelimited(retryAfterSeconds: number): EmulatorResponse {
  return { status: 429, headers: { "Retry-After": String(retryAfterSeconds) }, body: { ok: false, error: "ratelimited" } };
}

/**
 * The 200 form. Slack documents no Retry-After with it: the emulator sends one when its
 * per-channel bucket knows when the next message may go, and none for an injected fault, so a
 * client meets both.
 */
export function rateLimitedOk(retryAfterSeconds?: number): EmulatorResponse {
  return {
    status: 200,
    ...(retryAfterSeconds === undefined ? {} : { headers: { "Retry-After": String(retryAfterSeconds) } }),
    body: { ok: false, error: "rate_limited" },
  };
}

/** A plan from PUT /_emulator/post_limits, onto the emulator's own defaults; undefined if malformed. */
function planOf(defaults: PostLimitPlan, input: Partial<PostLimitPlan>): PostLimitPlan | undefined {
  const plan = { ...defaults, ...input };
  const positive = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0;
  const valid =
    (plan.answer === "429" || plan.answer === "rate_limited") &&
    typeof plan.perChannel === "boolean" &&
    positive(plan.perChannelPerSecond) &&
    positive(plan.perChannelBurst);
  return valid ? plan : undefined;
}

/** chat.postMessage's limit: a token bucket per channel, and the form its answer takes. */
export class PostLimits {
  private plan: PostLimitPlan;
  private buckets: TokenBucketLimiter;
  private readonly defaults: PostLimitPlan;
  private readonly now: () => number;

  constructor(defaults: PostLimitPlan, now: () => number) {
    this.defaults = defaults;
    this.now = now;
    this.plan = defaults;
    this.buckets = new TokenBucketLimiter(defaults.perChannelBurst, defaults.perChannelPerSecond, now);
  }

  get current(): PostLimitPlan {
    return this.plan;
  }

  /** Replaces the plan (missing fields take the emulator's defaults) and refills every channel. */
  configure(input: Partial<PostLimitPlan>): PostLimitPlan | undefined {
    const plan = planOf(this.defaults, input);
    if (!plan) return undefined;
    this.plan = plan;
    this.buckets = new TokenBucketLimiter(plan.perChannelBurst, plan.perChannelPerSecond, this.now);
    return plan;
  }

  reset(): void {
    this.configure({});
  }

  /** Counts a post to the channel: undefined when it may go, else the answer to give. */
  take(channelId: string): EmulatorResponse | undefined {
    if (!this.plan.perChannel) return undefined;
    const taken = this.buckets.take(channelId);
    if (taken.allowed) return undefined;
    const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    return this.plan.answer === "rate_limited" ? rateLimitedOk(seconds) : ratelimited(seconds);
  }

  /** The answer to an injected rate-limit fault on chat.postMessage. */
  injected(): EmulatorResponse {
    return this.plan.answer === "rate_limited" ? rateLimitedOk() : ratelimited(1);
  }
}
