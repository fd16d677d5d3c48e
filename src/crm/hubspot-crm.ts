import { Client } from "@hubspot/api-client";
import type { Failure } from "../outbox/retry-policy";
import { parseRetryAfter } from "../outbox/retry-policy";
import {
  type CrmPort, type CrmRecord, HUBSPOT_TASK_KEY_PROPERTY, type Outcome, type RecordUpdate, redact, type TaskWrite,
  TimeoutError, withTimeout,
} from "./crm-port";

/** HubSpot batch endpoints take at most 100 inputs. */
const MAX_BATCH = 100;

/** Association type ids (HUBSPOT_DEFINED) from a task to the record it is about. */
const TASK_ASSOCIATION: Record<string, number> = { contact: 204, company: 192, deal: 216, ticket: 230 };

const PLURAL: Record<string, string> = { contact: "contacts", company: "companies", deal: "deals", ticket: "tickets", task: "tasks", lead: "leads" };
const objectPath = (objectType: string) => PLURAL[objectType] ?? objectType;

export interface HubSpotCrmOptions {
  accessToken: string;
  /** https://api.hubapi.com in production; the emulator's URL in dev and tests. */
  basePath: string;
  timeoutMs?: number;
  /** Runs before every API call: the rate limiter's pacing. */
  beforeCall?: () => Promise<void>;
  now?: () => number;
}

interface ApiError {
  code?: number;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
}

/** Maps what the SDK throws to the outbox's failure classes. */
export function classifyHubSpotError(error: unknown, now: number): Failure {
  if (error instanceof TimeoutError) return { kind: "transient", message: error.message };
  const e = error as ApiError;
  const body = (typeof e.body === "object" && e.body ? e.body : {}) as { message?: string; category?: string; policyName?: string };
  const message = redact(`HubSpot ${e.code ?? "network error"}: ${body.message ?? e.message ?? String(error)}`);
  if (e.code === 429) {
    // The daily limit will not lift in seconds: wait long. The SDK ignores Retry-After; we do not.
    const retryAfterMs = parseRetryAfter(e.headers?.["retry-after"], now) ?? (body.policyName === "DAILY" ? 60 * 60_000 : 10_000);
    return { kind: "rateLimited", message, retryAfterMs };
  }
  if (e.code === undefined || e.code >= 500 || e.code === 408) return { kind: "transient", message };
  return { kind: "permanent", message };
}

const isConflict = (failure: Failure) => failure.kind === "permanent" && /HubSpot 409/.test(failure.message);

export class HubSpotCrm implements CrmPort {
  readonly crm = "hubspot" as const;
  readonly maxBatch = MAX_BATCH;
  private readonly client: Client;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly beforeCall: () => Promise<void>;

