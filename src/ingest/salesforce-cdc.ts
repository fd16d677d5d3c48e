import { z } from "zod";
import { type CrmEvent, HANDLED_OBJECT_TYPES, recordKey } from "../core/model/crm-event";
import { SalesforceRecordId, sameSalesforceId } from "../core/model/salesforce-id";
import { describeIssues } from "../platform/zod-issues";
import type { Verdict } from "./acceptance";
import { dedupeKey } from "./dedupe-key";
import type { ReconciliationRequest } from "./reconciliations";

/** The Apex forwarder sends at most this many change events per request. */
export const SALESFORCE_MAX_EVENTS = 200;

/** The request as a whole: a JSON array of 1–200 items. Each item is then judged on its own. */
export const SalesforceChangeEventBatch = z
  .array(z.unknown())
  .min(1, "a batch holds at least one change event")
  .max(SALESFORCE_MAX_EVENTS, `a batch holds at most ${SALESFORCE_MAX_EVENTS} change events`);

const CHANGE_TYPES = ["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW"] as const;

/**
 * The documented header (Change Data Capture Developer Guide, "Change Event Header Fields";
 * Apex Reference, EventBus.ChangeEventHeader). What identifies, times and types the change is
 * required; everything else may be absent or null (Apex's JSON.serialize writes an empty
 * changeOrigin as null).
 */
const ChangeEventHeader = z.looseObject({
  entityName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "not an sObject name"),
  changeType: z.enum(CHANGE_TYPES),
  recordIds: z.array(z.string()).nullish(),
  changeOrigin: z.string().nullish(),
  transactionKey: z.string().min(1),
  sequenceNumber: z.number().int().nonnegative(),
  commitTimestamp: z.number().int().positive().max(8.64e15, "not a timestamp"),
  commitNumber: z.number().int().nonnegative().nullish(),
  commitUser: z.string().nullish(),
  changedFields: z.array(z.string()).nullish(),
  nulledFields: z.array(z.string()).nullish(),
  diffFields: z.array(z.string()).nullish(),
});
type Header = z.infer<typeof ChangeEventHeader>;

/** The change events the Apex forwarder forwards (docs/salesforce): the rest are ignored. */
const HANDLED_ENTITIES = HANDLED_OBJECT_TYPES.salesforce;
/** "All records of this object": a key prefix and a star (field type conversions that lose data). */
const WILDCARD = /^[a-zA-Z0-9]{3}\*$/;
/** Overflow events name this empty id (Change Data Capture Developer Guide, "Overflow Events"). */
const EMPTY_RECORD_ID = "000000000000000AAA";
/**
 * How far before an overflow's commitTimestamp a reconciliation starts reading: a record's
 * LastModifiedDate is set when it is saved, which in a transaction of 100,000 changes can be
 * minutes before the commit (a synchronous request may run 10 minutes).
 */
export const RECONCILE_MARGIN_MS = 15 * 60_000;

export interface SalesforceContext {
  orgId: string;
  integrationUserId?: string;
}

/** Fields that are bookkeeping, not business data. */
const SYSTEM_FIELDS = new Set(["LastModifiedDate", "SystemModstamp", "LastModifiedById"]);

function fieldValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The business fields an event carries, with explicitly nulled fields as null. */
function changedProperties(event: Record<string, unknown>, h: Header): Record<string, string | null> {
  const properties: Record<string, string | null> = {};
  const names =
    h.changeType === "CREATE" ? Object.keys(event).filter((k) => k !== "ChangeEventHeader") : (h.changedFields ?? []).filter((f) => !f.includes("."));
  for (const name of names) {
    if (!SYSTEM_FIELDS.has(name) && name in event) properties[name] = fieldValue(event[name]);
  }
  for (const name of h.nulledFields ?? []) if (!SYSTEM_FIELDS.has(name) && !name.includes(".")) properties[name] = null;
  return properties;
}

const pad = (n: number) => String(n).padStart(20, "0");

/**
 * Judges one item of a forwarded change-event batch: kept as one event per named record (a gap
 * event as a "read this record fresh" marker), an overflow or wildcard as a reconciliation of
 * the object; ignored when the Worker keeps no records of that object; parked when malformed.
 */
