/**
 * Call quotas and the pure slot arithmetic of the rate limiter: which instant one more call may
 * start at so that every rolling window stays under quota.
 */
/** Parsed "100/10s" quota: at most `max` calls in any rolling window of `windowMs`. */
export interface Quota {
  max: number;
  windowMs: number;
  /**
   * The slack kept beyond each window (SAFETY_MARGIN_MS when absent). A send rate of 50 a second
   * cannot spare half a second per window; its own margin is a twentieth of the window.
   */
  marginMs?: number;
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
 * A call is counted from the instant the limiter grants it, and the caller starts it right away,
 * but the CRM counts it when it arrives: serialising the request, the network and the CRM's own
 * queue come in between, and not equally for every call. Spacing slots a little wider than the
 * window keeps the CRM's own count under quota.
 */
const SAFETY_MARGIN_MS = 500;

/**
 * Pure slot assignment: the earliest instant ≥ now (and ≥ pausedUntil) at which one more call
 * keeps every rolling window at or under quota, given the start times already granted (oldest first).
 */
export function nextSlot(granted: readonly number[], quota: Quota, now: number, pausedUntil: number): number {
  let slot = Math.max(now, pausedUntil);
  if (granted.length >= quota.max)
    slot = Math.max(slot, granted[granted.length - quota.max]! + quota.windowMs + (quota.marginMs ?? SAFETY_MARGIN_MS));
  return slot;
}

/** How far beyond a window a grant is kept: clocks of callers that disagree must still find it. */
const STALE_AFTER_MS = 60_000;

/** Start the call now (it has been counted), or ask again at `retryAt`. */
export type Grant = { granted: true } | { granted: false; retryAt: number };

export interface LimiterState {
  /** Start times granted, oldest first; only the last `max` matter. */
  granted: number[];
  pausedUntil: number;
}

/**
 * Grants a call only when it may start at once, and counts it at `now`. A slot booked ahead
 * would count the call at a time it may well miss: a caller that oversleeps (a busy isolate)
 * would arrive later than counted while later slots were already spaced from the earlier
 * time. A caller told to wait asks again then; a pause set meanwhile applies to it too.
 */
export function tryAcquire(state: LimiterState, quota: Quota, now: number, keep = quota.max): Grant {
  const slot = nextSlot(state.granted, quota, now, state.pausedUntil);
  if (slot > now) return { granted: false, retryAt: slot };
  state.granted.push(now);
  // `keep`: the configured quota's count, so a share that shrinks for a while keeps the window's history.
  const kept = Math.max(quota.max, keep);
  if (state.granted.length > kept) state.granted.splice(0, state.granted.length - kept);
  // Grants a minute older than a window no longer bound any slot (callers' clocks disagree by far
  // less): a generous quota (1,000,000 a second) would otherwise keep, and store on every grant,
  // a million of them.
  const horizon = now - quota.windowMs - SAFETY_MARGIN_MS - STALE_AFTER_MS;
  let stale = 0;
  while (stale < state.granted.length && state.granted[stale]! <= horizon) stale++;
  if (stale > 0) state.granted.splice(0, stale);
  return { granted: true };
}
