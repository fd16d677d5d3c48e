import type { CrmEvent } from "./crm-event";
import type { EffectRequest } from "./effects";
import type { Policy } from "./policy";
import type { RecordState } from "./record-state";
import type { RoutingDecision } from "./routing";

/** What a rule can be woken by. Reads and routing are I/O, so they come back as events too. */
export type RuleInput =
  | { kind: "crmEvent"; event: CrmEvent }
  | { kind: "timer"; name: TimerName }
  /** The record as the CRM has it now (null: it no longer exists), read for `purpose`. */
  | { kind: "freshRead"; purpose: TimerName; properties: Record<string, string | null> | null }
  | { kind: "routed"; purpose: "stale-reassign"; decision: RoutingDecision };

export type TimerName = "stale-check" | "gate-revert";

/** I/O the shell performs for a rule, feeding the result back as the next input. */
export type RuleRequest =
  | { kind: "read"; purpose: TimerName; properties: string[] }
  | { kind: "route"; purpose: "stale-reassign"; teamId: string; excludeOwnerId?: string };

/** Audit data stays plain so it survives storage and RPC unchanged. */
export type AuditValue = string | number | boolean | null | undefined | string[];

export interface AuditEntry {
  at: string;
  rule: "stale-lead" | "stage-gate";
  outcome: string;
  reason: string;
  data: Record<string, AuditValue>;
  policyVersion: number;
  effects: string[];
}

/** The rules' memory of one record, kept by its Durable Object beside the record state. */
export interface RuleState {
  stale?: {
    /** The latest qualifying activity; the clock runs from here. */
    lastActivityAt: string;
    deadline: string | null;
    /** Parked in nurture: no longer chased. */
    parked: boolean;
    /** The owner when the deadline passed; never routed back to them. */
    staleOwnerId?: string;
  };
  gate?: {
    /** The last stage seen, ours included: what a revert goes back to. */
    lastStage?: string;
    pending?: { stage: string; previousStage?: string; missing: string[]; revertAt: string; since: string };
  };
}

export interface DecideContext {
  record: RecordState;
  now: Date;
  policy: Policy;
  policyVersion: number;
  random: () => number;
}

export interface Decision {
  state: RuleState;
  effects: EffectRequest[];
  /** Timers to (re)arm at an instant, or to cancel with null. */
  timers: Partial<Record<TimerName, string | null>>;
  requests: RuleRequest[];
  audit: AuditEntry[];
}

export const noDecision = (state: RuleState): Decision => ({ state, effects: [], timers: {}, requests: [], audit: [] });
