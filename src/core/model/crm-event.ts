import { z } from "zod";

/**
 * One event type for every source (HubSpot webhooks, Salesforce CDC, Outbound Messages): the
 * rest of the system never sees a vendor payload.
 */
export const Crm = z.enum(["hubspot", "salesforce"]);
export type Crm = z.infer<typeof Crm>;

/**
 * The records lead follow-up keeps, by CRM: people, their companies and deals. Events of other
 * objects (tickets, line items, engagements, custom objects …) are ignored: counted, not stored.
 * A record of any other type is not ours, whatever names it.
 */
export const HANDLED_OBJECT_TYPES: Readonly<Record<Crm, ReadonlySet<string>>> = {
  hubspot: new Set(["contact", "company", "deal", "lead"]),
  // The Salesforce change events and Outbound Messages the kit forwards (salesforce/).
  salesforce: new Set(["lead", "contact", "opportunity", "account"]),
};

const PropertyValue = z.string().nullable();

const ChangedBy = z.object({
  /** The vendor's notion of where the change came from: CRM_UI, INTEGRATION, IMPORT, a CDC origin … */
  source: z.string().optional(),
  /** A user, app or integration user id, when the vendor says. */
  id: z.string().optional(),
});
export type ChangedBy = z.infer<typeof ChangedBy>;

const EventBase = z.object({
  /** Stable identity of this delivery's content: the same event re-sent has the same key. */
  dedupeKey: z.string().min(1).max(200),
  recordKey: z.string().min(1).max(300),
  crm: Crm,
  accountId: z.string().min(1),
  objectType: z.string().min(1),
  objectId: z.string().min(1),
  occurredAt: z.iso.datetime(),
  changedBy: ChangedBy,
  /** True when this integration made the change: our own writes echo back and must not trigger rules. */
  fromThisIntegration: z.boolean(),
  /** Which delivery channel produced it, for the audit trail. */
  via: z.enum([
    "hubspot-webhook",
    "salesforce-cdc",
    "salesforce-outbound",
    "salesforce-reconciliation",
    "postmark",
    "mailgun",
    "slack",
    "intake",
    "unsubscribe",
    "booking",
  ]),
  /**
   * The CRM's own order among events with the same occurredAt, zero-padded so that it sorts as
   * text: Salesforce commitNumber then sequenceNumber, HubSpot eventId. Ties are broken by it,
   * never by arrival.
   */
  order: z.string().max(64).optional(),
  /** HubSpot's changeFlag (NEW, CREATED, DELETED …), as sent. */
  changeFlag: z.string().max(64).optional(),
  /** HubSpot's isSensitive: the change concerns a Sensitive Data property. */
  sensitive: z.boolean().optional(),
});

