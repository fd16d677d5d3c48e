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
 * A call the caller does not report the end of is counted from the instant the limiter grants
 * it plus this margin: the caller starts it right away, but the CRM counts it when it arrives,
 * and serialising the request, the network and the CRM's own queue come in between.
 */
const SAFETY_MARGIN_MS = 500;

/**
 * Pure slot assignment: the earliest instant ≥ now (and ≥ pausedUntil) at which one more call
 * keeps every rolling window at or under quota, given the instants the calls made are counted at
 * (oldest first) and how many calls are still in flight (counted at `now`: they may reach the
 * API at any moment until they end).
 */
export function nextSlot(counted: readonly number[], quota: Quota, now: number, pausedUntil: number, inFlight = 0): number {
  let slot = Math.max(now, pausedUntil);
  const total = counted.length + inFlight;
  if (total >= quota.max) slot = Math.max(slot, countedAtIndex(counted, inFlight, now, total - quota.max) + quota.windowMs);
  return slot;
}

/** The k-th oldest instant of `counted` with `inFlight` more calls counted at `now` sorted in. */
function countedAtIndex(counted: readonly number[], inFlight: number, now: number, k: number): number {
  if (inFlight === 0) return counted[k]!;
  // Only calls counted with the margin lie after now: few, so count them from the end.
  let upToNow = counted.length;
  while (upToNow > 0 && counted[upToNow - 1]! > now) upToNow--;
  if (k < upToNow) return counted[k]!;
  if (k < upToNow + inFlight) return now;
  return counted[k - inFlight]!;
}

/**
 * How far beyond the history (`historyMs`, else the window) a counted call is kept: instants from
 * clocks that disagree by a few seconds (an observation's comes from a caller's) must still find
 * it. Only so much: every grant stores the whole list, and a generous quota (50 emails a second, a
 * raised CRM quota) that kept a minute of calls stored thousands of instants on every grant (in
 * bench:rules' storm of reads, the limiter's grants took 18% of the local thread).
 */
const STALE_AFTER_MS = 5_000;

/**
 * A call in flight whose end was never told (its caller's isolate went away) is counted as
 * having ended this long after its grant: longer than any call's timeout.
 */
export const IN_FLIGHT_FOR_MS = 30_000;

/**
 * Start the call now (it has been counted), or ask again at `retryAt`. `at`: the grant's instant,
 * by which a caller that tells when its call ended names it.
 */
export type Grant = { granted: true; at?: number } | { granted: false; retryAt: number };

export interface LimiterState {
  /** The instants calls are counted at, oldest first; only the last `max` matter. */
  counted: number[];
  /** The grant instants of calls in flight whose callers will tell when they end. */
  inFlight: number[];
  pausedUntil: number;
}

/**
 * Grants a call only when it may start at once. A slot booked ahead would count the call at a
 * time it may well miss: a caller that oversleeps (a busy isolate) would arrive later than
 * counted while later slots were already spaced from the earlier time. A caller told to wait
 * asks again then; a pause set meanwhile applies to it too.
 *
 * `tellsEnd`: the caller reports when the call ended (`endCall`), and the call is counted at
 * that instant: it reached the API between its grant and its end, whatever delays came between,
 * so a window counted from ends can never hold more calls at the API than the quota. A caller
 * that does not tell is counted at its grant plus a margin, which a loaded machine can exceed.
 */
export function tryAcquire(state: LimiterState, quota: Quota, now: number, keep = quota.max, tellsEnd = false, historyMs = quota.windowMs): Grant {
  expireInFlight(state, now);
  const slot = nextSlot(state.counted, quota, now, state.pausedUntil, state.inFlight.length);
  if (slot > now) return { granted: false, retryAt: slot };
  if (tellsEnd) state.inFlight.push(now);
  else insertCounted(state, now + (quota.marginMs ?? SAFETY_MARGIN_MS));
  prune(state, quota, now, keep, historyMs);
  return tellsEnd ? { granted: true, at: now } : { granted: true };
}

/**
 * How much later than the limiter's clock said a call ended it is counted. The limiter's clock
 * and the API's are not one clock, and a runtime's clock reads the time of its last I/O, not the
 * instant: bench:crm saw windows at the emulator that began up to a few tens of ms before the
 * limiter's count of them (53 calls against 50). A fifth of a second covers that at a cost of 2%
 * of a 10 s window.
 */
export const END_MARGIN_MS = 200;

/**
 * The call granted at `at` ended: it is counted at `now` (the limiter's clock when told) plus
 * END_MARGIN_MS. A call no longer in flight (its end counted already) changes nothing.
 */
export function endCall(state: LimiterState, quota: Quota, at: number, now: number, keep = quota.max, historyMs = quota.windowMs): void {
  const i = state.inFlight.indexOf(at);
  if (i < 0) return;
  state.inFlight.splice(i, 1);
  insertCounted(state, Math.max(now, at) + END_MARGIN_MS);
  prune(state, quota, now, keep, historyMs);
}

/** Calls in flight for longer than any call may take: their callers went away without telling. */
function expireInFlight(state: LimiterState, now: number): void {
  const stale = state.inFlight.filter((at) => at <= now - IN_FLIGHT_FOR_MS);
  if (stale.length === 0) return;
  state.inFlight = state.inFlight.filter((at) => at > now - IN_FLIGHT_FOR_MS);
  for (const at of stale) insertCounted(state, at + IN_FLIGHT_FOR_MS);
}

function insertCounted(state: LimiterState, instant: number): void {
  let i = state.counted.length;
  while (i > 0 && state.counted[i - 1]! > instant) i--;
  state.counted.splice(i, 0, instant);
}

/**
 * `historyMs`: how far back counted calls still matter (the window, for slots and usage; longer
 * when the account's own window is, so the product's calls in it can be told from other apps').
 */
function prune(state: LimiterState, quota: Quota, now: number, keep: number, historyMs: number): void {
  // `keep`: the configured quota's count, so a share that shrinks for a while keeps the window's history.
  const kept = Math.max(quota.max, keep);
  if (state.counted.length > kept) state.counted.splice(0, state.counted.length - kept);
  // Calls counted before the history no longer bound any slot nor count in the account's window:
  // a generous quota (1,000,000 a second) would otherwise keep, and store on every grant, all of them.
  const horizon = now - Math.max(quota.windowMs, historyMs) - STALE_AFTER_MS;
  let stale = 0;
  while (stale < state.counted.length && state.counted[stale]! <= horizon) stale++;
  if (stale > 0) state.counted.splice(0, stale);
}
