import type { ChangedRecordsPage } from "../crm/salesforce-crm";
import { type CrmEvent, recordKey } from "../core/model/crm-event";
import { SalesforceRecordId, sameSalesforceId } from "../core/model/salesforce-id";
import { describeError, type Failure, type Result } from "../platform/failure";
import { dedupeKey } from "./dedupe-key";
import { claimReconciliation, type ReconciliationRow, recordProgress } from "../storage/reconciliations";
import type { ReconciliationMessage } from "./reconciliations";
import { enqueueForRecords } from "../records/record-inbox";

/** What a reconciliation needs of Salesforce: SalesforceCrm's two reads. */
export interface ChangedRecordsReader {
  fieldNames(objectType: string): Promise<Result<string[]>>;
  changedRecords(objectType: string, fields: readonly string[], since: Date, cursor?: string): Promise<Result<ChangedRecordsPage>>;
}

export interface RunDeps {
  /** Undefined when Salesforce reads are not configured: the reconciliation fails, saying so. */
  reader: ChangedRecordsReader | undefined;
  /** The fields the policy's rules need of that object type (policyNeeds: reads and changes). */
  wantedFields: (objectType: string) => Promise<string[]>;
  integrationUserId?: string;
  now: () => Date;
  /** Pages one run reads before it hands the rest to a new message. */
  maxPages?: number;
}

export type RunOutcome = { next: "done" } | { next: "continue" } | { next: "retry"; delaySeconds: number };

/** What every snapshot needs besides the policy's fields: identity, deletion, and the stamp of the change. */
const SYSTEM_FIELDS = ["Id", "IsDeleted", "LastModifiedDate", "LastModifiedById", "SystemModstamp"];
const LEASE_MS = 5 * 60_000;
const MAX_PAGES_PER_RUN = 10;
/** Failed tries in a row before a reconciliation is failed (visible to admins, retried by hand). */
const MAX_ATTEMPTS = 20;

/** Salesforce writes datetimes as 2025-11-22T10:01:40.000+0000. */
function salesforceInstant(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function fieldValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** One record as read: a snapshot of its fields (or its deletion), keyed by its modification stamp. */
async function snapshotOf(row: ReconciliationRow, record: Record<string, unknown>, integrationUserId?: string): Promise<CrmEvent | null> {
  const id = SalesforceRecordId.safeParse(record.Id);
  const occurredAt = salesforceInstant(record.LastModifiedDate) ?? salesforceInstant(record.SystemModstamp);
  if (!id.success || !occurredAt) return null;
  const modifiedBy = typeof record.LastModifiedById === "string" ? record.LastModifiedById : undefined;
  const deleted = record.IsDeleted === true;
  const base = {
    // The same read of the same version of the record is the same event, whichever run read it.
    dedupeKey: await dedupeKey("sfrecon", [row.account_id, id.data, fieldValue(record.SystemModstamp) ?? occurredAt, deleted]),
    recordKey: recordKey("salesforce", row.account_id, row.object_type, id.data),
    crm: "salesforce" as const,
    accountId: row.account_id,
    objectType: row.object_type,
    objectId: id.data,
    occurredAt,
    changedBy: { source: "reconciliation", id: modifiedBy },
    fromThisIntegration: sameSalesforceId(modifiedBy, integrationUserId),
    via: "salesforce-reconciliation" as const,
  };
  if (deleted) return { ...base, kind: "deleted", privacy: false };
  const properties: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(record)) if (!SYSTEM_FIELDS.includes(name)) properties[name] = fieldValue(value);
  return { ...base, kind: "propertyChanged", properties, snapshot: true };
}

const backoffSeconds = (attempts: number) => Math.min(600, 2 ** Math.min(attempts, 10));

/**
 * Runs one reconciliation for up to maxPages pages: reads the object's records changed since
 * `since`, oldest first, feeds each to its record through the record-events queue (the records'
 * dedupe makes a page read twice harmless), and writes the cursor after each page, so a run
 * cut short anywhere resumes where it stopped.
 */
