import type { Threshold } from "../policy/policy-fields";
import type { StaleLeadRule } from "../policy/policy";
import type { RuleContext } from "./rule";

/** The stale-lead section of the policy with this record's CRM's values picked. */
export interface StaleConfig {
  threshold: Threshold;
  activity: string[];
  scoreProperty?: string;
  scoreThreshold: number;
  targetTeam: string;
  task: StaleLeadRule["task"];
  hibernate?: { property: string; value: string };
  maxReassignments: StaleLeadRule["maxReassignments"];
  /** Where the team hears that a lead reached the cap. */
  alertChannel?: string;
  /** Everything the deadline's fresh read needs. */
  reads: string[];
}

export type StaleCtx = RuleContext<StaleConfig>;
