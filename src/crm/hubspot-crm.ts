import { HubSpotClient } from "../platform/hubspot-transport";
import type { TaskAction } from "../core/model/effects";
import { systemClock } from "../platform/clock";
import { classify, type Failure, failureOfStatus, FailureError, parseRetryAfter, redact, type Result, withTimeout } from "../platform/failure";
import type { ConnectionCheck } from "../platform/connection";
import type { Outcome } from "../platform/outcome";
import {
  type AccountMatch,
  type CrmPort,
  type CrmRecord,
  type EmailLogWrite,
  type EmailOptOut,
  type EmailSubscription,
  HUBSPOT_TASK_KEY_PROPERTY,
  type MeetingWrite,
  type PersonMatch,
  type PersonWrite,
  type PersonWritten,
  type RecordUpdate,
  type TaskKeyResult,
  type TaskWrite,
} from "./crm-port";
import { type BatchAnswer, type BatchReadRequest, HubSpotApi, type ObjectInput, type PublicObject, type StandardError } from "./hubspot-api";
import { VALIDATION_RULE, validationRuleRefusal } from "./hubspot-validation-rules";
import { chunks, type FoundTask, KeyedTasks } from "./task-updates";

/** HubSpot batch endpoints take at most 100 inputs. */
const MAX_BATCH = 100;
/** A read through the portal's batcher: the limiter's longest wait (20 s), the batch call and single reads after it (15 s each), and a margin. */
const READ_THROUGH_TIMEOUT_MS = 60_000;

/** A read's record: the properties it asked, and the values before the current ones it asked of. */
function crmRecordOf(object: PublicObject, properties: readonly string[], previousOf: readonly string[]): CrmRecord {
  const record: CrmRecord = { id: object.id, properties: Object.fromEntries(properties.map((name) => [name, object.properties[name] ?? null])) };
  if (previousOf.length > 0) {
    // History comes newest first; the first entry is the current value (repeated values are not moves).
    const history = object.propertiesWithHistory ?? {};
    record.previous = Object.fromEntries(
      previousOf.map((name) => {
        const current = object.properties[name] ?? null;
        return [name, history[name]?.find((entry) => entry.value !== current)?.value ?? null];
      }),
    );
  }
  return record;
}

/** Association type ids (HUBSPOT_DEFINED) from a task to the record it is about. */
const TASK_ASSOCIATION: Record<string, number> = { contact: 204, company: 192, deal: 216, ticket: 230 };
/** HubSpot's LEAD_TO_PRIMARY_CONTACT association type: every lead has one contact so associated. */
const LEAD_TO_PRIMARY_CONTACT = 578;

const PLURAL: Record<string, string> = { contact: "contacts", company: "companies", deal: "deals", ticket: "tickets", task: "tasks", lead: "leads" };
const objectPath = (objectType: string) => PLURAL[objectType] ?? objectType;

export interface HubSpotCrmOptions {
  accessToken: string;
  /** https://api.hubapi.com in production; the emulator's URL in dev and tests. */
  basePath: string;
  timeoutMs?: number;
  /**
   * Runs before every API call: the rate limiter's pacing. What it returns, if anything, is
   * called once the call has ended (answered, failed or timed out), for a limiter that counts
   * each call until then (it reached HubSpot somewhere in between).
   */
  beforeCall?: () => Promise<void | (() => Promise<void>)>;
  /** Sees every answer's status and headers (HubSpot's quota headers). */
  onAnswer?: (status: number, headers: Record<string, string>) => void;
  /**
   * Where single-record reads (without history) go instead of their own GET: the portal's
   * CrmReadBatcher object, which reads records asked for close together in one batch call.
   */
  readThrough?: (objectType: string, objectId: string, properties: string[]) => Promise<Result<CrmRecord | null>>;
  now?: () => number;
}

interface ApiError {
  code?: number;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
}

/**
 * What a call threw, as a Failure: HubSpotApiError carries the HTTP status, headers and
 * HubSpot's error body; anything without a status (a dropped connection) is transient.
 */
export function classifyHubSpotError(error: unknown, now: number): Failure {
  if (error instanceof FailureError) return error.failure;
  const e = error as ApiError;
  if (typeof e.code !== "number") return classify(error, (m) => `HubSpot network error: ${m}`);
  const body = (typeof e.body === "object" && e.body ? e.body : {}) as StandardError & { policyName?: string };
  const refusal = e.code === 400 ? validationRuleRefusal(body) : undefined;
  if (refusal) return { kind: "permanent", status: 400, code: VALIDATION_RULE, message: redact(`HubSpot 400: ${refusal}`) };
  const message = redact(`HubSpot ${e.code}: ${body.message ?? e.message ?? String(error)}`);
  // The daily limit will not lift in seconds: wait long. Retry-After wins when HubSpot sends it.
  const retryAfterMs =
    e.code === 429 ? (parseRetryAfter(e.headers?.["retry-after"], now) ?? (body.policyName === "DAILY" ? 60 * 60_000 : 10_000)) : undefined;
  return failureOfStatus(e.code, message, retryAfterMs);
}

