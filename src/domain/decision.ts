import type { CrmEvent } from "./crm-event";
import type { EffectRequest } from "./effects";
import type { Policy } from "./policy";
import type { RecordState } from "./record-state";
import type { RoutingDecision } from "./routing";

/** What a rule can be woken by. Reads and routing are I/O, so they come back as events too. */
export type RuleInput =
  | { kind: "crmEvent"; event: CrmEvent }
  | { kind: "timer"; name: TimerName }
  /**
   * The record as the CRM has it now (null: it no longer exists), read for `purpose`; with
   * `previous`, the value each asked property held before its current one, from the CRM's
   * history (null: none recorded).
   */
  | { kind: "freshRead"; purpose: ReadPurpose; properties: Record<string, string | null> | null; previous?: Record<string, string | null> }
  | { kind: "routed"; purpose: "stale-reassign"; decision: RoutingDecision }
  /** Tasks this service wrote, as the CRM has them now (keys it does not know are absent). */
  | { kind: "tasksRead"; purpose: "cadence-sla"; tasks: { key: string; status: "open" | "completed" }[] };

export const TIMER_NAMES = ["stale-check", "gate-revert", "cadence-step", "cadence-sla"] as const;
export type TimerName = (typeof TIMER_NAMES)[number];
export type ReadPurpose = TimerName | "cadence-enroll";

/** I/O the shell performs for a rule, feeding the result back as the next input. */
export type RuleRequest =
  | { kind: "read"; purpose: ReadPurpose; properties: string[]; previousOf?: string[] }
  | { kind: "route"; purpose: "stale-reassign"; teamId: string; excludeOwnerId?: string }
  | { kind: "readTasks"; purpose: "cadence-sla"; keys: string[] };

/** Audit data stays plain so it survives storage and RPC unchanged. */
export type AuditValue = string | number | boolean | null | undefined | string[];

export interface AuditEntry {
  at: string;
  /** "rules": the engine itself (a run it gave up after repeated failures). */
  rule: "stale-lead" | "stage-gate" | "cadence" | "rules";
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
  cadence?: CadenceState;
}

export interface CadenceStepState {
  id: string;
  dueAt: string;
  /** planned → written (a task exists, or is on its way) → done (completed from Slack); skipped: no owner, or gone from the policy. */
  state: "planned" | "written" | "done" | "skipped";
  ownerId?: string;
}

/** One lead's enrollment: the plan, how far it got, and why it ended. */
export interface CadenceState {
  cadenceId: string;
  source: string | null;
  enrolledAt: string;
  zone: string;
  /** Where the zone came from, in words ("phone +49 30… → DE → Europe/Berlin"). */
  zoneReason: string;
  /** active: steps to come; finished: every step written; stopped / paused: no more steps. */
  status: "active" | "finished" | "stopped" | "paused";
  stop?: { reason: string; at: string };
  steps: CadenceStepState[];
  sla?: {
    stepId: string;
    dueAt: string;
    state: "pending" | "met" | "breached" | "escalated" | "moot";
    escalateAt?: string;
    /** The allowance chosen at enrollment (the hot one for a hot lead), for moving the deadline with its step. */
    within?: { duration: string; businessHours: boolean };
  };
  /** The lead's email addresses as read at enrollment (raw property values). */
  addresses?: string[];
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
