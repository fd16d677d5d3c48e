import { XMLParser } from "fast-xml-parser";
import { z } from "zod";
import { HANDLED_OBJECT_TYPES, recordKey } from "../core/model/crm-event";
import { SalesforceOrgId, SalesforceRecordId, sameSalesforceId } from "../core/model/salesforce-id";
import { describeIssues } from "../platform/zod-issues";
import type { Verdict } from "./acceptance";
import { dedupeKey } from "./dedupe-key";

/** Salesforce's documented reply: anything else makes it retry for 24 hours. */
export const OUTBOUND_ACK =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>' +
  "</soapenv:Body></soapenv:Envelope>";

export class OutboundMessageError extends Error {}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === "Notification",
});

const FieldValue = z.union([z.string(), z.looseObject({ "@nil": z.literal("true") })]);

const Notification = z.object({
  Id: z.string().regex(/^[a-zA-Z0-9]{15,18}$/, "not a notification id"),
  sObject: z.looseObject({
    "@type": z.string().regex(/^(\w+:)?[A-Za-z][A-Za-z0-9_]*$/, "sObject needs an xsi:type such as sf:Lead"),
    Id: SalesforceRecordId,
  }),
});

/** The envelope as a whole; each Notification is judged on its own (judgeOutboundNotification). */
const Notifications = z.object({
  OrganizationId: SalesforceOrgId,
  ActionId: z.string().optional(),
  Notification: z.array(z.unknown()).min(1, "at least one Notification").max(100, "at most 100 Notifications"),
});
export type OutboundNotifications = z.infer<typeof Notifications>;

/** The sObjects whose records the Worker keeps; notifications of others are ignored. */
const HANDLED_SOBJECTS = HANDLED_OBJECT_TYPES.salesforce;

/** Parses the SOAP envelope; throws OutboundMessageError or ZodError with the reason. */
export function parseOutboundMessage(xml: string): OutboundNotifications {
  // SOAP forbids DTDs; refusing them closes the door on entity-expansion attacks.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new OutboundMessageError("DTDs are not allowed in SOAP messages");
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true);
  } catch (error) {
    throw new OutboundMessageError(`malformed XML: ${(error as Error).message}`);
  }
  const notifications = (doc?.Envelope as { Body?: { notifications?: unknown } } | undefined)?.Body?.notifications;
  if (!notifications) throw new OutboundMessageError("expected soapenv:Envelope/soapenv:Body/notifications");
  return Notifications.parse(notifications);
}

export interface OutboundContext {
  orgId: string;
  integrationUserId?: string;
  receivedAt: Date;
}

function fieldsOf(sObject: Record<string, unknown>): Record<string, string | null> {
  const fields: Record<string, string | null> = {};
  for (const [name, raw] of Object.entries(sObject)) {
    if (name.startsWith("@") || name === "Id") continue;
    const value = FieldValue.safeParse(raw);
    // Nested relationship fields (Owner.Email …) are not followed; flat fields are what rules use.
    if (value.success) fields[name] = typeof value.data === "string" ? value.data : null;
  }
  return fields;
}

/** Judges one Notification: kept as a snapshot of its record, ignored (an sObject not handled), or parked. */
export async function judgeOutboundNotification(raw: unknown, ctx: OutboundContext): Promise<Verdict> {
  const parsed = Notification.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { outcome: "parked", reason: describeIssues(parsed.error), accountId: ctx.orgId };
  const n = parsed.data;
  const objectType = n.sObject["@type"].replace(/^\w+:/, "").toLowerCase();
  if (!HANDLED_SOBJECTS.has(objectType)) return { outcome: "ignored", reason: `notifications of ${objectType} are not handled` };
  const properties = fieldsOf(n.sObject);
  const modified = properties.LastModifiedDate ?? properties.SystemModstamp;
  const occurredAt = modified && !Number.isNaN(Date.parse(modified)) ? new Date(modified) : ctx.receivedAt;
  const modifiedBy = properties.LastModifiedById ?? undefined;
  return {
    outcome: "kept",
    events: [
      {
        kind: "propertyChanged",
        // Salesforce re-sends a notification with the same Id until it is acknowledged.
        dedupeKey: await dedupeKey("sfom", [ctx.orgId, n.Id]),
        recordKey: recordKey("salesforce", ctx.orgId, objectType, n.sObject.Id),
        crm: "salesforce",
        accountId: ctx.orgId,
        objectType,
        objectId: n.sObject.Id,
        occurredAt: occurredAt.toISOString(),
        changedBy: { source: "OutboundMessage", id: modifiedBy },
        fromThisIntegration: sameSalesforceId(modifiedBy, ctx.integrationUserId),
        via: "salesforce-outbound",
        properties,
        snapshot: true,
      },
    ],
  };
}
