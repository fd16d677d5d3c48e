import { type Clock, systemClock } from "../platform/clock";
import { SlotTooFarAway } from "../platform/failure";
import type { Grant, Quota } from "./quota";
import type { QuotaObservation } from "./quota-share";

/** Longer waits give the consumer back to the queue: the effect is retried when the slot comes. */
const MAX_INLINE_WAIT_MS = 20_000;
const MIN_RETRY_WAIT_MS = 5;

/** What the pacer needs of the target's RateLimiter object. */
export interface Limiter {
  acquire(quota: Quota, options?: { share?: number; observation?: QuotaObservation; tellsEnd?: boolean }): Promise<Grant>;
  /** The call granted at `at` ended (limiters of callers that use `untilEnd`). */
  ended?(quota: Quota, at: number): Promise<void>;
}

/** Tells the limiter that the call it was given for has ended; never throws. */
export type CallEnded = () => Promise<void>;

/**
 * Paces calls; `observe` takes the account's standing from an answer, told to the limiter with
 * the next call. `untilEnd` paces a call that is counted until the caller says it ended (the
 * function it returns): the window then holds at the API whatever the delays on the way.
 */
export interface Paced {
  (): Promise<void>;
  untilEnd(): Promise<CallEnded>;
  observe(observation: QuotaObservation | undefined): void;
}

/**
 * Waits until the target's limiter grants a call, then returns at once so the call starts
 * when it was counted. Other callers may take the slot it was told to wait for: it then waits
 * for the next one, until that is further off than it may wait.
 */
export function pacer(limiter: Limiter, quota: Quota, clock: Clock = systemClock, share?: number): Paced {
  let newest: QuotaObservation | undefined;
  const acquire = async (tellsEnd: boolean): Promise<number | undefined> => {
    const giveUpAt = clock.now() + MAX_INLINE_WAIT_MS;
    for (;;) {
      const grant = await limiter.acquire(quota, {
        ...(share !== undefined ? { share } : {}),
        ...(newest ? { observation: newest } : {}),
        ...(tellsEnd ? { tellsEnd } : {}),
      });
      if (grant.granted) return grant.at;
      const wait = grant.retryAt - clock.now();
      if (grant.retryAt > giveUpAt) throw new SlotTooFarAway(wait);
      // retryAt is on the limiter's clock: one running behind ours must not make this spin.
      await clock.sleep(Math.max(wait, MIN_RETRY_WAIT_MS));
    }
  };
  const paced = async () => {
    await acquire(false);
  };
  return Object.assign(paced, {
    async untilEnd(): Promise<CallEnded> {
      const ended = limiter.ended?.bind(limiter);
      if (!ended) {
        await acquire(false);
        return async () => {};
      }
      const at = await acquire(true);
      // A grant without its instant (an older limiter) was counted at the grant: nothing to tell.
      if (at === undefined) return async () => {};
      // Untold, the call stays counted as in flight until the limiter gives up on it (30 s):
      // slower, never over quota. So a failure to tell is only logged.
      return () => ended(quota, at).catch((error: unknown) => console.error(`rate limiter not told a call ended: ${String(error)}`));
    },
    observe(observation: QuotaObservation | undefined) {
      if (observation && (!newest || observation.at >= newest.at)) newest = observation;
    },
  });
}