const isConflict = (failure: Failure) => failure.status === 409;

/**
 * A call that loses the race with its timeout still settles later; marking it handled keeps its
 * late rejection (a dropped connection) from being reported as unhandled. The race still sees it.
 */
export function settled<T>(call: Promise<T>): Promise<T> {
  call.catch(() => {});
  return call;
}

/** The day's allowance from HubSpot's rate-limit headers (private apps get them on every answer). */
function dailyOf(headers: Record<string, string>): Pick<ConnectionCheck, "daily"> {
  const max = Number(headers["x-hubspot-ratelimit-daily"]);
  const remaining = Number(headers["x-hubspot-ratelimit-daily-remaining"]);
  return max > 0 && Number.isFinite(remaining) ? { daily: { used: max - remaining, max } } : {};
}

export class HubSpotCrm extends KeyedTasks implements CrmPort {
  readonly crm = "hubspot" as const;
  readonly maxBatch = MAX_BATCH;
  private readonly api: HubSpotApi;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly beforeCall: () => Promise<void | (() => Promise<void>)>;
  private readonly readThrough: HubSpotCrmOptions["readThrough"];

  constructor(options: HubSpotCrmOptions) {
    super();
    this.beforeCall = options.beforeCall ?? (async () => {});
    this.readThrough = options.readThrough;
    // No retries or limiter in the client: the outbox owns retries (it honours Retry-After) and pacing.
    const access = { accessToken: options.accessToken, basePath: options.basePath };
    this.api = new HubSpotApi(new HubSpotClient(access, options.onAnswer ? { onAnswer: options.onAnswer } : {}));
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.now = options.now ?? systemClock.now;
  }

  /** Reads one owner: the access token works, and private apps are told their daily allowance on every answer. */
  async checkConnection(): Promise<ConnectionCheck> {
    let ended: (() => Promise<void>) | undefined;
    try {
      ended = (await this.beforeCall()) || undefined;
      const answer = await withTimeout(settled(this.api.ownersPage({ limit: 1 })), this.timeoutMs, "HubSpot owners read");
      return { system: "HubSpot", ok: true, signInFailed: false, detail: "the access token reads owners", ...dailyOf(answer.headers) };
    } catch (error) {
      const failure = classifyHubSpotError(error, this.now());
      const refused = failure.status === 401 || failure.status === 403;
      return {
        system: "HubSpot",
        ok: false,
        signInFailed: refused,
        detail: refused ? `HubSpot refused the access token (HTTP ${failure.status})` : failure.message,
        ...dailyOf((error as ApiError).headers ?? {}),
      };
    } finally {
      await ended?.();
    }
  }

  /**
   * Creates tasks with their associations in one call per batch. The key property is unique in
   * HubSpot, so a task that an earlier attempt created (its answer lost) is refused as a
   * conflict instead of duplicated; whatever the create call did not return is then looked up
   * by key, and only what is truly missing counts as failed.
   */
  async createTasks(writes: TaskWrite[]): Promise<Outcome[]> {
    const onLeads = writes.filter((w) => w.task.objectType === "lead");
    if (onLeads.length === 0) return this.createTaskBatch(writes, new Map());
    // A lead's task belongs on the lead and on its contact, where reps see it too: the leads'
    // contacts are read in one call, the tasks created on them, then tied to their leads.
    const contacts = await this.leadContacts([...new Set(onLeads.map((w) => w.task.objectId))]);
    if (!contacts.ok) {
      // The leads' tasks wait for a read that works; the others go on.
      const others = writes.filter((w) => w.task.objectType !== "lead");
      const done = new Map(others.length > 0 ? (await this.createTaskBatch(others, new Map())).map((o, i) => [others[i]!, o] as const) : []);
      return writes.map((w) => done.get(w) ?? contacts);
    }
    const outcomes = await this.createTaskBatch(writes, contacts.value);
    const tied = writes.flatMap((w, i) => {
      const outcome = outcomes[i]!;
      return w.task.objectType === "lead" && outcome.ok && outcome.externalId ? [{ i, from: outcome.externalId, to: w.task.objectId }] : [];
    });
    if (tied.length === 0) return outcomes;
    const linked = await this.call("associate tasks with leads", () =>
      this.api.associateDefault(
        "tasks",
        "leads",
        tied.map((t) => ({ from: t.from, to: t.to })),
      ),
    );
    const failed = linked.ok ? new Set(errorsOf(linked.value).flatMap((e) => Object.values(e.context).flat())) : undefined;
    for (const t of tied) {
      // Not tied yet: the write is retried, finds its task by key and ties it again (idempotent).
      if (!linked.ok) outcomes[t.i] = linked;
      else if (failed?.has(t.from) || failed?.has(t.to))
        outcomes[t.i] = { ok: false, failure: { kind: "transient", message: `HubSpot did not associate task ${t.from} with lead ${t.to}` } };
    }
    return outcomes;
  }

