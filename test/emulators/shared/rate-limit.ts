/** A rolling-window limiter like HubSpot's "ten_secondly_rolling" policy. */
export class RollingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  max: number;
  windowMs: number;
  private readonly now: () => number;

  constructor(max: number, windowMs: number, now: () => number = Date.now) {
    this.max = max;
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Records a hit and says whether it was allowed, with what remains and when to retry. */
  /** `reserved`: calls of the window others (another app of the account) take, counted against the same limit. */
  take(key: string, reserved = 0): { allowed: boolean; remaining: number; retryAfterMs: number } {
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length + reserved >= this.max) {
      this.hits.set(key, recent);
      return { allowed: false, remaining: 0, retryAfterMs: recent.length > 0 ? recent[0]! + this.windowMs - now : this.windowMs };
    }
    recent.push(now);
    this.hits.set(key, recent);
    return { allowed: true, remaining: this.max - recent.length - reserved, retryAfterMs: 0 };
  }

  reset(): void {
    this.hits.clear();
  }
}