export async function runReconciliation(env: Pick<Env, "DB" | "RECORD_EVENTS">, id: string, deps: RunDeps): Promise<RunOutcome> {
  const row = await claimReconciliation(env.DB, id, deps.now(), LEASE_MS);
  if (!row) return { next: "done" }; // finished, failed, or another consumer holds it
  const fail = async (message: string) => {
    await recordProgress(
      env.DB,
      id,
      { status: "failed", last_error: message, claimed_until: null, finished_at: deps.now().toISOString() },
      deps.now(),
    );
    return { next: "done" } as const;
  };
  const retryOrFail = async (failure: Failure): Promise<RunOutcome> => {
    const attempts = row.attempts + (failure.kind === "rateLimited" && failure.notAttempted ? 0 : 1);
    if (failure.kind === "permanent" || attempts >= MAX_ATTEMPTS) return fail(failure.message);
    const delaySeconds = Math.max(backoffSeconds(attempts), Math.ceil((failure.retryAfterMs ?? 0) / 1000));
    // Held until the retry is due, so the cron does not nudge it earlier.
    const until = new Date(deps.now().getTime() + delaySeconds * 1000).toISOString();
    await recordProgress(env.DB, id, { attempts, last_error: failure.message, claimed_until: until }, deps.now());
    return { next: "retry", delaySeconds };
  };
  if (!deps.reader) return fail("Salesforce reads are off: set SALESFORCE_INSTANCE_URL and SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET");

  let fields: string[];
  if (row.fields) fields = JSON.parse(row.fields) as string[];
  else {
    // Only fields the object has: the policy names fields per CRM, not per object type.
    const existing = await deps.reader.fieldNames(row.object_type);
    if (!existing.ok) return retryOrFail(existing.failure);
    const has = new Set(existing.value);
    const wanted = await deps.wantedFields(row.object_type);
    fields = [...new Set([...SYSTEM_FIELDS, ...wanted])].filter((f) => f === "Id" || has.has(f));
    await recordProgress(env.DB, id, { fields: JSON.stringify(fields) }, deps.now());
  }

  let cursor = row.cursor;
  let resumeFrom = row.resume_from;
  for (let page = 0; page < (deps.maxPages ?? MAX_PAGES_PER_RUN); page++) {
    const since = new Date(resumeFrom ?? row.since);
    const read = await deps.reader.changedRecords(row.object_type, fields, since, cursor ?? undefined);
    if (!read.ok) {
      // An expired query locator: start over from the newest record fed (re-reading a few is harmless).
      if (read.failure.code === "INVALID_QUERY_LOCATOR" && cursor) {
        cursor = null;
        continue;
      }
      return retryOrFail(read.failure);
    }
    const events = (await Promise.all(read.value.records.map((r) => snapshotOf(row, r, deps.integrationUserId)))).filter(
      (e): e is CrmEvent => e !== null,
    );
    if (events.length > 0) await enqueueForRecords(env, events);
    const newest = events.reduce<string | null>((max, e) => (max === null || e.occurredAt > max ? e.occurredAt : max), resumeFrom);
    cursor = read.value.next;
    resumeFrom = newest;
    const done = cursor === null;
    const now = deps.now();
    await recordProgress(
      env.DB,
      id,
      {
        cursor,
        resume_from: resumeFrom,
        attempts: 0,
        last_error: null,
        addPages: 1,
        addRecords: events.length,
        ...(done
          ? { status: "done", claimed_until: null, finished_at: now.toISOString() }
          : { claimed_until: new Date(now.getTime() + LEASE_MS).toISOString() }),
      },
      now,
    );
    if (done) return { next: "done" };
  }
  await recordProgress(env.DB, id, { claimed_until: null }, deps.now());
  return { next: "continue" };
}

/** Queue consumer: each message runs its reconciliation a while, then passes the rest on. */
export async function runReconciliationBatch(
  batch: MessageBatch<ReconciliationMessage>,
  env: Pick<Env, "DB" | "RECORD_EVENTS" | "RECONCILIATIONS">,
  deps: RunDeps,
): Promise<void> {
  for (const message of batch.messages) {
    try {
      const outcome = await runReconciliation(env, message.body.id, deps);
      if (outcome.next === "continue") await env.RECONCILIATIONS.send(message.body, { contentType: "json" });
      if (outcome.next === "retry") message.retry({ delaySeconds: outcome.delaySeconds });
      else message.ack();
    } catch (error) {
      // D1 or the queue failed: the lease runs out and the message (or the cron) tries again.
      console.error(`reconciliation ${message.body.id} failed, retrying: ${describeError(error)}`);
      message.retry({ delaySeconds: 30 });
    }
  }
}
