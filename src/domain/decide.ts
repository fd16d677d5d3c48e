import type { DecideContext, Decision, RuleInput, RuleState } from "./decision";
import { cadenceRule } from "./rules/cadence.rule";
import { stageGateRule } from "./rules/stage-gate.rule";
import { staleLeadRule } from "./rules/stale-lead.rule";

const RULES = [staleLeadRule, stageGateRule, cadenceRule];

/**
 * The whole policy for one record: every rule sees the input in turn, each keeps its own part of
 * the state. Pure: no clock, no I/O, no randomness but the injected one.
 */
export function decide(state: RuleState, input: RuleInput, ctx: DecideContext): Decision {
  const combined: Decision = { state, effects: [], timers: {}, requests: [], audit: [] };
  for (const rule of RULES) {
    const d = rule(combined.state, input, ctx);
    combined.state = d.state;
    combined.effects.push(...d.effects);
    Object.assign(combined.timers, d.timers);
    combined.requests.push(...d.requests);
    combined.audit.push(...d.audit);
  }
  return combined;
}
