import type { Result } from "../platform/failure";
import type { CrmPort, TaskKeyResult, TaskStatus, TaskUpdateOutcome } from "./crm-port";
import { describeTaskResults } from "./task-updates";

/** The old key each of these task keys had, for those that had one. */
export type LegacyKeys = (keys: readonly string[]) => Promise<Map<string, string>>;

/**
 * A CRM port that finds tasks written under their old keys too (random effect ids, before ids
 * were derived from idempotency keys). It is a fallback read: only keys the CRM has no task for
 * are looked up again, so once the old tasks are closed it costs nothing but that check.
 */
export function withLegacyTaskKeys(crm: CrmPort, legacyKeys: LegacyKeys): CrmPort {
  const legacyOf = async (missing: string[]) => (missing.length === 0 ? new Map<string, string>() : legacyKeys(missing));
  return {
    crm: crm.crm,
    maxBatch: crm.maxBatch,
    createTasks: (writes) => crm.createTasks(writes),
    updateRecords: (updates) => crm.updateRecords(updates),
    getRecord: (...args) => crm.getRecord(...args),

    async findTasks(keys): Promise<Result<TaskStatus[]>> {
      const found = await crm.findTasks(keys);
      if (!found.ok) return found;
      const seen = new Set(found.value.map((t) => t.key));
      const legacy = await legacyOf(keys.filter((k) => !seen.has(k)));
      if (legacy.size === 0) return found;
      const old = await crm.findTasks([...legacy.values()]);
      if (!old.ok) return old;
      const keyOf = new Map([...legacy].map(([key, id]) => [id, key]));
      return { ok: true, value: [...found.value, ...old.value.map((t) => ({ ...t, key: keyOf.get(t.key) ?? t.key }))] };
    },

    async updateTasks(keys, action): Promise<TaskUpdateOutcome> {
      const outcome = await crm.updateTasks(keys, action);
      if (!outcome.ok) return outcome;
      const legacy = await legacyOf(outcome.tasks.filter((t) => t.result === "missing").map((t) => t.key));
      if (legacy.size === 0) return outcome;
      const keyOf = new Map([...legacy].map(([key, id]) => [id, key]));
      const dueDates = action.kind === "reassign" && action.dueDates ? { dueDates: renameKeys(action.dueDates, legacy) } : {};
      const old = await crm.updateTasks([...legacy.values()], { ...action, ...dueDates });
      if (!old.ok) return old;
      const byKey = new Map<string, TaskKeyResult>(old.tasks.map((t) => [keyOf.get(t.key) ?? t.key, { ...t, key: keyOf.get(t.key) ?? t.key }]));
      const tasks = outcome.tasks.map((t) => byKey.get(t.key) ?? t);
      return { ok: true, tasks, externalId: describeTaskResults(action, tasks) };
    },
  };
}

function renameKeys(byKey: Record<string, string>, names: Map<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(byKey).map(([key, value]) => [names.get(key) ?? key, value]));
}
