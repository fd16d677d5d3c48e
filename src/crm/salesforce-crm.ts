import { Connection } from "jsforce";
import type { Failure } from "../outbox/retry-policy";
import {
  type CrmPort, type CrmRecord, type Outcome, type RecordUpdate, redact, SALESFORCE_TASK_KEY_FIELD, SlotTooFarAway,
  type TaskWrite, TimeoutError, withTimeout,
} from "./crm-port";

/** sObject Collections take at most 200 records per call. */
const MAX_BATCH = 200;
export const SALESFORCE_API_VERSION = "62.0";

/** Salesforce error codes worth retrying: limits, locks and the platform's own trouble. */
const RATE_LIMITED = new Set(["REQUEST_LIMIT_EXCEEDED", "ERROR_HTTP_429", "ERROR_HTTP_420"]);
const TRANSIENT = new Set(["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "INVALID_SESSION_ID", "QUERY_TIMEOUT"]);

/** Lead and Contact tasks point at the person (WhoId); the rest at the record (WhatId). */
const WHO_TYPES = new Set(["lead", "contact"]);
const SOBJECT: Record<string, string> = { lead: "Lead", contact: "Contact", opportunity: "Opportunity", account: "Account", task: "Task", user: "User" };
const sobjectName = (objectType: string) => SOBJECT[objectType] ?? objectType;

const PRIORITY = { LOW: "Low", MEDIUM: "Normal", HIGH: "High" } as const;
const TYPE = { EMAIL: "Email", CALL: "Call", TODO: "Other", LINKEDIN: "Other" } as const;

export interface SalesforceCrmOptions {
  instanceUrl: string;
  accessToken: string;
  timeoutMs?: number;
  /** Runs before every API call: the rate limiter's pacing. */
  beforeCall?: () => Promise<void>;
}

export function classifySalesforceError(error: unknown): Failure {
  if (error instanceof TimeoutError) return { kind: "transient", message: error.message };
  if (error instanceof SlotTooFarAway) return { kind: "rateLimited", message: error.message, retryAfterMs: error.retryAfterMs, local: true };
  const e = error as { errorCode?: string; name?: string; message?: string };
  const code = e.errorCode ?? "";
  const message = redact(`Salesforce ${code || "network error"}: ${e.message ?? String(error)}`);
  // The daily API allocation is a rolling 24 h window: no point trying again within minutes.
  if (RATE_LIMITED.has(code)) return { kind: "rateLimited", message, retryAfterMs: code === "REQUEST_LIMIT_EXCEEDED" ? 15 * 60_000 : 5_000 };
  if (!code || TRANSIENT.has(code) || /^ERROR_HTTP_5\d\d$/.test(code)) return { kind: "transient", message };
  return { kind: "permanent", message };
}

interface SaveResult {
  id?: string;
  success: boolean;
  errors?: { statusCode?: string; errorCode?: string; message: string }[];
}

function outcomeOf(result: SaveResult | undefined): Outcome {
  if (result?.success) return { ok: true, externalId: result.id };
  const first = result?.errors?.[0];
  return { ok: false, failure: classifySalesforceError({ errorCode: first?.statusCode ?? first?.errorCode, message: first?.message ?? "no result" }) };
}

export class SalesforceCrm implements CrmPort {
  readonly crm = "salesforce" as const;
  readonly maxBatch = MAX_BATCH;
  private readonly conn: Connection;
  private readonly timeoutMs: number;
  private readonly beforeCall: () => Promise<void>;

  constructor(options: SalesforceCrmOptions) {
    this.beforeCall = options.beforeCall ?? (async () => {});
    this.conn = new Connection({ instanceUrl: options.instanceUrl, accessToken: options.accessToken, version: SALESFORCE_API_VERSION });
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Upsert by the external-id key field: a retry updates the task an earlier attempt created. */
  async createTasks(writes: TaskWrite[]): Promise<Outcome[]> {
    const records = writes.map(({ key, task }) => ({
      [SALESFORCE_TASK_KEY_FIELD]: key,
      Subject: task.channel === "LINKEDIN" ? `LinkedIn: ${task.subject}` : task.subject,
      Description: task.body,
      ActivityDate: task.dueAt.slice(0, 10),
      IsReminderSet: true,
      ReminderDateTime: task.dueAt,
      Priority: PRIORITY[task.priority],
      Type: TYPE[task.channel],
      Status: "Not Started",
      OwnerId: task.ownerId,
      ...(WHO_TYPES.has(task.objectType) ? { WhoId: task.objectId } : { WhatId: task.objectId }),
    }));
    return this.save(`upsert ${writes.length} tasks`, () =>
      this.conn.sobject("Task").upsert(records, SALESFORCE_TASK_KEY_FIELD, { allOrNone: false }) as Promise<SaveResult[]>, writes.length);
  }

  async updateRecords(updates: RecordUpdate[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(updates.length);
    const byType = new Map<string, number[]>();
    updates.forEach((u, i) => byType.set(u.objectType, [...(byType.get(u.objectType) ?? []), i]));
    for (const [objectType, indexes] of byType) {
      const merged = new Map<string, Record<string, string | null>>();
      for (const i of indexes) merged.set(updates[i]!.objectId, { ...merged.get(updates[i]!.objectId), ...updates[i]!.properties });
      const ids = [...merged.keys()];
      const results = await this.save(`update ${objectType}`, () => this.conn.sobject(sobjectName(objectType)).update(
        ids.map((Id) => ({ Id, ...merged.get(Id) })),
        // Assignment rules would otherwise overwrite the OwnerId we set.
        { allOrNone: false, headers: { "Sforce-Auto-Assign": "FALSE" } },
      ) as Promise<SaveResult[]>, ids.length);
      for (const i of indexes) outcomes[i] = results[ids.indexOf(updates[i]!.objectId)]!;
    }
    return outcomes;
  }

  async getRecord(objectType: string, objectId: string, properties: string[]): Promise<CrmRecord | null> {
    try {
      await this.beforeCall();
      const record = await withTimeout(
        this.conn.sobject(sobjectName(objectType)).retrieve(objectId, { fields: ["Id", ...properties] }) as Promise<Record<string, unknown>>,
        this.timeoutMs, `Salesforce read ${objectType}`,
      );
      const values: Record<string, string | null> = {};
      for (const name of properties) {
        const value = record[name];
        values[name] = value === null || value === undefined ? null : String(value);
      }
      return { id: String(record.Id), properties: values };
    } catch (error) {
      if ((error as { errorCode?: string }).errorCode === "NOT_FOUND") return null;
      throw new Error(classifySalesforceError(error).message);
    }
  }

  private async save(what: string, call: () => Promise<SaveResult[]>, count: number): Promise<Outcome[]> {
    try {
      await this.beforeCall();
      const results = await withTimeout(call(), this.timeoutMs, `Salesforce ${what}`);
      return Array.from({ length: count }, (_, i) => outcomeOf(results[i]));
    } catch (error) {
      const failure = classifySalesforceError(error);
      return Array.from({ length: count }, () => ({ ok: false as const, failure }));
    }
  }
}
