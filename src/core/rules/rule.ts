import type { Crm, CrmEvent, CrmEventKind } from "../model/crm-event";
import type { Effect, EffectRequest } from "../model/effects";
import type { Policy } from "../policy/policy";
import type { RecordState } from "../model/record-state";
import type { RoutingDecision } from "../routing/routing";

/**
 * The rule contract. A rule is a set of handlers, one per trigger: an event kind, one of its own
 * timers, a signal from another rule. A handler returns a Step: the rule's new memory, what it
 * wants done (effects), what it decided and why (audit), when to wake it (timers), and at most
 * one thing it needs from the world first (an Ask: a fresh read, a routing, the state of tasks),
 * with the name of its own continuation that takes the answer. The runner (decide.ts) performs
 * the ask and hands the answer to exactly that continuation; nobody else sees it.
 */
export type RuleName = string;

/** Audit data stays plain so it survives storage and RPC unchanged. */
export type AuditValue = string | number | boolean | null | undefined | string[];

export interface AuditEntry {
  at: string;
  /** The rule's name, or "rules": the engine itself (a run it gave up, a read the CRM refused). */
  rule: RuleName;
  outcome: string;
  reason: string;
  data: Record<string, AuditValue>;
  policyVersion: number;
  effects: string[];
}

/** An audit line as a handler writes it; the runner adds the time, the rule and the policy version. */
export interface AuditDraft {
  outcome: string;
  reason: string;
  data?: Record<string, AuditValue>;
  effects?: readonly EffectRequest[];
}

/** The record as the CRM has it now; `previous`: the value each asked property held before, from the CRM's history. */
export interface FreshRecord {
  properties: Record<string, string | null>;
  previous?: Record<string, string | null>;
}

/** A task this service wrote, as the CRM has it now, by its key (the createTask effect's id). */
export interface TaskState {
  key: string;
  status: "open" | "completed";
}

/** What a handler needs before it can go on, and which of its rule's continuations takes the answer. */
export type Ask =
  | { kind: "read"; properties: string[]; previousOf?: string[]; resume: string }
  /** `key`: the decision this routing is for; asked again (a retried run), it gets the same answer. */
  | { kind: "route"; teamId: string; excludeOwnerId?: string; key: string; resume: string }
  | { kind: "tasks"; keys: string[]; resume: string };

/** What a rule tells the others in the same run, so they act together instead of through the CRM's echo. */
export type Signal = { kind: "ownerAssigned"; ownerId: string; reason: string };
export type SignalKind = Signal["kind"];

export interface Step<S> {
  /** The rule's memory after this step; undefined forgets it. */
  state: S | undefined;
  effects?: EffectRequest[];
  audit?: AuditDraft[];
  /** The rule's own timers to (re)arm at an instant, or to cancel with null. */
  timers?: Record<string, string | null>;
  ask?: Ask;
  signals?: Signal[];
}

/** What every handler is given: the record, the instant, and the rule's policy already resolved for this record's CRM. */
export interface RuleContext<P> {
  readonly record: RecordState;
  readonly crm: Crm;
  readonly now: Date;
  /** `now` as ISO 8601, the form state and audit keep instants in. */
  readonly at: string;
  /** The whole policy: reps, teams, calendars. */
  readonly policy: Policy;
  /** This rule's section of the policy with the record's CRM's values picked. */
  readonly config: P;
  readonly random: () => number;
  /** The record as an effect's target. */
  readonly target: { crm: Crm; accountId: string; objectType: string; objectId: string };
  /** An effect of this rule about this record. */
  effect(idempotencyKey: string, effect: Effect): EffectRequest;
}

export type Handler<S, P, I> = (state: S | undefined, input: I, ctx: RuleContext<P>) => Step<S>;

export type Continuation<S, P> =
  | { kind: "read"; run: Handler<S, P, FreshRecord | null> }
  | { kind: "route"; run: Handler<S, P, RoutingDecision> }
  | { kind: "tasks"; run: Handler<S, P, TaskState[]> };

/** A continuation for a fresh read: null when the record no longer exists in the CRM. */
export const afterRead = <S, P>(run: Handler<S, P, FreshRecord | null>): Continuation<S, P> => ({ kind: "read", run });
export const afterRoute = <S, P>(run: Handler<S, P, RoutingDecision>): Continuation<S, P> => ({ kind: "route", run });
export const afterTasks = <S, P>(run: Handler<S, P, TaskState[]>): Continuation<S, P> => ({ kind: "tasks", run });

export type EventHandlers<S, P> = { [K in CrmEventKind]?: Handler<S, P, Extract<CrmEvent, { kind: K }>> };
export type SignalHandlers<S, P> = { [K in SignalKind]?: Handler<S, P, Extract<Signal, { kind: K }>> };

export interface Rule<S, P> {
  /** Names its audit entries, its effects and its timers (`name:timer`). */
  readonly name: RuleName;
  /** Where its memory lives in the record's rule state. */
  readonly slice: string;
  /** The rule's section of the policy for this record (its CRM's values picked), or null when the rule does not apply to it. */
  resolve(policy: Policy, record: RecordState): P | null;
  readonly on?: EventHandlers<S, P>;
  readonly timers?: Record<string, Handler<S, P, undefined>>;
  readonly signals?: SignalHandlers<S, P>;
  readonly continuations?: Record<string, Continuation<S, P>>;
}

/** The I/O a rule may ask for: the record object answers from the CRM and the routers, the dry run from its simulation. */
export interface RuleShell {
  /** The record fresh from the CRM (null: it no longer exists); throws a FailureError when the CRM cannot answer. */
  read(properties: string[], previousOf?: string[]): Promise<FreshRecord | null>;
  route(teamId: string, excludeOwnerId: string | undefined, key: string): Promise<RoutingDecision>;
  /** Tasks this service wrote, by key; keys the CRM has no task for are left out. */
  tasks(keys: string[]): Promise<TaskState[]>;
}

/** Leaves the rule's memory as it was and does nothing. */
export const unchanged = <S>(state: NoInfer<S> | undefined): Step<S> => ({ state });
