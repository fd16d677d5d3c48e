import type { EffectOf, EffectType } from "../core/model/effects";

/** An effect the consumer claimed and is about to run. */
export interface PendingEffect<T extends EffectType = EffectType> {
  /** The effect row's id: also the task's key in the CRM. */
  id: string;
  effect: EffectOf<T>;
}