  /**
   * Logs sent emails as email engagements (direction EMAIL, status SENT, the owner's, associated
   * with the contact), keyed like tasks: a retry after a lost answer finds the engagement.
   */
  async logEmails(writes: EmailLogWrite[]): Promise<Outcome[]> {
    return this.createKeyed(
      "emails",
      writes.map((w) => ({ key: w.key, input: emailInput(w) })),
    );
  }

  /**
   * Unsubscribes each address from the subscription types named (HubSpot's communication
   * preferences, one call each): HubSpot then shows the person as opted out of them. An address
   * already unsubscribed is the state asked for.
   */
  async optOutEmails(writes: EmailOptOut[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const w of writes) {
      const done: string[] = [];
      let failed: Outcome | undefined;
      for (const subscriptionId of w.subscriptionIds) {
        const result = await this.call("unsubscribe", () => this.api.unsubscribe({ emailAddress: w.email, subscriptionId }));
        if (result.ok || (result.failure.status === 400 && /already unsubscribed|not subscribed/i.test(result.failure.message)))
          done.push(subscriptionId);
        else {
          failed = result;
          break;
        }
      }
      if (failed) outcomes.push(failed);
      else
        outcomes.push({
          ok: true,
          externalId:
            done.length > 0 ? `unsubscribed from ${done.join(", ")}` : "no HubSpot subscription types named (email.hubspotOptOutSubscriptions)",
        });
    }
    return outcomes;
  }

  /** Each lead's contact (its primary one first, HubSpot's type 578); leads without one are left out. */
  private async leadContacts(leadIds: string[]): Promise<Result<Map<string, string>>> {
    const contacts = new Map<string, string>();
    for (const part of chunks(leadIds, MAX_BATCH)) {
      const read = await this.call("read leads' contacts", () => this.api.readAssociations("leads", "contacts", part));
      if (!read.ok) return read;
      for (const { from, to } of read.value.results) {
        const primary = to.find((t) => t.associationTypes.some((a) => a.typeId === LEAD_TO_PRIMARY_CONTACT)) ?? to[0];
        if (primary) contacts.set(from.id, primary.toObjectId);
      }
    }
    return { ok: true, value: contacts };
  }

  private createTaskBatch(writes: TaskWrite[], leadContacts: ReadonlyMap<string, string>): Promise<Outcome[]> {
    return this.createKeyed(
      "tasks",
      writes.map((w) => ({ key: w.key, input: taskInput(w, leadContacts) })),
    );
  }

  /**
   * The keyed objects' create and read calls, each with its object type written out (the kit's
   * scope test reads the object types the Worker calls for from the call sites).
   */
  private readonly keyedCalls = {
    tasks: {
      create: (inputs: ObjectInput[]) => this.api.batchCreate("tasks", inputs),
      read: (request: BatchReadRequest) => this.api.batchRead("tasks", request),
    },
    emails: {
      create: (inputs: ObjectInput[]) => this.api.batchCreate("emails", inputs),
      read: (request: BatchReadRequest) => this.api.batchRead("emails", request),
    },
  };