export const CrmEvent = z.discriminatedUnion("kind", [
  EventBase.extend({
    kind: z.literal("created"),
    properties: z.record(z.string(), PropertyValue),
  }),
  EventBase.extend({
    kind: z.literal("propertyChanged"),
    /** New values (vendors never send the old one). A snapshot carries every selected field. */
    properties: z.record(z.string(), PropertyValue),
    snapshot: z.boolean(),
    /**
     * Properties that changed but whose new value the CRM did not send (HubSpot Sensitive Data
     * properties): not in `properties`; a rule that needs one reads it fresh.
     */
    valuesNotSent: z.array(z.string()).optional(),
  }),
  EventBase.extend({ kind: z.literal("deleted"), privacy: z.boolean() }),
  EventBase.extend({ kind: z.literal("restored") }),
  EventBase.extend({
    kind: z.literal("merged"),
    /** The record that survives the merge; the others are gone. */
    survivorId: z.string(),
    mergedIds: z.array(z.string()),
  }),
  EventBase.extend({
    kind: z.literal("associationChanged"),
    associationType: z.string(),
    toObjectId: z.string(),
    /** The other record's object type, when the CRM says (every association is told to both records). */
    toObjectType: z.string().optional(),
    removed: z.boolean(),
  }),
  /**
   * The CRM changed the record but could not say how (a Salesforce gap event: too large, a
   * change made in the database, an internal error): the record must be read fresh before the
   * rules act on it again.
   */
  EventBase.extend({
    kind: z.literal("gap"),
    change: z.enum(["create", "update", "delete", "undelete"]),
  }),
  /** The lead wrote to us: an inbound email matched to this record by its sender. */
  EventBase.extend({
    kind: z.literal("emailReceived"),
    messageId: z.string().min(1),
    from: z.string().min(1),
    subject: z.string(),
  }),
  /**
   * What became of a cadence email to this person, as the email provider or the person told us:
   * a bounce (hard: the address does not exist), a spam complaint, an unsubscribe (one click,
   * or the provider's own link).
   */
  EventBase.extend({
    kind: z.literal("emailStatus"),
    status: z.enum(["bounced", "complained", "unsubscribed"]),
    /** For a bounce: true when the address will never take mail (hard), false for a soft bounce. */
    permanent: z.boolean(),
    address: z.string().min(3).max(254),
    /** The email it is about (our Message-ID), when known. */
    messageId: z.string().max(300).optional(),
    detail: z.string().max(500),
  }),
  /**
   * A form submission was written to this record (created, or a returning lead updated): it is
   * when the lead arrived, where from, and in which zone its browser was.
   */
  EventBase.extend({
    kind: z.literal("submitted"),
    submissionId: z.string().min(1),
    formKey: z.string().min(1),
    source: z.string().min(1),
    /** The browser's IANA zone, when it sent one: the lead's zone for its cadence. */
    timeZone: z.string().optional(),
    /** True when the submission created the record; false for a returning lead. */
    createdRecord: z.boolean(),
    /**
     * What this service wrote to the record with it (the person's fields, the score, its tier and
     * reasons, the owner and the routing reason): the record knows them without waiting for the
     * CRM's echo, which may never come (HubSpot sends no property webhook nobody subscribed to).
     */
    properties: z.record(z.string(), PropertyValue).optional(),
    /** When the write happened (the outbox knows; a dry run does not say): a record our form just created answers reads itself. */
    writtenAt: z.iso.datetime().optional(),
  }),
  /** The lead booked a meeting with a rep on the booking page (src/booking): its cadence stops. */
  EventBase.extend({
    kind: z.literal("meetingBooked"),
    bookingId: z.string().min(1),
    startsAt: z.iso.datetime(),
    /** The rep's CRM owner id. */
    ownerId: z.string().optional(),
  }),
  /** A button in one of our Slack messages about this record was pressed. */
  EventBase.extend({
    kind: z.literal("slackAction"),
    action: z.enum(["done", "snooze", "pause"]),
    cadenceId: z.string().min(1),
    stepId: z.string().min(1),
    userId: z.string().min(1),
    responseUrl: z.url().optional(),
  }),
]);
export type CrmEvent = z.infer<typeof CrmEvent>;
export type CrmEventKind = CrmEvent["kind"];

export function recordKey(crm: Crm, accountId: string, objectType: string, objectId: string): string {
  return `${crm}:${accountId}:${objectType.toLowerCase()}:${objectId}`;
}

export const RecordKey = z.string().regex(/^(hubspot|salesforce):[^:\s]+:[a-z0-9_]+:[^:\s]+$/, "expected {crm}:{account}:{objectType}:{objectId}");

export function parseRecordKey(key: string) {
  const [crm, accountId, objectType, objectId] = key.split(":") as [Crm, string, string, string];
  return { crm, accountId, objectType, objectId };
}

/** Groups events by the record they belong to, keeping each group's arrival order. */
export function groupByRecord(events: readonly CrmEvent[]): Map<string, CrmEvent[]> {
  const groups = new Map<string, CrmEvent[]>();
  for (const event of events) {
    const group = groups.get(event.recordKey);
    if (group) group.push(event);
    else groups.set(event.recordKey, [event]);
  }
  return groups;
}
