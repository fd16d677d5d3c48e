import type { Quota } from "./quota";

/**
 * A fair share of an account's API limit, which every app installed in the account draws from
 * (HubSpot: a portal's ten-secondly and daily limits; Salesforce: an org's daily requests). The
 * CRMs say how the account stands on their answers (X-HubSpot-RateLimit-Max / -Remaining /
 * -Interval-Milliseconds / -Daily / -Daily-Remaining; Sforce-Limit-Info: api-usage=used/limit);
 * from the newest of those, the product paces itself to at most `share` of the window's limit,
 * never more than the others leave, and slows down as the day's remaining allowance falls.
 * Pure: the RateLimiter object keeps the newest observation and asks this for the quota to apply.
 */
export interface QuotaObservation {
  /** When the answer came (ms). */
  at: number;
  /** The account's calls per window, and how many are left in the current one (all apps). */
  windowMax?: number;
  windowRemaining?: number;
  windowMs?: number;
  /** The account's calls per day, and how many are left today (all apps). */
  dailyMax?: number;
  dailyRemaining?: number;
}

/** A window's observation counts only while that window may still be the current one. */
const FRESH_FOR_WINDOWS = 2;

/**
 * How far back the limiter must keep its counted calls for this observation: while it is fresh,
 * its window (which may be longer than the quota's) is where the product's own calls are told
 * from the other apps'.
 */
export function observationHistoryMs(o: QuotaObservation | undefined): number {
  return o?.windowMs && o.windowMs > 0 ? (FRESH_FOR_WINDOWS + 1) * o.windowMs : 0;
}
/** Below this share of the day left slower and slower, down to the floor (never nothing: deadlines still matter). */
const DAILY_FLOOR = 0.02;

export interface SharedQuota extends Quota {
  /** Why it is what it is, for the console. */
  reason: string;
}

/**
 * The quota to pace by: the configured one, capped at `share` of the account's window limit (of
 * the configured quota itself while no fresh answer told the account's) and
 * at what the other apps left in the window (when the newest answer said so), scaled down once
 * more than `share` of the day's allowance is spent. `ownInWindow`: the product's calls in the
 * window that ended at the observation (the limiter's own count), so the others' use is the rest.
 */
export function sharedQuota(
  configured: Quota,
  share: number,
  observation: QuotaObservation | undefined,
  ownInWindow: number,
  now: number,
): SharedQuota {
  let max = configured.max;
  const reasons: string[] = [];
  const o = observation;
  const fresh = !!(o?.windowMax && o.windowMax > 0 && o.windowMs && now - o.at <= FRESH_FOR_WINDOWS * o.windowMs);
  if (!fresh && share < 1) {
    // No news of the account yet (or none lately): the configured quota is taken for the
    // account's, and the product keeps to its share of it until an answer says more.
    max = Math.floor(share * configured.max);
    reasons.push(`${Math.round(share * 100)}% of the configured ${configured.max} until the account's headers say more`);
  }
  if (o?.windowMax && o.windowMax > 0 && o.windowMs && fresh) {
    // The account's window may be another length than ours: compare rates over our window.
    const scale = configured.windowMs / o.windowMs;
    const shareMax = Math.floor(share * o.windowMax * scale);
    if (shareMax < max) {
      max = shareMax;
      reasons.push(`${Math.round(share * 100)}% of the account's ${o.windowMax} per ${o.windowMs / 1000} s`);
    }
    if (o.windowRemaining !== undefined) {
      const others = Math.max(0, o.windowMax - o.windowRemaining - ownInWindow);
      const left = Math.floor((o.windowMax - others) * scale);
      if (left < max) {
        max = left;
        reasons.push(`what other apps leave (${others} of ${o.windowMax} used by them)`);
      }
    }
  }
  if (o?.dailyMax && o.dailyMax > 0 && o.dailyRemaining !== undefined) {
    // Full speed while at least (1 − share) of the day is left for everyone; then slower, linearly.
    // (The whole account the product's: it slows down in the day's last 5%.)
    const factor = Math.min(1, Math.max(DAILY_FLOOR, o.dailyRemaining / (o.dailyMax * Math.max(1 - share, 0.05))));
    if (factor < 1) {
      max = Math.floor(max * factor);
      reasons.push(`${o.dailyRemaining} of the account's ${o.dailyMax} calls left today`);
    }
  }
  return {
    max: Math.max(1, max),
    windowMs: configured.windowMs,
    // The window's own margin (the email send rate's twentieth of a second) stays: without it the
    // CRMs' half second applies, and 50 a second is paced at 50 per 1.5 s.
    ...(configured.marginMs !== undefined ? { marginMs: configured.marginMs } : {}),
    reason: reasons.join("; ") || "the configured quota",
  };
}

/** HubSpot's rate-limit headers (names in lower case), as an observation; undefined when it sent none. */
export function hubspotObservation(headers: Record<string, string>, at: number): QuotaObservation | undefined {
  const n = (name: string) => {
    const value = Number(headers[name]);
    return headers[name] !== undefined && Number.isFinite(value) ? value : undefined;
  };
  const o: QuotaObservation = {
    at,
    windowMax: n("x-hubspot-ratelimit-max"),
    windowRemaining: n("x-hubspot-ratelimit-remaining"),
    windowMs: n("x-hubspot-ratelimit-interval-milliseconds"),
    dailyMax: n("x-hubspot-ratelimit-daily"),
    dailyRemaining: n("x-hubspot-ratelimit-daily-remaining"),
  };
  return o.windowMax !== undefined || o.dailyMax !== undefined ? o : undefined;
}

/** Salesforce's Sforce-Limit-Info (api-usage=used/limit, the org's day) as an observation. */
export function salesforceObservation(apiUsage: { used: number; limit: number } | undefined, at: number): QuotaObservation | undefined {
  if (!apiUsage || !(apiUsage.limit > 0)) return undefined;
  return { at, dailyMax: apiUsage.limit, dailyRemaining: Math.max(0, apiUsage.limit - apiUsage.used) };
}