  private async createKeyed(objectType: "tasks" | "emails", writes: { key: string; input: ObjectInput }[]): Promise<Outcome[]> {
    const outcomes = new Map<string, Outcome>();
    const calls = this.keyedCalls[objectType];
    const created = await this.call(`create ${objectType}`, () => calls.create(writes.map((w) => w.input)));
    if (!created.ok && !isConflict(created.failure)) {
      if (created.failure.kind === "permanent" && writes.length > 1) {
        // HubSpot may reject a whole batch for one bad input: halve until the bad ones are alone.
        const half = Math.ceil(writes.length / 2);
        return [...(await this.createKeyed(objectType, writes.slice(0, half))), ...(await this.createKeyed(objectType, writes.slice(half)))];
      }
      return writes.map(() => created);
    }
    const perInputErrors = created.ok ? errorsOf(created.value) : [];
    if (created.ok) this.collect(created.value.results, outcomes);

    const unresolved = writes.filter((w) => !outcomes.has(w.key));
    if (unresolved.length > 0) {
      const found = await this.call(`read ${objectType} by key`, () =>
        calls.read({
          idProperty: HUBSPOT_TASK_KEY_PROPERTY,
          inputs: unresolved.map((w) => ({ id: w.key })),
          properties: [HUBSPOT_TASK_KEY_PROPERTY],
        }),
      );
      if (!found.ok) return writes.map((w) => outcomes.get(w.key) ?? found);
      this.collect(found.value.results, outcomes);
    }
    // Still missing: the create refused them. Validation errors are final; anything else is retried.
    const validationOnly = perInputErrors.length > 0 && perInputErrors.every((e) => e.category === "VALIDATION_ERROR");
    const reason = perInputErrors.map((e) => e.message).join("; ") || `HubSpot did not create the ${objectType === "tasks" ? "task" : objectType}`;
    const refused = ruleFailure(perInputErrors);
    return writes.map(
      (w) =>
        outcomes.get(w.key) ?? {
          ok: false,
          failure: refused ?? { kind: validationOnly ? "permanent" : "transient", message: redact(`HubSpot 400: ${reason}`) },
        },
    );
  }

  private collect(results: BatchAnswer["results"], outcomes: Map<string, Outcome>) {
    for (const task of results) {
      const key = task.properties[HUBSPOT_TASK_KEY_PROPERTY];
      if (key) outcomes.set(key, { ok: true, externalId: task.id });
    }
  }

