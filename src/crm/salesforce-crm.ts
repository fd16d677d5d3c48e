import type { Connection } from "jsforce/browser/core";
import { type TaskAction, taskDueDate } from "../core/model/effects";
import { classify, type Failure, FailureError, redact, type Result, withTimeout } from "../platform/failure";
import { systemClock } from "../platform/clock";
import type { ConnectionCheck } from "../platform/connection";
import type { Outcome } from "../platform/outcome";
import {
  type AccountMatch,
  type ConsentWrite,
  type CrmPort,
  type CrmRecord,
  type EmailLogWrite,
  type EmailOptOut,
  type MeetingWrite,
  type PersonMatch,
  type PersonWrite,
  type PersonWritten,
  type RecordUpdate,
  SALESFORCE_TASK_KEY_FIELD,
  type TaskKeyResult,
  type TaskWrite,
} from "./crm-port";
import { SALESFORCE_API_VERSION, type SalesforceAuth, type SalesforceSession, salesforceConnection } from "./salesforce-connection";
import { recordSalesforceConsents } from "./salesforce-consents";
import { soqlString } from "./soql";
import { chunks, type FoundTask, KeyedTasks, mostRetryable } from "./task-updates";

/** sObject Collections take at most 200 records per call. */
const MAX_BATCH = 200;

