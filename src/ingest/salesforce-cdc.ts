import { z } from "zod";
import { type CrmEvent, recordKey } from "../domain/crm-event";
import { SalesforceRecordId, sameSalesforceId } from "../domain/salesforce-id";
import { dedupeKey } from "./dedupe-key";

/** The Apex forwarder sends at most this many change events per request. */
export const SALESFORCE_MAX_EVENTS = 200;

const ChangeEventHeader = z.looseObject({
  entityName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "not an sObject name"),
  recordIds: z.array(SalesforceRecordId).min(1, "a change event names at least one record"),
  changeType: z.enum(["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"]),
  changeOrigin: z.string().optional(),
  transactionKey: z.string().min(1),
  sequenceNumber: z.number().int().nonnegative(),
  commitTimestamp: z.number().int().positive().max(8.64e15, "not a timestamp"),
  commitNumber: z.number().int().optional(),
  commitUser: z.string().min(1),
  changedFields: z.array(z.string()).default([]),
  nulledFields: z.array(z.string()).default([]),
});

export const SalesforceChangeEvent = z.looseObject({ ChangeEventHeader });
export type SalesforceChangeEvent = z.infer<typeof SalesforceChangeEvent>;

export const SalesforceChangeEventBatch = z
  .array(SalesforceChangeEvent)
  .min(1, "a batch holds at least one change event")
  .max(SALESFORCE_MAX_EVENTS, `a batch holds at most ${SALESFORCE_MAX_EVENTS} change events`);

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
function changedProperties(event: SalesforceChangeEvent): Record<string, string | null> {
  const h = event.ChangeEventHeader;
  const properties: Record<string, string | null> = {};
  const names = h.changeType.endsWith("CREATE")
    ? Object.keys(event).filter((k) => k !== "ChangeEventHeader")
    : h.changedFields.filter((f) => !f.includes("."));
  for (const name of names) {
    if (!SYSTEM_FIELDS.has(name) && name in event) properties[name] = fieldValue(event[name]);
  }
  for (const name of h.nulledFields) if (!SYSTEM_FIELDS.has(name)) properties[name] = null;
  return properties;
}

export async function normalizeSalesforceChangeEvent(event: SalesforceChangeEvent, ctx: SalesforceContext): Promise<CrmEvent[]> {
  const h = event.ChangeEventHeader;
  const objectType = h.entityName.toLowerCase();
  const type = h.changeType.replace(/^GAP_/, "");
  const properties = changedProperties(event);
  const fromThisIntegration = sameSalesforceId(ctx.integrationUserId, h.commitUser);
  return Promise.all(
    h.recordIds.map(async (objectId): Promise<CrmEvent> => {
      const base = {
        // transactionKey + sequenceNumber identifies a change event; one event can name many records.
        dedupeKey: await dedupeKey("sfcdc", [ctx.orgId, h.transactionKey, h.sequenceNumber, objectId, h.changeType]),
        recordKey: recordKey("salesforce", ctx.orgId, objectType, objectId),
        crm: "salesforce" as const,
        accountId: ctx.orgId,
        objectType,
        objectId,
        occurredAt: new Date(h.commitTimestamp).toISOString(),
        changedBy: { source: h.changeOrigin || undefined, id: h.commitUser },
        fromThisIntegration,
        via: "salesforce-cdc" as const,
      };
      switch (type) {
        case "CREATE":
          return { ...base, kind: "created", properties };
        case "UPDATE":
          return { ...base, kind: "propertyChanged", properties, snapshot: false };
        case "DELETE":
          return { ...base, kind: "deleted", privacy: false };
        default:
          return { ...base, kind: "restored" };
      }
    }),
  );
}