  async updateRecords(updates: RecordUpdate[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(updates.length);
    const byType = new Map<string, number[]>();
    updates.forEach((u, i) => {
      byType.set(u.objectType, [...(byType.get(u.objectType) ?? []), i]);
    });
    for (const [objectType, indexes] of byType) {
      // One input per record: later updates of the same record win, as they would in sequence.
      const merged = new Map<string, Record<string, string>>();
      for (const i of indexes) {
        const u = updates[i]!;
        merged.set(u.objectId, { ...merged.get(u.objectId), ...hubspotValues(u.properties) });
      }
      const byRecord = await this.updateBatch(objectPath(objectType), [...merged]);
      for (const i of indexes) outcomes[i] = byRecord.get(updates[i]!.objectId)!;
    }
    return outcomes;
  }

  /** Updates records; a 207 names the records that failed, a 400 for the batch is bisected. */
  private async updateBatch(path: string, inputs: [string, Record<string, string>][]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    const result = await this.call(`update ${path}`, () =>
      this.api.batchUpdate(
        path,
        inputs.map(([id, properties]) => ({ id, properties })),
      ),
    );
    if (!result.ok) {
      if (result.failure.kind === "permanent" && inputs.length > 1) {
        const half = Math.ceil(inputs.length / 2);
        for (const part of [inputs.slice(0, half), inputs.slice(half)]) {
          for (const [id, outcome] of await this.updateBatch(path, part)) outcomes.set(id, outcome);
        }
        return outcomes;
      }
      for (const [id] of inputs) outcomes.set(id, result);
      return outcomes;
    }
    for (const record of result.value.results) outcomes.set(record.id, { ok: true, externalId: record.id });
    const errors = errorsOf(result.value);
    const final = errors.every((e) => e.category === "VALIDATION_ERROR" || e.category === "OBJECT_NOT_FOUND");
    const reason = redact(`HubSpot 207: ${errors.map((e) => e.message).join("; ") || "record not updated"}`);
    const refused = ruleFailure(errors);
    for (const [id] of inputs) {
      if (!outcomes.has(id)) outcomes.set(id, { ok: false, failure: refused ?? { kind: final ? "permanent" : "transient", message: reason } });
    }
    return outcomes;
  }

  /**
   * Reads one record. Without history, through `readThrough` when it is given (the portal's read
   * batcher: reads of different records cannot share a batch call here, since each runs in its
   * own Durable Object, whose I/O another object may not settle).
   */
  async getRecord(objectType: string, objectId: string, properties: string[], previousOf: string[] = []): Promise<Result<CrmRecord | null>> {
    if (this.readThrough && previousOf.length === 0) {
      try {
        // The batcher's call waits for the limiter and may read merged ids alone: bounded all the same.
        return await withTimeout(settled(this.readThrough(objectType, objectId, properties)), READ_THROUGH_TIMEOUT_MS, `HubSpot read ${objectType}`);
      } catch (error) {
        // The batcher could not be reached (reset, overloaded): the read may be tried again.
        return { ok: false, failure: classifyHubSpotError(error, this.now()) };
      }
    }
    return this.readOne(objectType, objectId, properties, previousOf);
  }

  private async readOne(objectType: string, objectId: string, properties: string[], previousOf: string[] = []): Promise<Result<CrmRecord | null>> {
    const result = await this.call(`read ${objectType}`, () => this.api.getObject(objectPath(objectType), objectId, properties, previousOf));
    if (result.ok) return { ok: true, value: crmRecordOf(result.value, properties, previousOf) };
    return result.failure.status === 404 ? { ok: true, value: null } : result;
  }

  /**
   * Reads records of one type by id, a batch call per 100, and answers each id on its own: its
   * record, null when HubSpot says it has none (OBJECT_NOT_FOUND), or the failure that concerns
   * it. A per-id error fails only the ids it names; a whole call refused for good (one bad id
   * makes a 400) is read again id by id, so one record's fault is never its neighbours'; a call
   * that may pass (5xx, 429, a timeout) fails its ids, each retried by its reader. An id the answer
   * neither has nor denies (a merged contact answers under its new id) is read on its own, as a
   * single read would find it.
   */
  async getRecords(objectType: string, ids: string[], properties: string[]): Promise<Map<string, Result<CrmRecord | null>>> {
    const answers = new Map<string, Result<CrmRecord | null>>();
    for (const part of chunks([...new Set(ids)], MAX_BATCH)) {
      const read = await this.call(`read ${objectType}`, () =>
        this.api.batchRead(objectPath(objectType), { inputs: part.map((id) => ({ id })), properties }),
      );
      if (!read.ok) {
        if (read.failure.kind === "permanent" && part.length > 1) await this.readEach(objectType, part, properties, answers);
        else for (const id of part) answers.set(id, read.failure.status === 404 ? { ok: true, value: null } : read);
        continue;
      }
      for (const object of read.value.results) answers.set(object.id, { ok: true, value: crmRecordOf(object, properties, []) });
      for (const e of errorsOf(read.value)) {
        const answer: Result<null> = e.category === "OBJECT_NOT_FOUND" ? { ok: true, value: null } : { ok: false, failure: batchFailure([e])! };
        for (const id of e.context.ids ?? []) if (part.includes(id) && !answers.has(id)) answers.set(id, answer);
      }
      await this.readEach(
        objectType,
        part.filter((id) => !answers.has(id)),
        properties,
        answers,
      );
    }
    return answers;
  }

  /** Single reads of these ids, side by side, each answer its own. */
  private async readEach(
    objectType: string,
    ids: readonly string[],
    properties: string[],
    answers: Map<string, Result<CrmRecord | null>>,
  ): Promise<void> {
    const read = await Promise.all(ids.map((id) => this.readOne(objectType, id, properties)));
    for (const [n, id] of ids.entries()) answers.set(id, read[n]!);
  }

  /** Contacts by their primary email: a batch read by idProperty=email (immediate, unlike search); unknown emails are left out. */
  async findPeople(emails: string[]): Promise<Result<PersonMatch[]>> {
    const found: PersonMatch[] = [];
    for (const part of chunks([...new Set(emails.map((e) => e.toLowerCase()))], MAX_BATCH)) {
      const read = await this.call("read contacts by email", () =>
        this.api.batchRead("contacts", {
          idProperty: "email",
          inputs: part.map((id) => ({ id })),
          properties: ["email", "hubspot_owner_id"],
        }),
      );
      if (!read.ok) return read;
      const failure = batchFailure(errorsOf(read.value).filter((e) => e.category !== "OBJECT_NOT_FOUND"));
      if (failure) return { ok: false, failure };
      for (const contact of read.value.results) {
        const email = contact.properties.email;
        if (email) found.push({ email, objectType: "contact", id: contact.id, ownerId: contact.properties.hubspot_owner_id || null });
      }
    }
    return { ok: true, value: found };
  }

  /** HubSpot links contacts to companies by their email's domain itself: nothing to match here. */
  async findAccounts(): Promise<Result<AccountMatch[]>> {
    return { ok: true, value: [] };
  }

  /** Batch upsert by email (100 per call): a retry after a lost answer updates the contact the first try created. */
  async upsertPeople(writes: PersonWrite[]): Promise<PersonWritten[]> {
    const outcomes: PersonWritten[] = [];
    for (const part of chunks(writes, MAX_BATCH)) {
      const upserted = await this.call("upsert contacts", () =>
        this.api.batchUpsert(
          "contacts",
          part.map((w) => ({
            idProperty: "email",
            id: w.email.toLowerCase(),
            properties: { ...w.properties, email: w.email.toLowerCase() },
          })),
        ),
      );
      if (!upserted.ok) {
        outcomes.push(...part.map(() => upserted));
        continue;
      }
      const byEmail = new Map(upserted.value.results.map((r) => [(r.properties.email ?? "").toLowerCase(), r]));
      const errors = errorsOf(upserted.value);
      const final = errors.every((e) => e.category === "VALIDATION_ERROR");
      const reason = redact(`HubSpot 207: ${errors.map((e) => e.message).join("; ") || "contact not written"}`);
      // HubSpot's per-input errors do not say which input they are about: a refused property is
      // one of the failed inputs', and each failed input that sets it may have been refused for it.
      const refused = final ? refusedProperties(errors) : [];
      const byRule = ruleFailure(errors);
      for (const w of part) {
        const result = byEmail.get(w.email.toLowerCase());
        const fields = refused.filter((name) => name in w.properties);
        outcomes.push(
          result
            ? { ok: true, id: result.id, objectType: "contact", created: result.new === true }
            : final
              ? {
                  ok: false,
                  failure: {
                    ...(byRule ?? { kind: "permanent" as const, message: reason }),
                    ...(fields.length > 0 ? { refusedFields: fields } : {}),
                  },
                }
              : { ok: false, failure: { kind: "transient", message: reason } },
        );
      }
    }
    return outcomes;
  }

  /** Reads tasks by their unique key property; a key no task holds is a per-input OBJECT_NOT_FOUND and is left out. */
  protected async lookUpTasks(keys: string[]): Promise<Result<FoundTask[]>> {
    const found: FoundTask[] = [];
    for (const part of chunks([...new Set(keys)], MAX_BATCH)) {
      const read = await this.call("read tasks by key", () =>
        this.api.batchRead("tasks", {
          idProperty: HUBSPOT_TASK_KEY_PROPERTY,
          inputs: part.map((id) => ({ id })),
          properties: [HUBSPOT_TASK_KEY_PROPERTY, "hs_task_status", "hs_timestamp", "hubspot_owner_id"],
        }),
      );
      if (!read.ok) return read;
      const failure = batchFailure(errorsOf(read.value).filter((e) => e.category !== "OBJECT_NOT_FOUND"));
      if (failure) return { ok: false, failure };
      for (const task of read.value.results) {
        const key = task.properties[HUBSPOT_TASK_KEY_PROPERTY];
        if (!key) continue;
        found.push({
          key,
          id: task.id,
          status: task.properties.hs_task_status === "COMPLETED" ? "completed" : "open",
          dueAtMs: timestampMs(task.properties.hs_timestamp),
          ownerId: task.properties.hubspot_owner_id ?? null,
        });
      }
    }
    return { ok: true, value: found };
  }

  /** Completes, archives or moves the tasks, 100 per call. A task gone since it was read counts as missing. */
  protected async applyToTasks(tasks: FoundTask[], action: TaskAction): Promise<Result<TaskKeyResult[]>> {
    const results: TaskKeyResult[] = [];
    for (const part of chunks(tasks, MAX_BATCH)) {
      if (action.kind === "delete") {
        // Archiving answers 204 whether or not the task still exists: nothing to tell apart.
        const archived = await this.call("archive tasks", () =>
          this.api.batchArchive(
            "tasks",
            part.map((t) => t.id),
          ),
        );
        if (!archived.ok) return archived;
        results.push(...part.map((t) => ({ key: t.key, taskId: t.id, result: "changed" as const })));
        continue;
      }
      const properties: Record<string, string> =
        action.kind === "complete"
          ? { hs_task_status: "COMPLETED" }
          : action.kind === "reassign"
            ? { hubspot_owner_id: action.ownerId }
            : { hs_timestamp: action.dueAt };
      const updated = await this.call(`${action.kind} tasks`, () =>
        this.api.batchUpdate(
          "tasks",
          part.map((t) => ({ id: t.id, properties })),
        ),
      );
      if (!updated.ok) return updated;
      const errors = errorsOf(updated.value);
      const gone = new Set(errors.filter((e) => e.category === "OBJECT_NOT_FOUND").flatMap((e) => e.context.ids ?? []));
      const failure = batchFailure(errors.filter((e) => e.category !== "OBJECT_NOT_FOUND"));
      if (failure) return { ok: false, failure };
      const done = new Set(updated.value.results.map((r) => r.id));
      for (const t of part) {
        if (done.has(t.id)) results.push({ key: t.key, taskId: t.id, result: "changed" });
        else if (gone.has(t.id)) results.push({ key: t.key, result: "missing" });
        else return { ok: false, failure: { kind: "transient", message: `HubSpot 207: task ${t.id} was not updated` } };
      }
    }
    return { ok: true, value: results };
  }

  /**
   * One call per subscription (subscribe has no batch form). HubSpot refuses subscribing an address
   * that is already subscribed with a 400 saying so: that is the state asked for, so it succeeds.
   */
  async subscribeEmails(subscriptions: EmailSubscription[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const s of subscriptions) {
      const result = await this.call("subscribe", () =>
        this.api.subscribe({
          emailAddress: s.email,
          subscriptionId: s.subscriptionId,
          legalBasis: s.legalBasis,
          legalBasisExplanation: s.legalBasisExplanation,
        }),
      );
      if (result.ok) outcomes.push({ ok: true, externalId: `${result.value.id}:${result.value.status}` });
      else if (result.failure.status === 400 && /already subscribed/i.test(result.failure.message))
        outcomes.push({ ok: true, externalId: `${s.subscriptionId}:SUBSCRIBED` });
      else outcomes.push(result);
    }
    return outcomes;
  }

  /**
   * Meeting engagements, one at a time (a booking is one meeting): found by their unique key
   * property and updated, else created with the association to the contact (meeting_event_to_contact,
   * 200) and the rep as owner. Two creates of one key meet HubSpot's uniqueness: the loser reads the
   * winner's and updates it. A cancelled meeting keeps its engagement, its outcome CANCELED.
   */
  async writeMeetings(writes: MeetingWrite[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const write of writes) outcomes.push(await this.writeMeeting(write));
    return outcomes;
  }

  private async meetingByKey(key: string): Promise<Result<string | undefined>> {
    const read = await this.call("read meeting by key", () =>
      this.api.batchRead("meetings", { idProperty: HUBSPOT_TASK_KEY_PROPERTY, inputs: [{ id: key }], properties: [HUBSPOT_TASK_KEY_PROPERTY] }),
    );
    if (!read.ok) return read;
    const failure = batchFailure(errorsOf(read.value).filter((e) => e.category !== "OBJECT_NOT_FOUND"));
    return failure ? { ok: false, failure } : { ok: true, value: read.value.results[0]?.id };
  }

  private async writeMeeting(write: MeetingWrite, again = false): Promise<Outcome> {
    const found = await this.meetingByKey(write.key);
    if (!found.ok) return found;
    const properties: Record<string, string> =
      write.action === "cancel"
        ? { hs_meeting_outcome: "CANCELED" }
        : {
            hs_timestamp: write.startsAt,
            hs_meeting_title: write.title,
            hs_meeting_body: write.body,
            hs_meeting_start_time: write.startsAt,
            hs_meeting_end_time: write.endsAt,
            hs_meeting_outcome: "SCHEDULED",
            ...(write.joinUrl ? { hs_meeting_external_url: write.joinUrl } : {}),
            ...(write.ownerId ? { hubspot_owner_id: write.ownerId } : {}),
          };
    if (found.value) {
      const id = found.value;
      const updated = await this.updateBatch("meetings", [[id, properties]]);
      return updated.get(id) ?? { ok: false, failure: { kind: "transient", message: `HubSpot: meeting ${id} was not updated` } };
    }
    if (write.action === "cancel") return { ok: true, externalId: "no meeting logged for this booking" };
    const created = await this.call("create meeting", () =>
      this.api.batchCreate("meetings", [
        {
          properties: { ...properties, [HUBSPOT_TASK_KEY_PROPERTY]: write.key },
          associations: [{ to: { id: write.person.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 200 }] }],
          objectWriteTraceId: write.key,
        },
      ]),
    );
    if (created.ok && created.value.results[0]) return { ok: true, externalId: created.value.results[0].id };
    // Someone else's create of this key won (a conflict), or the answer lost it: read it and update.
    if (!again && (!created.ok ? isConflict(created.failure) : true)) return this.writeMeeting(write, true);
    if (!created.ok) return created;
    const reason =
      errorsOf(created.value)
        .map((e) => e.message)
        .join("; ") || "HubSpot did not create the meeting";
    return { ok: false, failure: { kind: "permanent", message: redact(`HubSpot 400: ${reason}`) } };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<Result<T>> {
    let ended: (() => Promise<void>) | undefined;
    try {
      ended = (await this.beforeCall()) || undefined;
      return { ok: true, value: await withTimeout(settled(fn()), this.timeoutMs, `HubSpot ${what}`) };
    } catch (error) {
      return { ok: false, failure: classifyHubSpotError(error, this.now()) };
    } finally {
      await ended?.();
    }
  }
}

interface BatchError {
  category?: string;
  message: string;
  context: Record<string, string[]>;
  details: NonNullable<StandardError["errors"]>;
}

/** A per-input error naming a portal validation rule, as the permanent failure of the inputs it refused. */
function ruleFailure(errors: readonly BatchError[]): Failure | undefined {
  for (const e of errors) {
    const refusal = validationRuleRefusal({ category: e.category, message: e.message, context: e.context, errors: e.details });
    if (refusal) return { kind: "permanent", status: 400, code: VALIDATION_RULE, message: redact(`HubSpot: ${refusal}`) };
  }
  return undefined;
}

/** Per-input errors of a 207 Multi-Status batch answer. */
function errorsOf(response: { errors?: StandardError[] }): BatchError[] {
  return (response.errors ?? []).map((e) => ({
    category: e.category,
    message: e.message ?? "error",
    context: e.context ?? {},
    details: e.errors ?? [],
  }));
}

const INVALID_VALUES = "Property values were not valid: ";

/**
 * The properties whose values a batch's validation errors refused: named by the error's details
 * (`in`, or context.propertyName), or in the list HubSpot puts in the message of its "Property
 * values were not valid" error ([{"isValid":false,"error":"INVALID_OPTION","name":"hubspot_owner_id",…}]).
 */
function refusedProperties(errors: readonly BatchError[]): string[] {
  const names = new Set<string>();
  for (const e of errors) {
    if (e.category !== "VALIDATION_ERROR") continue;
    for (const d of e.details) for (const name of [d.in, ...(d.context?.propertyName ?? [])]) if (name) names.add(name);
    if (!e.message.startsWith(INVALID_VALUES)) continue;
    try {
      const listed: unknown = JSON.parse(e.message.slice(INVALID_VALUES.length));
      if (Array.isArray(listed)) for (const item of listed) if (typeof item?.name === "string" && item.isValid === false) names.add(item.name);
    } catch {
      // A message that is not the documented list names nothing more.
    }
  }
  return [...names];
}

/** Per-input errors that fail the whole call: validation errors are final, anything else is retried. */
function batchFailure(errors: { category?: string; message: string }[]): Failure | undefined {
  if (errors.length === 0) return undefined;
  const message = redact(`HubSpot 207: ${errors.map((e) => e.message).join("; ")}`);
  return { kind: errors.every((e) => e.category === "VALIDATION_ERROR") ? "permanent" : "transient", message };
}

/** hs_timestamp reads back as ISO, but HubSpot also stores epoch milliseconds as written. */
function timestampMs(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** HubSpot stores "" for an empty property; null is not accepted in inputs. */
function hubspotValues(properties: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v ?? ""]));
}

