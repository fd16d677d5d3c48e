import type { Failure } from "../platform/failure";

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 10 * 60_000 };

/**
 * Exponential backoff with full jitter (a uniform draw in [0, base·2^(attempt-1)]), never
 * sooner than the server's Retry-After. `random` is injected so the schedule is testable.
 */
export function retryDelayMs(attempt: number, failure: Failure, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  const floor = "retryAfterMs" in failure && failure.retryAfterMs !== undefined ? failure.retryAfterMs : 0;
  // The server's Retry-After wins over our cap: calling sooner would only be refused again.
  return Math.max(jittered, floor);
}

export type Verdict = { retry: true; delayMs: number } | { retry: false; reason: "permanent" | "exhausted" };

/** `attempt` is the number of attempts made so far, including the one that just failed. */
export function nextStep(attempt: number, failure: Failure, policy: RetryPolicy, random: () => number): Verdict {
  if (failure.kind === "permanent") return { retry: false, reason: "permanent" };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: "exhausted" };
  return { retry: true, delayMs: retryDelayMs(attempt, failure, policy, random) };
}
