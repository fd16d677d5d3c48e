import type { Failure } from "./failure";

/** What one attempt at an effect came to: done (with the id the world gave it), or failed and how. */
export type Outcome = { ok: true; externalId?: string } | { ok: false; failure: Failure };

/**
 * Not attempted at all, because something it depends on has not happened yet (a task update
 * whose task is still being created): no attempt is spent, and it looks again after retryAfterMs.
 */
export interface Waiting {
  ok: false;
  waiting: { reason: string; retryAfterMs: number };
}

/** What the outbox records for an effect: an attempt's outcome, or a wait. */
export type EffectOutcome = Outcome | Waiting;

export const isWaiting = (outcome: EffectOutcome): outcome is Waiting => "waiting" in outcome;