/** Association type ids (HUBSPOT_DEFINED) from an email engagement to the record it is about. */
const EMAIL_ASSOCIATION: Record<string, number> = { contact: 198, company: 186, deal: 210 };

/** An email engagement as HubSpot's emails guide describes it; hs_email_headers is the JSON HubSpot reads From and To from. */
function emailInput({ key, email }: EmailLogWrite): ObjectInput {
  const associationTypeId = EMAIL_ASSOCIATION[email.objectType];
  const headers = {
    from: { email: email.fromAddress, ...(email.fromName ? { firstName: email.fromName } : {}) },
    to: [{ email: email.toAddress }],
    cc: [],
    bcc: [],
  };
  return {
    properties: {
      [HUBSPOT_TASK_KEY_PROPERTY]: key,
      hs_timestamp: email.sentAt,
      hubspot_owner_id: email.ownerId,
      hs_email_direction: "EMAIL",
      hs_email_status: "SENT",
      hs_email_subject: email.subject,
      hs_email_text: email.text,
      hs_email_html: email.html,
      hs_email_headers: JSON.stringify(headers),
    },
    objectWriteTraceId: key,
    associations: associationTypeId ? [{ to: { id: email.objectId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId }] }] : [],
  };
}

function taskInput({ key, task }: TaskWrite, leadContacts: ReadonlyMap<string, string>): ObjectInput {
  // objectWriteTraceId ties per-input errors back to the input where HubSpot reports it.
  // A lead's task is created on the lead's contact and tied to the lead after (createTasks).
  const contact = task.objectType === "lead" ? leadContacts.get(task.objectId) : undefined;
  const associationTypeId = contact ? TASK_ASSOCIATION.contact : TASK_ASSOCIATION[task.objectType];
  const to = contact ?? task.objectId;
  return {
    properties: {
      [HUBSPOT_TASK_KEY_PROPERTY]: key,
      hs_timestamp: task.dueAt,
      hs_task_subject: task.channel === "LINKEDIN" ? `LinkedIn: ${task.subject}` : task.subject,
      hs_task_body: task.body,
      hs_task_status: "NOT_STARTED",
      hs_task_priority: task.priority,
      // HubSpot has no LinkedIn task type: it becomes a to-do whose subject says so.
      hs_task_type: task.channel === "LINKEDIN" ? "TODO" : task.channel,
      hubspot_owner_id: task.ownerId,
    },
    objectWriteTraceId: key,
    associations: associationTypeId ? [{ to: { id: to }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId }] }] : [],
  };
}
