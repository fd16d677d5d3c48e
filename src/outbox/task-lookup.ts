import type { CrmPort } from "../crm/crm-port";
import { FailureError } from "../platform/failure";
import { effectIdsByKey } from "../db/effects";
import type { EffectRequest } from "../domain/effects";

/**
 * The CRM state of tasks that rules know by their createTask effects' idempotency keys. Keys
 * without an effect row, or whose task the CRM does not have (yet), are left out.
 */
export async function findTasksByEffectKey(
  db: D1Database,
  crm: CrmPort,
  keys: readonly string[],
): Promise<{ key: string; status: "open" | "completed" }[]> {
  const ids = await effectIdsByKey(db, keys);
  if (ids.size === 0) return [];
  const keyOfId = new Map([...ids].map(([key, id]) => [id, key]));
  const found = await crm.findTasks([...ids.values()]);
  if (!found.ok) throw new FailureError(found.failure);
  return found.value.flatMap((task) => {
    const key = keyOfId.get(task.key);
    return key ? [{ key, status: task.status }] : [];
  });
}

/**
 * Rules name the tasks to close or move by the idempotency keys they created them with; the CRM
 * knows them by the effect row ids. Rewritten before the effect is stored, so the stored effect
 * says exactly which tasks it touches. An effect none of whose tasks were ever queued is dropped.
 */
export async function resolveTaskKeys(db: D1Database, requests: readonly EffectRequest[]): Promise<EffectRequest[]> {
  const keys = requests.flatMap((r) => (r.effect.type === "updateTasks" ? r.effect.taskKeys : []));
  if (keys.length === 0) return [...requests];
  const ids = await effectIdsByKey(db, keys);
  return requests.flatMap((request) => {
    if (request.effect.type !== "updateTasks") return [request];
    const taskKeys = request.effect.taskKeys.flatMap((key) => (ids.has(key) ? [ids.get(key)!] : []));
    const { action } = request.effect;
    const resolved =
      action.kind === "reassign" && action.dueDates
        ? {
            ...action,
            dueDates: Object.fromEntries(Object.entries(action.dueDates).flatMap(([key, date]) => (ids.has(key) ? [[ids.get(key)!, date]] : []))),
          }
        : action;
    return taskKeys.length > 0 ? [{ ...request, effect: { ...request.effect, taskKeys, action: resolved } }] : [];
  });
}