  constructor(options: HubSpotCrmOptions) {
    this.beforeCall = options.beforeCall ?? (async () => {});
    // No SDK retries or limiter: the outbox owns retries (it honours Retry-After) and pacing.
    this.client = new Client({ accessToken: options.accessToken, basePath: options.basePath });
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Creates tasks with their associations in one call per batch. The key property is unique in
   * HubSpot, so a task an earlier attempt created (its answer lost) makes the batch fail with
   * 409: then the existing tasks are looked up by key and only the missing ones are created.
   */
  async createTasks(writes: TaskWrite[]): Promise<Outcome[]> {
    const outcomes = new Map<string, Outcome>();
    const created = await this.createBatch(writes, outcomes);
    if (!created.ok && isConflict(created.failure)) {
      const found = await this.call("read tasks by key", () => this.client.crm.objects.tasks.batchApi.read({
        idProperty: HUBSPOT_TASK_KEY_PROPERTY,
        inputs: writes.map((w) => ({ id: w.key })),
        properties: [HUBSPOT_TASK_KEY_PROPERTY],
        propertiesWithHistory: [],
      }));
      if (!found.ok) return writes.map(() => found);
      for (const task of found.value.results) {
        const key = task.properties[HUBSPOT_TASK_KEY_PROPERTY];
        if (key) outcomes.set(key, { ok: true, externalId: task.id });
      }
      const missing = writes.filter((w) => !outcomes.has(w.key));
      if (missing.length > 0) await this.createBatch(missing, outcomes);
    }
    return writes.map((w) => outcomes.get(w.key) ?? { ok: false, failure: { kind: "transient", message: "HubSpot did not return the task" } });
  }

  private async createBatch(writes: TaskWrite[], outcomes: Map<string, Outcome>): Promise<{ ok: true } | { ok: false; failure: Failure }> {
    const created = await this.call("create tasks", () => this.client.crm.objects.tasks.batchApi.create({
      inputs: writes.map((w) => taskInput(w)),
    }));
    if (created.ok) {
      for (const task of created.value.results) {
        const key = task.properties[HUBSPOT_TASK_KEY_PROPERTY];
        if (key) outcomes.set(key, { ok: true, externalId: task.id });
      }
      return { ok: true };
    }
    if (created.failure.kind === "permanent" && !isConflict(created.failure) && writes.length > 1) {
      // HubSpot rejects a whole batch for one bad input: halve until the bad ones are alone.
      const half = Math.ceil(writes.length / 2);
      await this.createBatch(writes.slice(0, half), outcomes);
      await this.createBatch(writes.slice(half), outcomes);
      return { ok: true };
    }
    for (const w of writes) if (!outcomes.has(w.key)) outcomes.set(w.key, created);
    return created;
  }

  async updateRecords(updates: RecordUpdate[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(updates.length);
    const byType = new Map<string, number[]>();
    updates.forEach((u, i) => byType.set(u.objectType, [...(byType.get(u.objectType) ?? []), i]));
    for (const [objectType, indexes] of byType) {
      // One input per record: later updates of the same record win, as they would in sequence.
      const merged = new Map<string, Record<string, string>>();
      for (const i of indexes) {
        const u = updates[i]!;
        merged.set(u.objectId, { ...merged.get(u.objectId), ...hubspotValues(u.properties) });
      }
      const result = await this.call(`update ${objectPath(objectType)}`, () => this.client.crm.objects.batchApi.update(objectPath(objectType), {
        inputs: [...merged].map(([id, properties]) => ({ id, properties })),
      }));
      for (const i of indexes) outcomes[i] = result.ok ? { ok: true, externalId: updates[i]!.objectId } : result;
    }
    return outcomes;
  }

  async getRecord(objectType: string, objectId: string, properties: string[]): Promise<CrmRecord | null> {
    const result = await this.call(`read ${objectType}`, () => this.client.crm.objects.basicApi.getById(objectPath(objectType), objectId, properties));
    if (result.ok) return { id: result.value.id, properties: result.value.properties };
    if (/HubSpot 404/.test(result.failure.message)) return null;
    throw new Error(result.failure.message);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: Failure }> {
    await this.beforeCall();
    try {
      return { ok: true, value: await withTimeout(fn(), this.timeoutMs, `HubSpot ${what}`) };
    } catch (error) {
      return { ok: false, failure: classifyHubSpotError(error, this.now()) };
    }
  }
}

/** HubSpot stores "" for an empty property; null is not accepted in inputs. */
function hubspotValues(properties: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v ?? ""]));
}

function taskInput({ key, task }: TaskWrite) {
  const associationTypeId = TASK_ASSOCIATION[task.objectType];
  return {
    properties: {
      [HUBSPOT_TASK_KEY_PROPERTY]: key,
      hs_timestamp: task.dueAt,
      hs_task_subject: task.subject,
      hs_task_body: task.body,
      hs_task_status: "NOT_STARTED",
      hs_task_priority: task.priority,
      // HubSpot has no LinkedIn task type: it becomes a to-do whose subject says so.
      hs_task_type: task.channel === "LINKEDIN" ? "TODO" : task.channel,
      hubspot_owner_id: task.ownerId,
    },
    associations: associationTypeId
      ? [{ to: { id: task.objectId }, types: [{ associationCategory: "HUBSPOT_DEFINED" as never, associationTypeId }] }]
      : [],
  };
}
