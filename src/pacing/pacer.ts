import { type Clock, systemClock } from "../platform/clock";
import { SlotTooFarAway } from "../platform/failure";
import type { Grant, Quota } from "./quota";
import type { QuotaObservation } from "./quota-share";

/** Longer waits give the consumer back to the queue: the effect is retried when the slot comes. */
const MAX_INLINE_WAIT_MS = 20_000;
const MIN_RETRY_WAIT_MS = 5;

/** What the pacer needs of the target's RateLimiter object. */
export interface Limiter {
  acquire(quota: Quota, options?: { share?: number; observation?: QuotaObservation }): Promise<Grant>;
}

/** Paces calls; `observe` takes the account's standing from an answer, told to the limiter with the next call. */
export interface Paced {
  (): Promise<void>;
  observe(observation: QuotaObservation | undefined): void;
}

/**
 * Waits until the target's limiter grants a call, then returns at once so the call starts
 * when it was counted. Other callers may take the slot it was told to wait for: it then waits
 * for the next one, until that is further off than it may wait.
 */
export function pacer(limiter: Limiter, quota: Quota, clock: Clock = systemClock, share?: number): Paced {
  let newest: QuotaObservation | undefined;
  const paced = async () => {
    const giveUpAt = clock.now() + MAX_INLINE_WAIT_MS;
    for (;;) {
      const grant = await limiter.acquire(quota, { ...(share !== undefined ? { share } : {}), ...(newest ? { observation: newest } : {}) });
      if (grant.granted) return;
      const wait = grant.retryAt - clock.now();
      if (grant.retryAt > giveUpAt) throw new SlotTooFarAway(wait);
      // retryAt is on the limiter's clock: one running behind ours must not make this spin.
      await clock.sleep(Math.max(wait, MIN_RETRY_WAIT_MS));
    }
  };
  return Object.assign(paced, {
    observe(observation: QuotaObservation | undefined) {
      if (observation && (!newest || observation.at >= newest.at)) newest = observation;
    },
  });
}
