/**
 * A send rate in messages per second, the way an email API limits an account: a token bucket
 * holding up to `burst` messages, refilling `perSecond` a second. The shared RollingWindowLimiter
 * counts calls; here a Postmark batch of 500 counts 500 messages, and is taken or refused whole.
 * A batch larger than what the bucket holds may borrow against the next seconds (the bucket goes
 * negative), so over any long stretch no more than `perSecond` messages a second get through.
 */
export interface SendRatePlan {
  /** Enforce the rate at all (injected 429 faults apply either way). */
  enabled: boolean;
  perSecond: number;
  /** Messages a quiet account may send at once. */
  burst: number;
}

export interface SendRateDecision {
  allowed: boolean;
  /** When to try again, if refused. */
  retryAfterMs: number;
}

function planOf(defaults: SendRatePlan, input: Partial<SendRatePlan>): SendRatePlan | undefined {
  const plan = { ...defaults, ...input };
  const positive = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0;
  return typeof plan.enabled === "boolean" && positive(plan.perSecond) && positive(plan.burst) ? plan : undefined;
}

export class SendRate {
  private plan: SendRatePlan;
  private readonly defaults: SendRatePlan;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(defaults: SendRatePlan, now: () => number) {
    this.defaults = defaults;
    this.plan = defaults;
    this.now = now;
  }

  get current(): SendRatePlan {
    return this.plan;
  }

  /** Replaces the plan (missing fields take the emulator's options) and refills every bucket; undefined if malformed. */
  configure(input: Partial<SendRatePlan>): SendRatePlan | undefined {
    const plan = planOf(this.defaults, input);
    if (!plan) return undefined;
    this.plan = plan;
    this.buckets.clear();
    return plan;
  }

  reset(): void {
    this.configure({});
  }

  /** Counts `messages` against the key's rate, all or none. */
  take(key: string, messages = 1): SendRateDecision {
    if (!this.plan.enabled) return { allowed: true, retryAfterMs: 0 };
    const { perSecond, burst } = this.plan;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    // A request may go when the bucket holds as much as it could ever hold for it.
    const needed = Math.min(messages, burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= messages;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((needed - bucket.tokens) / perSecond) * 1000) };
  }
}
