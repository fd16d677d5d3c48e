import { type TaskAction, taskDueDate } from "../core/model/effects";
import type { Failure, Result } from "../platform/failure";
import type { TaskKeyResult, TaskStatus, TaskUpdateOutcome } from "./crm-port";

/** A task found by its key, with what deciding on an action needs. */
export interface FoundTask extends TaskStatus {
  /** When the task is due; null when the CRM holds no due time. */
  dueAtMs: number | null;
  /** The CRM's date-only due field, where it has one (Salesforce ActivityDate). */
  dueDate?: string | null;
  ownerId?: string | null;
}

export interface TaskUpdatePlan {
  /** Open tasks the action changes. */
  toChange: FoundTask[];
  /** Keys that need no call: the task already is as asked, a rep completed it, or no task holds the key. */
  settled: TaskKeyResult[];
}

/** Decides, key by key, what an action does; the same rules for every CRM. */
export function planTaskUpdate(keys: readonly string[], found: readonly FoundTask[], action: TaskAction): TaskUpdatePlan {
  const byKey = new Map(found.map((task) => [task.key, task]));
  const plan: TaskUpdatePlan = { toChange: [], settled: [] };
  for (const key of new Set(keys)) {
    const task = byKey.get(key);
    if (!task) plan.settled.push({ key, result: "missing" });
    // A rep who completed a task did the work: deleting or moving it would erase that.
    else if (task.status === "completed") plan.settled.push({ key, taskId: task.id, result: action.kind === "complete" ? "unchanged" : "kept" });
    else if (
      action.kind === "reschedule" &&
      task.dueAtMs === Date.parse(action.dueAt) &&
      (task.dueDate === undefined || task.dueDate === taskDueDate(action))
    ) {
      plan.settled.push({ key, taskId: task.id, result: "unchanged" });
    } else if (action.kind === "reassign" && task.ownerId === action.ownerId) plan.settled.push({ key, taskId: task.id, result: "unchanged" });
    else plan.toChange.push(task);
  }
  return plan;
}

const CHANGED = { complete: "completed", delete: "deleted", reschedule: "rescheduled", reassign: "reassigned" } as const;
const UNCHANGED = { complete: "already completed", delete: "already gone", reschedule: "already due then", reassign: "already the owner's" } as const;

/** One line for an effect's externalId: which tasks changed, which were left as they were, how many keys had no task. */
export function describeTaskResults(action: TaskAction, results: readonly TaskKeyResult[]): string {
  const ids = (result: TaskKeyResult["result"]) => results.filter((r) => r.result === result).map((r) => r.taskId);
  const parts: string[] = [];
  if (ids("changed").length > 0) parts.push(`${CHANGED[action.kind]} ${ids("changed").join(",")}`);
  if (ids("unchanged").length > 0) parts.push(`${UNCHANGED[action.kind]} ${ids("unchanged").join(",")}`);
  if (ids("kept").length > 0) parts.push(`kept (completed by a rep) ${ids("kept").join(",")}`);
  const missing = ids("missing").length;
  if (missing > 0) parts.push(`no task for ${missing} key${missing === 1 ? "" : "s"}`);
  return parts.join("; ");
}

/** The successful outcome, results in the order of `keys`. */
export function taskUpdateOutcome(keys: readonly string[], action: TaskAction, results: readonly TaskKeyResult[]): TaskUpdateOutcome {
  const byKey = new Map(results.map((r) => [r.key, r]));
  const ordered = [...new Set(keys)].map((key) => byKey.get(key) ?? { key, result: "missing" as const });
  return { ok: true, externalId: describeTaskResults(action, ordered), tasks: ordered };
}

/** Of several failures in one call, the one that still allows a retry: the rest may succeed next time. */
export function mostRetryable(failures: readonly Failure[]): Failure | undefined {
  return failures.find((f) => f.kind === "rateLimited") ?? failures.find((f) => f.kind === "transient") ?? failures[0];
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Finding and changing tasks by their keys, the same for every CRM: an adapter says how it looks
 * tasks up and how it writes a change; the steps in between live here.
 */
export abstract class KeyedTasks {
  protected abstract lookUpTasks(keys: string[]): Promise<Result<FoundTask[]>>;
  protected abstract applyToTasks(tasks: FoundTask[], action: TaskAction): Promise<Result<TaskKeyResult[]>>;

  async findTasks(keys: string[]): Promise<Result<TaskStatus[]>> {
    const found = await this.lookUpTasks(keys);
    if (!found.ok) return found;
    return { ok: true, value: found.value.map(({ key, id, status }) => ({ key, id, status })) };
  }

  /** Looks the tasks up, changes only those the action applies to, and reports every key. */
  async updateTasks(keys: string[], action: TaskAction): Promise<TaskUpdateOutcome> {
    const found = await this.lookUpTasks(keys);
    if (!found.ok) return found;
    const { toChange, settled } = planTaskUpdate(keys, found.value, action);
    const changed = await this.applyToTasks(toChange, action);
    if (!changed.ok) return changed;
    return taskUpdateOutcome(keys, action, [...settled, ...changed.value]);
  }
}