export async function judgeSalesforceChangeEvent(raw: unknown, ctx: SalesforceContext): Promise<Verdict> {
  // The forwarder signs for one org: what it sends is that org's.
  const parked = (reason: string): Verdict => ({ outcome: "parked", reason, accountId: ctx.orgId });
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return parked("not a change event object");
  const event = raw as Record<string, unknown>;
  const parsed = ChangeEventHeader.safeParse(event.ChangeEventHeader, { reportInput: true });
  if (!parsed.success) {
    return parked(event.ChangeEventHeader === undefined ? "ChangeEventHeader is missing" : `ChangeEventHeader.${describeIssues(parsed.error)}`);
  }
  const h = parsed.data;
  const objectType = h.entityName.toLowerCase();
  if (!HANDLED_ENTITIES.has(objectType)) return { outcome: "ignored", reason: `change events of ${h.entityName} are not handled` };

  const recordIds = h.recordIds ?? [];
  const reconcile = (reason: string): ReconciliationRequest => ({
    crm: "salesforce",
    accountId: ctx.orgId,
    objectType,
    sobject: h.entityName,
    since: new Date(Math.max(0, h.commitTimestamp - RECONCILE_MARGIN_MS)).toISOString(),
    reason,
    key: JSON.stringify(["sfcdc", ctx.orgId, h.transactionKey, h.sequenceNumber, h.entityName, reason]),
  });
  if (h.changeType === "GAP_OVERFLOW") {
    return { outcome: "kept", events: [], reconciliations: [reconcile("GAP_OVERFLOW")] };
  }
  if (recordIds.length === 0) return parked("ChangeEventHeader.recordIds: a change event names at least one record");
  const bad = recordIds.find((id) => id === EMPTY_RECORD_ID || (!WILDCARD.test(id) && !SalesforceRecordId.safeParse(id).success));
  if (bad !== undefined) {
    return parked(
      bad === EMPTY_RECORD_ID
        ? `ChangeEventHeader.recordIds: ${EMPTY_RECORD_ID} (the empty id) names no record outside an overflow event`
        : `ChangeEventHeader.recordIds: ${JSON.stringify(bad.slice(0, 40))} is not a 15- or 18-character Salesforce id`,
    );
  }

  const properties = h.changeType.startsWith("GAP_") ? {} : changedProperties(event, h);
  const commitUser = h.commitUser ?? undefined;
  const fromThisIntegration = sameSalesforceId(ctx.integrationUserId, commitUser);
  const ids = recordIds.filter((id) => !WILDCARD.test(id));
  const events = await Promise.all(
    ids.map(async (objectId): Promise<CrmEvent> => {
      const base = {
        // transactionKey + sequenceNumber identifies a change event; one event can name many records.
        dedupeKey: await dedupeKey("sfcdc", [ctx.orgId, h.transactionKey, h.sequenceNumber, objectId, h.changeType]),
        recordKey: recordKey("salesforce", ctx.orgId, objectType, objectId),
        crm: "salesforce" as const,
        accountId: ctx.orgId,
        objectType,
        objectId,
        occurredAt: new Date(h.commitTimestamp).toISOString(),
        changedBy: { source: h.changeOrigin || undefined, id: commitUser },
        fromThisIntegration,
        via: "salesforce-cdc" as const,
        // Salesforce's own order of commits, then of the changes within one.
        order: `${pad(h.commitNumber ?? 0)}.${pad(h.sequenceNumber)}`,
      };
      switch (h.changeType) {
        case "CREATE":
          return { ...base, kind: "created", properties };
        case "UPDATE":
          return { ...base, kind: "propertyChanged", properties, snapshot: false };
        case "DELETE":
          return { ...base, kind: "deleted", privacy: false };
        case "UNDELETE":
          return { ...base, kind: "restored" };
        default:
          return { ...base, kind: "gap", change: h.changeType.slice(4).toLowerCase() as "create" | "update" | "delete" | "undelete" };
      }
    }),
  );
  const wildcards = [...new Set(recordIds.filter((id) => WILDCARD.test(id)))];
  return { outcome: "kept", events, reconciliations: wildcards.map((w) => reconcile(`wildcard ${w}`)) };
}
