import { addCalendarDuration } from "../calendar/calendar";
import type { Step } from "./rule";
import type { StaleState } from "./rule-state";
import type { StaleCtx as Ctx } from "./stale-lead-config";

/** The deadline a decision is about: part of every key, so each deadline's effects happen once. */
export const keyOf = (ctx: Ctx, state: StaleState) => `${ctx.record.key}:stale:${state.deadline}`;

/** The reassignments of this lead still inside the cap's window. */
export function recentReassignments(state: StaleState, ctx: Ctx): string[] {
  return (state.reassignedAt ?? []).filter((at) => leavesWindowAt(at, ctx) > ctx.now.getTime());
}

/** When a reassignment stops counting: the same arithmetic decides both, so the cap cannot wake before it lifts. */
const leavesWindowAt = (at: string, ctx: Ctx) => addCalendarDuration(new Date(at), ctx.config.maxReassignments.within, ctx.policy.timeZone).getTime();

/**
 * A lead handed on as often as the cap allows within its window goes nowhere else: the team
 * channel is told once, and the clock waits until the oldest of those reassignments leaves the
 * window (then the lead is judged again).
 */
export function reassignmentCap(state: StaleState, ctx: Ctx): Step<StaleState> | null {
  const recent = recentReassignments(state, ctx);
  const { count, within } = ctx.config.maxReassignments;
  if (recent.length < count) return null;
  const deadline = new Date(Math.max(leavesWindowAt(recent[0]!, ctx), ctx.now.getTime() + 60_000)).toISOString();
  const reason = `reassigned ${recent.length} times since ${recent[0]!.slice(0, 10)} (the cap is ${count} within ${within}); nobody works it wherever it goes`;
  const effects = ctx.config.alertChannel
    ? [
        ctx.effect(`${keyOf(ctx, state)}:capped`, {
          type: "postSlackMessage",
          channel: ctx.config.alertChannel,
          text: `A stale lead (${ctx.record.key}) was not reassigned again: ${reason}. It stays with its owner until ${deadline.slice(0, 10)}; please look at it.`,
        }),
      ]
    : [];
  return {
    state: { ...state, deadline },
    effects,
    timers: { check: deadline },
    audit: [
      { outcome: "reassignment capped", reason, data: { reassignedAt: recent, nextCheck: deadline, channel: ctx.config.alertChannel }, effects },
    ],
  };
}