/** Salesforce error codes worth retrying: limits, locks and the platform's own trouble. */
const RATE_LIMITED = new Set(["REQUEST_LIMIT_EXCEEDED", "ERROR_HTTP_429", "ERROR_HTTP_420"]);
const TRANSIENT = new Set(["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "INVALID_SESSION_ID", "QUERY_TIMEOUT"]);

/** Lead and Contact tasks point at the person (WhoId); the rest at the record (WhatId). */
const WHO_TYPES = new Set(["lead", "contact"]);
const SOBJECT: Record<string, string> = {
  lead: "Lead",
  contact: "Contact",
  opportunity: "Opportunity",
  account: "Account",
  task: "Task",
  user: "User",
};
const sobjectName = (objectType: string) => SOBJECT[objectType] ?? objectType;
/** Salesforce's two person objects: a policy's person fields may belong to either. */
const PERSON_SIBLING: Record<string, string> = { lead: "contact", contact: "lead" };

/** Keys per SOQL query: the query travels in the URL, which should stay well under 16 KB. */
const KEYS_PER_QUERY = 100;
/** Per-record errors that mean the task is gone (deleted since it was read): nothing left to do. */
const GONE = new Set(["ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"]);

const PRIORITY = { LOW: "Low", MEDIUM: "Normal", HIGH: "High" } as const;
const TYPE = { EMAIL: "Email", CALL: "Call", TODO: "Other", LINKEDIN: "Other" } as const;

/** How long an object's describe is trusted: fields change rarely, and a minute is soon enough after a fix. */
const DESCRIBE_TTL_MS = 60_000;

export interface SalesforceCrmOptions {
  instanceUrl: string;
  auth: SalesforceAuth;
  timeoutMs?: number;
  /** Runs before every API call (after signing in): the rate limiter's pacing. */
  beforeCall?: () => Promise<void>;
  /** The org's day as the newest answer's Sforce-Limit-Info said it (api-usage=used/limit). */
  onLimitInfo?: (apiUsage: { used: number; limit: number } | undefined) => void;
  /** When sessions were issued and refused: a session refused right after sign-in is not renewed again. */
  now?: () => number;
}

/**
 * What jsforce throws (or a SaveResult reports), as a Failure: Salesforce names its errors with
 * codes; a call without one never got an answer (a dropped connection) and is transient.
 */
export function classifySalesforceError(error: unknown): Failure {
  if (error instanceof FailureError) return error.failure;
  const e = error as { errorCode?: string; message?: string };
  const code = e.errorCode ?? "";
  if (!code) return classify(error, (m) => `Salesforce network error: ${m}`);
  const message = redact(`Salesforce ${code}: ${e.message ?? String(error)}`);
  // The daily API allocation is a rolling 24 h window: no point trying again within minutes.
  if (RATE_LIMITED.has(code)) return { kind: "rateLimited", message, code, retryAfterMs: code === "REQUEST_LIMIT_EXCEEDED" ? 15 * 60_000 : 5_000 };
  if (TRANSIENT.has(code) || /^ERROR_HTTP_5\d\d$/.test(code)) return { kind: "transient", message, code };
  // The integration user lacks a permission (object, field, sharing): an admin grants it.
  if (code.startsWith("INSUFFICIENT_ACCESS") || code === "ERROR_HTTP_401" || code === "ERROR_HTTP_403")
    return { kind: "permanent", message, code, credentials: true };
  return { kind: "permanent", message, code };
}

interface SaveResult {
  id?: string;
  success: boolean;
  errors?: { statusCode?: string; errorCode?: string; message: string; fields?: string[] }[];
}

interface TaskRow {
  Id: string;
  IsClosed: boolean;
  ActivityDate: string | null;
  ReminderDateTime: string | null;
  OwnerId: string | null;
  [SALESFORCE_TASK_KEY_FIELD]: string | null;
}

/** The host of an Account's Website ("https://www.acme.com/about" → "acme.com"), or null. */
function websiteHost(website: string | null): string | null {
  if (!website) return null;
  try {
    return new URL(/^[a-z]+:\/\//i.test(website) ? website : `https://${website}`).hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return null;
  }
}

/** One page of records changed since a time (SalesforceCrm.changedRecords). */
export interface ChangedRecordsPage {
  records: Record<string, unknown>[];
  /** Salesforce's nextRecordsUrl: the page after this one, or null on the last page. */
  next: string | null;
}

/** Records per page of a changed-records read: Salesforce's smallest batch size, so each page is quick. */
const CHANGED_PAGE_SIZE = 200;

/** createTask writes the due time as the reminder and the owner's date of it as ActivityDate. */
function dueAtMs(row: TaskRow): number | null {
  const reminder = row.ReminderDateTime ? Date.parse(row.ReminderDateTime) : Number.NaN;
  return Number.isNaN(reminder) ? null : reminder;
}

/** Salesforce's code for an owner it will not take (a user deactivated), whose error names no field. */
const OWNER_REFUSED = new Set(["INACTIVE_OWNER_OR_USER"]);

function outcomeOf(result: SaveResult | undefined): Outcome {
  if (result?.success) return { ok: true, externalId: result.id };
  const first = result?.errors?.[0];
  const code = first?.statusCode ?? first?.errorCode;
  const failure = classifySalesforceError({ errorCode: code, message: first?.message ?? "no result" });
  const fields = (first?.fields ?? []).filter((f) => typeof f === "string");
  const refused = fields.length > 0 ? fields : code && OWNER_REFUSED.has(code) ? ["OwnerId"] : [];
  return { ok: false, failure: failure.kind === "permanent" && refused.length > 0 ? { ...failure, refusedFields: refused } : failure };
}

export class SalesforceCrm extends KeyedTasks implements CrmPort {
  readonly crm = "salesforce" as const;
  readonly maxBatch = MAX_BATCH;
  private readonly conn: Connection;
  private readonly session: SalesforceSession;
  private readonly timeoutMs: number;
  private readonly beforeCall: () => Promise<void>;
  private readonly onLimitInfo: (apiUsage: { used: number; limit: number } | undefined) => void;
  private readonly now: () => number;

  constructor(options: SalesforceCrmOptions) {
    super();
    this.now = options.now ?? systemClock.now;
    this.session = salesforceConnection(options.instanceUrl, options.auth, this.now);
    const pace = options.beforeCall ?? (async () => {});
    // Signing in is not an API call, so it comes before the limiter's slot, which is used at once.
    this.beforeCall = async () => {
      await this.session.signIn();
      await pace();
    };
    this.conn = this.session.conn;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.onLimitInfo = options.onLimitInfo ?? (() => {});
  }

  /** Signs in, then reads the org's limits (paced like every call): the day's API allowance. */
  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await withTimeout(this.session.signIn(), this.timeoutMs, "Salesforce sign-in");
    } catch (error) {
      const failure = classifySalesforceError(error);
      return { system: "Salesforce", ok: false, signInFailed: failure.kind === "permanent", detail: failure.message };
    }
    try {
      await this.beforeCall();
      const limits = await withTimeout(
        this.conn.request<{ DailyApiRequests?: { Max: number; Remaining: number } }>(`/services/data/v${SALESFORCE_API_VERSION}/limits`),
        this.timeoutMs,
        "Salesforce limits read",
      );
      const d = limits.DailyApiRequests;
      return {
        system: "Salesforce",
        ok: true,
        signInFailed: false,
        detail: "signed in; the org's limits read",
        ...(d ? { daily: { used: d.Max - d.Remaining, max: d.Max } } : {}),
      };
    } catch (error) {
      const failure = classifySalesforceError(error);
      return { system: "Salesforce", ok: false, signInFailed: failure.status === 401, detail: failure.message };
    }
  }

  /** Upsert by the external-id key field: a retry updates the task an earlier attempt created. */
  async createTasks(writes: TaskWrite[]): Promise<Outcome[]> {
    const records = writes.map(({ key, task }) => ({
      [SALESFORCE_TASK_KEY_FIELD]: key,
      Subject: task.channel === "LINKEDIN" ? `LinkedIn: ${task.subject}` : task.subject,
      Description: task.body,
      ActivityDate: taskDueDate(task),
      IsReminderSet: true,
      ReminderDateTime: task.dueAt,
      Priority: PRIORITY[task.priority],
      Type: TYPE[task.channel],
      Status: "Not Started",
      OwnerId: task.ownerId,
      ...(WHO_TYPES.has(task.objectType) ? { WhoId: task.objectId } : { WhatId: task.objectId }),
    }));
    return this.save(
      `upsert ${writes.length} tasks`,
      () => this.conn.sobject("Task").upsert(records, SALESFORCE_TASK_KEY_FIELD, { allOrNone: false }) as Promise<SaveResult[]>,
      writes.length,
    );
  }

  /**
   * Logs sent emails as completed Tasks of subtype Email on the Lead or Contact (what Salesforce
   * shows as an email in the activity timeline), upserted by the key field like tasks. TaskSubtype
   * can be set only when a task is created: a retry that finds the task an earlier attempt wrote
   * takes the update path, where Salesforce refuses that field, and that refusal says it is logged.
   */
  async logEmails(writes: EmailLogWrite[]): Promise<Outcome[]> {
    const records = writes.map(({ key, email }) => ({
      [SALESFORCE_TASK_KEY_FIELD]: key,
      Subject: `Email: ${email.subject}`.slice(0, 255),
      Description:
        `From: ${email.fromName ? `${email.fromName} <${email.fromAddress}>` : email.fromAddress}\nTo: ${email.toAddress}\n\n${email.text}`.slice(
          0,
          32_000,
        ),
      ActivityDate: email.sentAt.slice(0, 10),
      Status: "Completed",
      Priority: "Normal",
      Type: "Email",
      TaskSubtype: "Email",
      OwnerId: email.ownerId,
      ...(WHO_TYPES.has(email.objectType) ? { WhoId: email.objectId } : { WhatId: email.objectId }),
    }));
    const saved = await this.save(
      `log ${writes.length} emails`,
      () => this.conn.sobject("Task").upsert(records, SALESFORCE_TASK_KEY_FIELD, { allOrNone: false }) as Promise<SaveResult[]>,
      writes.length,
    );
    return saved.map((outcome) =>
      !outcome.ok && outcome.failure.refusedFields?.length === 1 && outcome.failure.refusedFields[0] === "TaskSubtype"
        ? { ok: true, externalId: "logged before (the task exists)" }
        : outcome,
    );
  }

  /** Ticks HasOptedOutOfEmail on each Lead or Contact: Salesforce's email opt-out. */
  async optOutEmails(writes: EmailOptOut[]): Promise<Outcome[]> {
    return this.updateRecords(writes.map((w) => ({ objectType: w.objectType, objectId: w.objectId, properties: { HasOptedOutOfEmail: "true" } })));
  }

  async updateRecords(updates: RecordUpdate[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(updates.length);
    const byType = new Map<string, number[]>();
    updates.forEach((u, i) => {
      byType.set(u.objectType, [...(byType.get(u.objectType) ?? []), i]);
    });
    for (const [objectType, indexes] of byType) {
      const merged = new Map<string, Record<string, string | null>>();
      for (const i of indexes) merged.set(updates[i]!.objectId, { ...merged.get(updates[i]!.objectId), ...updates[i]!.properties });
      const ids = [...merged.keys()];
      const results = await this.save(
        `update ${objectType}`,
        () =>
          this.conn.sobject(sobjectName(objectType)).update(
            ids.map((Id) => ({ Id, ...merged.get(Id) })),
            // Assignment rules would otherwise overwrite the OwnerId we set.
            { allOrNone: false, headers: { "Sforce-Auto-Assign": "FALSE" } },
          ) as Promise<SaveResult[]>,
        ids.length,
      );
      for (const i of indexes) outcomes[i] = results[ids.indexOf(updates[i]!.objectId)]!;
    }
    return outcomes;
  }

  async getRecord(objectType: string, objectId: string, properties: string[], previousOf: string[] = []): Promise<Result<CrmRecord | null>> {
    const retrieve = (fields: string[]) =>
      this.call(
        `read ${objectType}`,
        () => this.conn.sobject(sobjectName(objectType)).retrieve(objectId, { fields: ["Id", ...fields] }) as Promise<Record<string, unknown>>,
      );
    let read = await retrieve(properties);
    const sibling = PERSON_SIBLING[objectType];
    if (!read.ok && read.failure.code === "INVALID_FIELD" && sibling) {
      // A policy names a person's fields once for leads and contacts (a contact has no Company or
      // Status): those only the other object has are read as empty. A field neither has is a
      // mistake in the policy, and stays the permanent failure it is.
      const [own, other] = await Promise.all([this.fieldNames(objectType), this.fieldNames(sibling)]);
      if (!own.ok) return own;
      if (!other.ok) return other;
      const ownNames = new Set(own.value);
      const absent = properties.filter((p) => !ownNames.has(p));
      if (absent.every((p) => other.value.includes(p))) read = await retrieve(properties.filter((p) => ownNames.has(p)));
    }
    // Not there, or in the recycle bin: either way the record is gone for the rules.
    if (!read.ok) return read.failure.code === "NOT_FOUND" || read.failure.code === "ENTITY_IS_DELETED" ? { ok: true, value: null } : read;
    const values: Record<string, string | null> = {};
    for (const name of properties) {
      const value = read.value[name];
      values[name] = value === null || value === undefined ? null : String(value);
    }
    const found: CrmRecord = { id: String(read.value.Id), properties: values };
    if (previousOf.length === 0) return { ok: true, value: found };
    const previous = await this.previousValues(objectType, objectId, previousOf, values);
    return previous.ok ? { ok: true, value: { ...found, previous: previous.value } } : previous;
  }

  /**
   * An opportunity's earlier values: the stage from OpportunityHistory (Salesforce keeps it for
   * every org), other fields from OpportunityFieldHistory (when the org tracks them). Objects
   * without such history answer null: nothing known.
   */
  private async previousValues(
    objectType: string,
    objectId: string,
    names: string[],
    current: Record<string, string | null>,
  ): Promise<Result<Record<string, string | null>>> {
    const previous: Record<string, string | null> = Object.fromEntries(names.map((name) => [name, null]));
    if (sobjectName(objectType) !== "Opportunity") return { ok: true, value: previous };
    const id = soqlString(objectId);
    for (const name of names) {
      if (name === "StageName") {
        const soql = `SELECT StageName FROM OpportunityHistory WHERE OpportunityId = ${id} ORDER BY CreatedDate DESC, Id DESC LIMIT 20`;
        const rows = await this.query<{ StageName: string | null }>(soql, "read stage history");
        if (!rows.ok) return rows;
        // Snapshots are also taken when the amount or close date change: the stage before is the newest other one.
        previous[name] = rows.value.find((row) => row.StageName !== current[name])?.StageName ?? null;
      } else {
        const soql = `SELECT OldValue FROM OpportunityFieldHistory WHERE OpportunityId = ${id} AND Field = ${soqlString(name)} ORDER BY CreatedDate DESC, Id DESC LIMIT 1`;
        const rows = await this.query<{ OldValue: unknown }>(soql, `read ${name} history`);
        if (!rows.ok) return rows;
        const old = rows.value[0]?.OldValue;
        previous[name] = old === null || old === undefined ? null : String(old);
      }
    }
    return { ok: true, value: previous };
  }

  private readonly described = new Map<string, { fields: { name: string; type: string }[]; readAt: number }>();

  /**
   * The fields `objectType` has in this org, with their types (its describe, read again after
   * DESCRIBE_TTL_MS: a field an admin creates to mend a dead effect is seen by its retry).
   */
  private async describedFields(objectType: string): Promise<Result<{ name: string; type: string }[]>> {
    const sobject = sobjectName(objectType);
    const known = this.described.get(sobject);
    const now = this.now();
    if (known && now - known.readAt < DESCRIBE_TTL_MS && now >= known.readAt) return { ok: true, value: known.fields };
    const fields = await this.call(`describe ${sobject}`, async () =>
      (await this.conn.sobject(sobject).describe()).fields.map((f) => ({ name: f.name, type: f.type as string })),
    );
    if (fields.ok) this.described.set(sobject, { fields: fields.value, readAt: now });
    return fields;
  }

  /** The names of the fields `objectType` has in this org (its describe, see describedFields). */
  async fieldNames(objectType: string): Promise<Result<string[]>> {
    const fields = await this.describedFields(objectType);
    return fields.ok ? { ok: true, value: fields.value.map((f) => f.name) } : fields;
  }

  /**
   * Consents on the people's records: a checkbox and its date, or a ContactPointTypeConsent for
   * the person's Individual (src/crm/salesforce-consents.ts), through sObject Collections.
   */
  recordConsents(writes: ConsentWrite[]): Promise<Outcome[]> {
    const options = { allOrNone: false, headers: { "Sforce-Auto-Assign": "FALSE" } };
    return recordSalesforceConsents(writes, {
      findPeople: (emails) => this.findPeople(emails),
      query: (soql, what) => this.query(soql, what),
      fields: async (objectType) => {
        const fields = await this.describedFields(objectType);
        return fields.ok ? { ok: true, value: new Map(fields.value.map((f) => [f.name.toLowerCase(), f])) } : fields;
      },
      create: (sobject, records) =>
        this.save(
          `create ${records.length} ${sobject}`,
          () => this.conn.sobject(sobject).create(records, options) as Promise<SaveResult[]>,
          records.length,
        ),
      // Assignment rules would otherwise move a lead whose consent is written.
      update: (sobject, records) =>
        this.save(
          `update ${records.length} ${sobject}`,
          () => this.conn.sobject(sobject).update(records as { Id: string }[], options) as Promise<SaveResult[]>,
          records.length,
        ),
      destroy: (sobject, ids) =>
        this.save(
          `delete ${ids.length} ${sobject}`,
          () => this.conn.sobject(sobject).destroy(ids, { allOrNone: false }) as Promise<SaveResult[]>,
          ids.length,
        ),
    });
  }

  /**
   * One page of the records of `objectType` last modified at or after `since` (to the second),
   * oldest first, deleted ones included (queryAll); `cursor`, a page's `next`, reads the page
   * after it. Fields must exist on the object (see fieldNames).
   */
  async changedRecords(objectType: string, fields: readonly string[], since: Date, cursor?: string): Promise<Result<ChangedRecordsPage>> {
    const headers = { "Sforce-Query-Options": `batchSize=${CHANGED_PAGE_SIZE}` };
    let url: string;
    if (cursor) {
      // Only Salesforce's own next-page links are followed.
      if (!/^\/services\/data\/v\d+\.\d\/query(All)?\/[A-Za-z0-9-]+$/.test(cursor)) {
        return { ok: false, failure: { kind: "permanent", message: "not a Salesforce nextRecordsUrl", code: "INVALID_QUERY_LOCATOR" } };
      }
      url = cursor;
    } else {
      const at = since.toISOString().replace(/\.\d{3}Z$/, "Z");
      const soql = `SELECT ${[...new Set(["Id", ...fields])].join(", ")} FROM ${sobjectName(objectType)} WHERE LastModifiedDate >= ${at} ORDER BY LastModifiedDate, Id`;
      url = `/queryAll?q=${encodeURIComponent(soql)}`;
    }
    const page = await this.call(`read changed ${objectType}`, () =>
      this.conn.request<{ records: Record<string, unknown>[]; nextRecordsUrl?: string }>({ method: "GET", url, headers }),
    );
    if (!page.ok) return page;
    const records = page.value.records.map(({ attributes: _attributes, ...fields }) => fields);
    return { ok: true, value: { records, next: page.value.nextRecordsUrl ?? null } };
  }

  private query<T extends object>(soql: string, what: string): Promise<Result<T[]>> {
    return this.call(what, async () => (await this.conn.query<T>(soql)).records);
  }

  /** Leads not yet converted and contacts with these emails (SOQL compares them case-insensitively). */
  async findPeople(emails: string[]): Promise<Result<PersonMatch[]>> {
    const found: PersonMatch[] = [];
    for (const part of chunks([...new Set(emails.map((e) => e.toLowerCase()))], KEYS_PER_QUERY)) {
      const list = part.map(soqlString).join(", ");
      for (const [sobject, objectType, extra] of [
        ["Lead", "lead", " AND IsConverted = false"],
        ["Contact", "contact", ""],
      ] as const) {
        const rows = await this.query<{ Id: string; Email: string | null; OwnerId: string | null }>(
          `SELECT Id, Email, OwnerId FROM ${sobject} WHERE Email IN (${list})${extra} ORDER BY CreatedDate`,
          `find ${sobject.toLowerCase()}s by email`,
        );
        if (!rows.ok) return rows;
        for (const row of rows.value) if (row.Email) found.push({ email: row.Email, objectType, id: row.Id, ownerId: row.OwnerId });
      }
    }
    return { ok: true, value: found };
  }

  /** Accounts whose Website is on one of these domains (www. and paths ignored). */
  async findAccounts(domains: string[]): Promise<Result<AccountMatch[]>> {
    const wanted = [...new Set(domains.map((d) => d.toLowerCase()))];
    if (wanted.length === 0) return { ok: true, value: [] };
    const found: AccountMatch[] = [];
    for (const part of chunks(wanted, 20)) {
      const where = part.map((d) => `Website LIKE ${soqlString(`%${d}%`)}`).join(" OR ");
      const rows = await this.query<{ Id: string; Website: string | null; OwnerId: string | null }>(
        `SELECT Id, Website, OwnerId FROM Account WHERE ${where} ORDER BY CreatedDate LIMIT 200`,
        "find accounts by domain",
      );
      if (!rows.ok) return rows;
      for (const row of rows.value) {
        const host = websiteHost(row.Website);
        const domain = part.find((d) => host === d || host?.endsWith(`.${d}`));
        if (domain) found.push({ domain, id: row.Id, ownerId: row.OwnerId });
      }
    }
    return { ok: true, value: found };
  }

  /**
   * The matched record is updated; a person not matched becomes a Lead, unless a lead or contact
   * has the email by now (the first try created it and its answer was lost): that one is updated.
   */
  async upsertPeople(writes: PersonWrite[]): Promise<PersonWritten[]> {
    const unmatched = writes.filter((w) => !w.recordId).map((w) => w.email);
    const existing = unmatched.length > 0 ? await this.findPeople(unmatched) : { ok: true as const, value: [] };
    if (!existing.ok) return writes.map(() => existing);
    const byEmail = new Map(existing.value.map((p) => [p.email.toLowerCase(), p]));
    const targets = writes.map((w) => {
      const found = w.recordId ? { id: w.recordId, objectType: w.objectType } : byEmail.get(w.email.toLowerCase());
      return { write: w, found };
    });
    const outcomes: PersonWritten[] = new Array(writes.length);
    for (const [sobject, objectType] of [
      ["Lead", "lead"],
      ["Contact", "contact"],
    ] as const) {
      const matched = targets.flatMap((t, i) => (t.found?.objectType === objectType ? [{ i, id: t.found.id, properties: t.write.properties }] : []));
      if (matched.length === 0) continue;
      // A form maps to Lead fields; a contact it matched gets those it has (it has no Company, say).
      const described = objectType === "contact" ? await this.fieldNames("contact") : undefined;
      const fields = described?.ok ? { ok: true as const, value: new Set(described.value) } : described;
      if (fields && !fields.ok) {
        for (const m of matched) outcomes[m.i] = fields;
        continue;
      }
      const updates = matched.map((m) => ({
        i: m.i,
        record: { Id: m.id, ...Object.fromEntries(Object.entries(m.properties).filter(([name]) => !fields || fields.value.has(name))) },
      }));
      const saved = await this.save(
        `update ${updates.length} ${sobject}s`,
        () =>
          this.conn.sobject(sobject).update(
            updates.map((u) => u.record),
            { allOrNone: false, headers: { "Sforce-Auto-Assign": "FALSE" } },
          ) as Promise<SaveResult[]>,
        updates.length,
      );
      updates.forEach((u, n) => {
        const outcome = saved[n]!;
        outcomes[u.i] = outcome.ok ? { ok: true, id: u.record.Id, objectType, created: false } : outcome;
      });
    }
    const inserts = targets.flatMap((t, i) => (t.found ? [] : [{ i, record: { ...t.write.properties, Email: t.write.email } }]));
    if (inserts.length > 0) {
      const saved = await this.save(
        `create ${inserts.length} leads`,
        () =>
          this.conn.sobject("Lead").create(
            inserts.map((c) => c.record),
            { allOrNone: false, headers: { "Sforce-Auto-Assign": "FALSE" } },
          ) as Promise<SaveResult[]>,
        inserts.length,
      );
      inserts.forEach((c, n) => {
        const outcome = saved[n]!;
        outcomes[c.i] =
          outcome.ok && outcome.externalId
            ? { ok: true, id: outcome.externalId, objectType: "lead", created: true }
            : outcome.ok
              ? { ok: false, failure: { kind: "transient", message: "Salesforce returned no id for the new lead" } }
              : outcome;
      });
    }
    return outcomes;
  }

  /** IsClosed, not Status, says whether a task is done: an org can add closed statuses of its own. */
  protected async lookUpTasks(keys: string[]): Promise<Result<FoundTask[]>> {
    const found: FoundTask[] = [];
    const wanted = new Set(keys);
    for (const part of chunks([...wanted], KEYS_PER_QUERY)) {
      const soql =
        `SELECT Id, IsClosed, ActivityDate, ReminderDateTime, OwnerId, ${SALESFORCE_TASK_KEY_FIELD} FROM Task ` +
        `WHERE ${SALESFORCE_TASK_KEY_FIELD} IN (${part.map(soqlString).join(", ")})`;
      const queried = await this.query<TaskRow>(soql, "query tasks by key");
      if (!queried.ok) return queried;
      for (const row of queried.value) {
        const key = row[SALESFORCE_TASK_KEY_FIELD];
        // SOQL compares text case-insensitively; only the exact key is ours.
        if (!key || !wanted.has(key)) continue;
        found.push({
          key,
          id: row.Id,
          status: row.IsClosed ? "completed" : "open",
          dueAtMs: dueAtMs(row),
          dueDate: row.ActivityDate,
          ownerId: row.OwnerId,
        });
      }
    }
    return { ok: true, value: found };
  }

  /** Completes, deletes or moves the tasks through sObject Collections, 200 per call. */
  protected async applyToTasks(tasks: FoundTask[], action: TaskAction): Promise<Result<TaskKeyResult[]>> {
    const results: TaskKeyResult[] = [];
    const tasksApi = this.conn.sobject("Task");
    for (const part of chunks(tasks, MAX_BATCH)) {
      const saved = await this.call(
        `${action.kind} ${part.length} tasks`,
        () =>
          (action.kind === "delete"
            ? tasksApi.destroy(
                part.map((t) => t.id),
                { allOrNone: false },
              )
            : tasksApi.update(
                part.map((t) => ({
                  Id: t.id,
                  ...(action.kind === "complete"
                    ? { Status: "Completed" }
                    : action.kind === "reassign"
                      ? { OwnerId: action.ownerId, ...(action.dueDates?.[t.key] ? { ActivityDate: action.dueDates[t.key] } : {}) }
                      : { ActivityDate: taskDueDate(action), ReminderDateTime: action.dueAt }),
                })),
                { allOrNone: false },
              )) as Promise<SaveResult[]>,
      );
      if (!saved.ok) return saved;
      const failures: Failure[] = [];
      part.forEach((task, i) => {
        const result = saved.value[i];
        const code = result?.errors?.[0]?.statusCode ?? result?.errors?.[0]?.errorCode ?? "";
        if (result?.success) results.push({ key: task.key, taskId: task.id, result: "changed" });
        else if (GONE.has(code)) results.push({ key: task.key, result: "missing" });
        else {
          const outcome = outcomeOf(result);
          if (!outcome.ok) failures.push(outcome.failure);
        }
      });
      const failure = mostRetryable(failures);
      if (failure) return { ok: false, failure };
    }
    return { ok: true, value: results };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<Result<T>> {
    const started = this.now();
    try {
      await this.beforeCall();
      const value = await withTimeout(fn(), this.timeoutMs, `Salesforce ${what}`);
      // jsforce keeps the newest answer's Sforce-Limit-Info on the connection.
      this.onLimitInfo((this.conn as { limitInfo?: { apiUsage?: { used: number; limit: number } } }).limitInfo?.apiUsage);
      return { ok: true, value };
    } catch (error) {
      // A renewal that failed inside jsforce reaches us re-wrapped: its real failure is kept by the session.
      return { ok: false, failure: this.session.renewalFailureSince(started) ?? classifySalesforceError(error) };
    }
  }

  /**
   * Events with WhoId (the lead or contact) and OwnerId (the rep), upserted by the activity key
   * field (Idempotency_Key__c is an Activity field: Tasks and Events both have it), so a retry or a
   * move updates the one Event. A cancelled meeting's Event is deleted (an Event has no status).
   */
  async writeMeetings(writes: MeetingWrite[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(writes.length);
    const kept = writes.flatMap((w, i) => (w.action === "cancel" ? [] : [i]));
    if (kept.length > 0) {
      const records = kept.map((i) => {
        const w = writes[i]!;
        return {
          [SALESFORCE_TASK_KEY_FIELD]: w.key,
          Subject: w.title.slice(0, 255),
          Description: w.body,
          StartDateTime: w.startsAt,
          EndDateTime: w.endsAt,
          WhoId: w.person.id,
          ...(w.ownerId ? { OwnerId: w.ownerId } : {}),
          ...(w.joinUrl ? { Location: w.joinUrl.slice(0, 255) } : {}),
        };
      });
      const saved = await this.save(
        `upsert ${kept.length} events`,
        () => this.conn.sobject("Event").upsert(records, SALESFORCE_TASK_KEY_FIELD, { allOrNone: false }) as Promise<SaveResult[]>,
        kept.length,
      );
      kept.forEach((i, n) => {
        outcomes[i] = saved[n]!;
      });
    }
    for (let i = 0; i < writes.length; i++) {
      if (writes[i]!.action !== "cancel") continue;
      const key = writes[i]!.key;
      const found = await this.call(
        "find event by key",
        async () => (await this.conn.query<{ Id: string }>(`SELECT Id FROM Event WHERE ${SALESFORCE_TASK_KEY_FIELD} = ${soqlString(key)}`)).records,
      );
      if (!found.ok) {
        outcomes[i] = found;
        continue;
      }
      const ids = found.value.map((r) => r.Id);
      if (ids.length === 0) {
        outcomes[i] = { ok: true, externalId: "no event for this booking" };
        continue;
      }
      const deleted = await this.save(
        "delete event",
        () => this.conn.sobject("Event").destroy(ids, { allOrNone: false }) as Promise<SaveResult[]>,
        ids.length,
      );
      outcomes[i] = deleted.find((d) => !d.ok) ?? { ok: true, externalId: `deleted ${ids.join(",")}` };
    }
    return outcomes;
  }

  /** One outcome per record: from its SaveResult, or the call's failure for all of them. */
  private async save(what: string, fn: () => Promise<SaveResult[]>, count: number): Promise<Outcome[]> {
    const saved = await this.call(what, fn);
    return Array.from({ length: count }, (_, i): Outcome => (saved.ok ? outcomeOf(saved.value[i]) : saved));
  }
}
