import { FailureError, refusedForGood } from "../../platform/failure";
import type { CrmEvent } from "../model/crm-event";
import type { EffectRequest } from "../model/effects";
import type { VersionedPolicy } from "../policy/policy";
import type { RecordState } from "../model/record-state";
import type { Ask, AuditEntry, Handler, Rule, RuleContext, RuleName, RuleShell, Signal, Step } from "./rule";
import type { RuleState } from "./rule-state";
import { type RecordedAnswer, type RecordedAnswers, recordedAnswer } from "./run-recording";
import { cadenceRule } from "./cadence.rule";
import { stageGateRule } from "./stage-gate.rule";
import { staleLeadRule } from "./stale-lead.rule";

/** What wakes the rules of one record: one of its events, or one of their own timers. */
export type Trigger = { kind: "event"; event: CrmEvent } | { kind: "timer"; name: string };

export type { RuleShell } from "./rule";

export interface DecideContext {
  record: RecordState;
  now: Date;
  policy: VersionedPolicy;
  random: () => number;
  /** A replay: the answers the live run was given, asked before the shell. */
  recorded?: RecordedAnswers;
}

export interface Decision {
  state: RuleState;
  effects: EffectRequest[];
  /** Wake-ups to (re)arm at an instant, or to cancel with null, by their full names (`rule:timer`). */
  timers: Record<string, string | null>;
  audit: AuditEntry[];
  /** Every answer the rules' asks were given, in order, with the ask: what a replay gives them again. */
  answers: RecordedAnswer[];
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds rules of every state and config type; each is typed where it is defined.
type AnyRule = Rule<any, any>;

/** Every rule, in the order they see a trigger. Names and slices are each a rule's own. */
export const RULES: readonly AnyRule[] = distinct([staleLeadRule, stageGateRule, cadenceRule]);

function distinct(rules: AnyRule[]): AnyRule[] {
  for (const key of ["name", "slice"] as const) {
    if (new Set(rules.map((r) => r[key])).size !== rules.length) throw new Error(`two rules share a ${key}`);
  }
  return rules;
}

/** A rule's timer as a wake-up of the record: its name carries the rule, so nobody else's timer can answer to it. */
export const wakeupName = (rule: RuleName, timer: string) => `${rule}:${timer}`;

/** Answers one rule may ask for in one run: a rule asking forever is a bug, and the run fails saying so. */
const MAX_ASKS = 8;
/** A rule's deadline whose run the CRM refused for good looks again after this: fixing the policy or the org recovers it. */
const REFUSED_TIMER_RETRY_MS = 60 * 60_000;
/** Rounds of signals one run may pass on: rules answering each other forever are a bug too. */
const MAX_SIGNAL_ROUNDS = 4;

/**
 * Runs the rules of one record on one trigger. Each rule whose policy applies to the record and
 * that has a handler for the trigger runs it; a handler's ask is performed through the shell and
 * its answer given to the continuation it named, until the rule is done. Signals a rule raises
 * reach the other rules in the same run. Effects, timers and audit are collected for the caller
 * to store in one go. Pure but for the shell it is given: no clock, no randomness but the injected.
 */
export async function decide(
  state: RuleState,
  trigger: Trigger,
  ctx: DecideContext,
  shell: RuleShell,
  rules: readonly AnyRule[] = RULES,
): Promise<Decision> {
  const decision: Decision = { state: { ...state }, effects: [], timers: {}, audit: [], answers: [] };
  const active = rules.flatMap((rule) => {
    const config = rule.resolve(ctx.policy.policy, ctx.record);
    return config === null ? [] : [{ rule, context: contextFor(rule, config, ctx) }];
  });
  const signals: { signal: Signal; from: RuleName }[] = [];

  /**
   * Runs one rule's handler and its continuations. A failure that cannot pass (the CRM refuses a
   * read for good, the rule breaks the contract) costs only that rule this run: its partial work
   * is undone, the audit says why, and a timer that fired looks again in an hour (after the policy
   * or the org is fixed), while the other rules go on. Any other failure fails the whole run,
   * which is retried.
   */
  const drive = async (rule: AnyRule, context: RuleContext<unknown>, first: () => Step<unknown>) => {
    const before = {
      slice: memory[rule.slice],
      effects: decision.effects.length,
      audit: decision.audit.length,
      signals: signals.length,
      timers: { ...decision.timers },
    };
    try {
      await steps(rule, context, first());
    } catch (error) {
      if (!(error instanceof FailureError) || !refusedForGood(error.failure)) throw error;
      if (before.slice === undefined) delete memory[rule.slice];
      else memory[rule.slice] = before.slice;
      decision.effects.length = before.effects;
      decision.audit.length = before.audit;
      signals.length = before.signals;
      decision.timers = before.timers;
      const retry = trigger.kind === "timer" && splitWakeup(trigger.name)[0] === rule.name;
      if (retry) decision.timers[trigger.name] = new Date(ctx.now.getTime() + REFUSED_TIMER_RETRY_MS).toISOString();
      decision.audit.push({
        at: ctx.now.toISOString(),
        rule: rule.name,
        outcome: "refused",
        reason: `${error.failure.message}${retry ? "; the deadline looks again in an hour" : ""}`,
        data: { trigger: trigger.kind === "timer" ? trigger.name : trigger.event.kind, code: error.failure.code, status: error.failure.status },
        policyVersion: ctx.policy.version,
        effects: [],
      });
    }
  };
  const steps = async (rule: AnyRule, context: RuleContext<unknown>, first: Step<unknown>) => {
    let step = first;
    for (let asks = 0; ; asks++) {
      apply(rule, step);
      if (!step.ask) return;
      if (asks === MAX_ASKS) throw bug(`rule ${rule.name} asked for more than ${MAX_ASKS} answers in one run`);
      const { ask } = step;
      const continuation = rule.continuations?.[ask.resume];
      if (!continuation || continuation.kind !== ask.kind) throw bug(`rule ${rule.name} has no ${ask.kind} continuation "${ask.resume}"`);
      const answer = await answered(rule.name, ask);
      step = (continuation.run as Handler<unknown, unknown, unknown>)(slice(rule), answer, context);
    }
  };
  /** Performs an ask (from the recording first, in a replay) and notes what came of it, a failure included. */
  const answered = async (rule: RuleName, ask: Ask): Promise<unknown> => {
    const world = ctx.recorded ? ctx.recorded.shellFor(rule, shell) : shell;
    try {
      const answer = await perform(ask, world);
      decision.answers.push(recordedAnswer(rule, ask, { answer }));
      return answer;
    } catch (error) {
      if (error instanceof FailureError) decision.answers.push(recordedAnswer(rule, ask, { failure: error.failure }));
      throw error;
    }
  };
  const memory = decision.state as Record<string, unknown>;
  const slice = (rule: AnyRule) => memory[rule.slice];
  const apply = (rule: AnyRule, step: Step<unknown>) => {
    if (step.state === undefined) delete memory[rule.slice];
    else memory[rule.slice] = step.state;
    decision.effects.push(...(step.effects ?? []));
    for (const [timer, at] of Object.entries(step.timers ?? {})) {
      if (!rule.timers?.[timer]) throw bug(`rule ${rule.name} set a timer "${timer}" it has no handler for`);
      decision.timers[wakeupName(rule.name, timer)] = at;
    }
    for (const entry of step.audit ?? []) {
      decision.audit.push({
        at: ctx.now.toISOString(),
        rule: rule.name,
        outcome: entry.outcome,
        reason: entry.reason,
        data: entry.data ?? {},
        policyVersion: ctx.policy.version,
        effects: (entry.effects ?? []).map((e) => e.idempotencyKey),
      });
    }
    for (const signal of step.signals ?? []) signals.push({ signal, from: rule.name });
  };

  for (const { rule, context } of active) {
    const handler = handlerFor(rule, trigger);
    if (handler) await drive(rule, context, () => handler(slice(rule), trigger.kind === "event" ? trigger.event : undefined, context));
  }
  for (let round = 0; signals.length > 0; round++) {
    if (round === MAX_SIGNAL_ROUNDS)
      throw bug(`signals still pending after ${MAX_SIGNAL_ROUNDS} rounds: ${signals.map((s) => s.signal.kind).join(", ")}`);
    for (const { signal, from } of signals.splice(0)) {
      for (const { rule, context } of active) {
        const handler = rule.signals?.[signal.kind] as Handler<unknown, unknown, Signal> | undefined;
        if (handler && rule.name !== from) await drive(rule, context, () => handler(slice(rule), signal, context));
      }
    }
  }
  return decision;
}

function handlerFor(rule: AnyRule, trigger: Trigger): Handler<unknown, unknown, unknown> | undefined {
  if (trigger.kind === "event") return rule.on?.[trigger.event.kind] as Handler<unknown, unknown, unknown> | undefined;
  const [owner, timer] = splitWakeup(trigger.name);
  return owner === rule.name && timer ? (rule.timers?.[timer] as Handler<unknown, unknown, unknown> | undefined) : undefined;
}

export function splitWakeup(name: string): [string, string | undefined] {
  const i = name.indexOf(":");
  return i < 0 ? [name, undefined] : [name.slice(0, i), name.slice(i + 1)];
}

function perform(ask: Ask, shell: RuleShell): Promise<unknown> {
  switch (ask.kind) {
    case "read":
      return shell.read([...new Set(ask.properties)], ask.previousOf);
    case "route":
      return shell.route(ask.teamId, ask.excludeOwnerId, ask.key);
    case "tasks":
      return shell.tasks(ask.keys);
  }
}

function contextFor(rule: AnyRule, config: unknown, ctx: DecideContext): RuleContext<unknown> {
  const { record } = ctx;
  return {
    record,
    crm: record.crm,
    now: ctx.now,
    at: ctx.now.toISOString(),
    policy: ctx.policy.policy,
    config,
    random: ctx.random,
    target: { crm: record.crm, accountId: record.accountId, objectType: record.objectType, objectId: record.objectId },
    effect: (idempotencyKey, effect) => ({ idempotencyKey, leadKey: record.key, rule: rule.name, effect }),
  };
}

/** A rule that breaks the contract fails its run for good: retrying the same code cannot help. */
const bug = (message: string) => new FailureError({ kind: "permanent", message });
