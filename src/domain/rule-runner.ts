import type { CrmRecord } from "../crm/crm-port";
import { decide } from "./decide";
import type { AuditEntry, RuleInput, RuleState, TimerName } from "./decision";
import type { EffectRequest } from "./effects";
import type { VersionedPolicy } from "./policy";
import type { RecordState } from "./record-state";
import type { RoutingDecision, RoutingRequest } from "./routing";

/** The I/O a rule run may need: the Durable Object provides the real CRM and routers, the dry run its simulations. */
export interface RuleShell {
  readRecord(record: RecordState, properties: string[], previousOf?: string[]): Promise<CrmRecord | null>;
  route(teamId: string, request: RoutingRequest): Promise<RoutingDecision>;
  /** Tasks written by earlier effects, by the effects' idempotency keys. */
  findTasks(record: RecordState, keys: string[]): Promise<{ key: string; status: "open" | "completed" }[]>;
}

export interface RuleRun {
  state: RuleState;
  effects: EffectRequest[];
  timers: Partial<Record<TimerName, string | null>>;
  audit: AuditEntry[];
}

/** Reads and routings in one run, at most: a rule asking forever is a bug, not a reason to loop. */
const MAX_STEPS = 8;

/**
 * Feeds one input to decide() and performs the reads and routings it asks for, feeding each
 * result back, until the rules are satisfied. Effects, timers and audit are collected for the
 * caller to persist in one go.
 */
export async function runRules(
  initial: RuleState,
  input: RuleInput,
  record: RecordState,
  policy: VersionedPolicy,
  now: Date,
  shell: RuleShell,
  random: () => number,
): Promise<RuleRun> {
  const run: RuleRun = { state: initial, effects: [], timers: {}, audit: [] };
  const inputs: RuleInput[] = [input];
  const ctx = { record, now, policy: policy.policy, policyVersion: policy.version, random };
  for (let step = 0; inputs.length > 0 && step < MAX_STEPS; step++) {
    const decision = decide(run.state, inputs.shift()!, ctx);
    run.state = decision.state;
    run.effects.push(...decision.effects);
    Object.assign(run.timers, decision.timers);
    run.audit.push(...decision.audit);
    for (const request of decision.requests) {
      if (request.kind === "read") {
        const fresh = await shell.readRecord(record, [...new Set(request.properties)], request.previousOf);
        inputs.push({
          kind: "freshRead",
          purpose: request.purpose,
          properties: fresh?.properties ?? null,
          ...(fresh?.previous ? { previous: fresh.previous } : {}),
        });
      } else if (request.kind === "readTasks") {
        inputs.push({ kind: "tasksRead", purpose: request.purpose, tasks: await shell.findTasks(record, request.keys) });
      } else {
        const decisionOfRouter = await shell.route(request.teamId, {
          policy: policy.policy,
          teamId: request.teamId,
          crm: record.crm,
          excludeOwnerId: request.excludeOwnerId,
          now,
        });
        inputs.push({ kind: "routed", purpose: request.purpose, decision: decisionOfRouter });
      }
    }
  }
  return run;
}
