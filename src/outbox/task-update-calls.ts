import type { CrmPort, TaskKeyResult } from "../crm/crm-port";
import type { Outcome } from "../platform/outcome";
import { describeTaskResults } from "../crm/task-updates";
import type { TaskAction } from "../core/model/effects";
import type { PendingEffect } from "./pending-effect";
import type { Failure } from "../platform/failure";

type Indexed = { index: number; effect: PendingEffect<"updateTasks">["effect"] };

const distinct = (keys: readonly string[]) => [...new Set(keys)];

/** Effects share calls only when they ask for exactly the same thing. */
function actionKey(action: TaskAction): string {
  if (action.kind === "reschedule") return `reschedule:${Date.parse(action.dueAt)}:${action.dueDate ?? ""}`;
  return action.kind === "reassign" ? `reassign:${action.ownerId}` : action.kind;
}

/** Packs effects into calls of at most `maxKeys` distinct keys; an effect is never split across calls. */
function packByKeys(effects: Indexed[], maxKeys: number): Indexed[][] {
  const calls: Indexed[][] = [];
  let call: Indexed[] = [];
  let keys = new Set<string>();
  for (const item of effects) {
    const added = distinct(item.effect.taskKeys).filter((k) => !keys.has(k)).length;
    if (call.length > 0 && keys.size + added > maxKeys) {
      calls.push(call);
      call = [];
      keys = new Set();
    }
    call.push(item);
    for (const key of item.effect.taskKeys) keys.add(key);
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/** One call for several effects; each effect's outcome describes its own keys only. */
async function runCall(crm: CrmPort, call: Indexed[], action: TaskAction): Promise<Outcome[]> {
  const outcome = await crm.updateTasks(distinct(call.flatMap((item) => item.effect.taskKeys)), action);
  if (outcome.ok) {
    const byKey = new Map(outcome.tasks.map((t) => [t.key, t]));
    return call.map(({ effect }) => {
      const results = distinct(effect.taskKeys).map((key): TaskKeyResult => byKey.get(key) ?? { key, result: "missing" });
      return { ok: true, externalId: describeTaskResults(action, results) };
    });
  }
  // One effect's task can fail a shared call for good (a validation rule, no access): on their
  // own, the other effects still go through and only that one is dead.
  if (outcome.failure.kind === "permanent" && call.length > 1) {
    const outcomes: Outcome[] = [];
    for (const item of call) outcomes.push(...(await runCall(crm, [item], action)));
    return outcomes;
  }
  return call.map(() => outcome);
}

/** The action of one shared call: the same for every effect in it, with each reassigned task's own due day. */
function callAction(call: Indexed[]): TaskAction {
  const action = call[0]!.effect.action;
  if (action.kind !== "reassign") return action;
  const dueDates = Object.assign(
    {},
    ...call.map(({ effect }) => (effect.action.kind === "reassign" ? (effect.action.dueDates ?? {}) : {})),
  ) as Record<string, string>;
  return Object.keys(dueDates).length > 0 ? { ...action, dueDates } : action;
}

/** After a rate-limit answer the rest of the batch is not sent: it would only be refused too. */
function notTried(failure: Extract<Failure, { kind: "rateLimited" }>): Outcome {
  return {
    ok: false,
    failure: { kind: "rateLimited", message: `not tried: ${failure.message}`, retryAfterMs: failure.retryAfterMs, notAttempted: true },
  };
}

/**
 * Runs updateTasks effects of one CRM target. Effects with the same action share calls (one
 * lookup and one write per maxBatch keys), so a cadence stopped for many leads at once costs a
 * few calls, not two per lead. Outcomes are in batch order, one per effect.
 */
export async function executeTaskUpdates(crm: CrmPort, batch: PendingEffect<"updateTasks">[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(batch.length);
  const groups = new Map<string, Indexed[]>();
  batch.forEach(({ effect }, index) => {
    const key = actionKey(effect.action);
    groups.set(key, [...(groups.get(key) ?? []), { index, effect }]);
  });
  let halted: Extract<Failure, { kind: "rateLimited" }> | undefined;
  for (const group of groups.values()) {
    for (const call of packByKeys(group, crm.maxBatch)) {
      const action = callAction(call);
      const results = halted ? call.map(() => notTried(halted!)) : await runCall(crm, call, action);
      call.forEach((item, i) => {
        outcomes[item.index] = results[i]!;
      });
      for (const result of results) if (!result.ok && result.failure.kind === "rateLimited") halted ??= result.failure;
    }
  }
  return outcomes;
}
