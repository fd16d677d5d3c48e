/**
 * Slack's "about one message per second per channel, bursts tolerated" is a token bucket: after a
 * burst, the next message is allowed as soon as one token refills (Retry-After: 1). The shared
 * RollingWindowLimiter would instead stall the channel for the whole window after a burst.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly perSecond: number;
  private readonly now: () => number;

  constructor(capacity: number, perSecond: number, now: () => number) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.now = now;
  }

  take(key: string): { allowed: boolean; retryAfterMs: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: ((1 - bucket.tokens) / this.perSecond) * 1000 };
  }

  reset(): void {
    this.buckets.clear();
  }
}
