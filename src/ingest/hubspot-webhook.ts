import { z } from "zod";
import { type CrmEvent, HANDLED_OBJECT_TYPES, recordKey } from "../core/model/crm-event";
import { describeIssues } from "../platform/zod-issues";
import type { Verdict } from "./acceptance";
import { dedupeKey } from "./dedupe-key";

/** HubSpot sends at most 100 events per request. */
export const HUBSPOT_MAX_EVENTS = 100;

/** The request as a whole: a JSON array of 1–100 items. Each item is then judged on its own. */
export const HubSpotWebhookBatch = z
  .array(z.unknown())
  .min(1, "a batch holds at least one event")
  .max(HUBSPOT_MAX_EVENTS, `a batch holds at most ${HUBSPOT_MAX_EVENTS} events`);

const NOT_AN_ID = "not a HubSpot id";
const Id = z.union([z.number().int(NOT_AN_ID).nonnegative(NOT_AN_ID), z.string().regex(/^\d+$/, NOT_AN_ID)], { error: NOT_AN_ID }).transform(String);
const TypeId = z.string().regex(/^\d+-\d+$/, "not an object type id (0-1, 2-123 …)");

/**
 * Standard object type ids, as generic (object.*) subscriptions name them (HubSpot, "Using the
 * object APIs": https://developers.hubspot.com/docs/guides/crm/using-object-apis).
 */
export const OBJECT_TYPE_IDS: Readonly<Record<string, string>> = {
  "0-1": "contact",
  "0-2": "company",
  "0-3": "deal",
  "0-5": "ticket",
  "0-7": "product",
  "0-8": "line_item",
  "0-14": "quote",
  "0-18": "communication",
  "0-19": "feedback_submission",
  "0-27": "task",
  "0-46": "note",
  "0-47": "meeting",
  "0-48": "call",
  "0-49": "email",
  "0-53": "invoice",
  "0-54": "marketing_event",
  "0-69": "subscription",
  "0-74": "goal_target",
  "0-84": "discount",
  "0-85": "fee",
  "0-86": "tax",
  "0-101": "payment",
  "0-115": "user",
  "0-116": "postal_mail",
  "0-123": "order",
  "0-136": "lead",
  "0-142": "cart",
  "0-162": "service",
  "0-410": "course",
  "0-420": "listing",
  "0-421": "appointment",
  "0-970": "project",
};

const HANDLED_TYPES = HANDLED_OBJECT_TYPES.hubspot;
/** Classic subscription prefixes that name a CRM object (conversation.* and others do not). */
const CLASSIC_TYPES = new Set(["contact", "company", "deal", "ticket", "line_item", "product"]);
const ACTIONS = new Set(["creation", "deletion", "propertyChange", "merge", "associationChange", "restore", "privacyDeletion"]);
const SUBSCRIPTION = /^([a-z][a-z_]*)\.([a-z][A-Za-z]*)$/;

const Common = z.looseObject({
  eventId: Id,
  subscriptionId: Id,
  portalId: Id,
  appId: Id.optional(),
  occurredAt: z.number().int().positive().max(8.64e15, "not a timestamp"),
  subscriptionType: z.string(),
  attemptNumber: z.number().int().nonnegative().optional(),
  changeSource: z.string().optional(),
  sourceId: z.string().optional(),
  changeFlag: z.string().max(64).optional(),
  isSensitive: z.boolean().optional(),
});

const ObjectEvent = Common.extend({ objectId: Id, objectTypeId: TypeId.optional() });

const PropertyChange = ObjectEvent.extend({
  propertyName: z.string().min(1),
  // Absent for Sensitive Data properties (isSensitive): the property changed, its value unsaid.
  propertyValue: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
});

const Merge = ObjectEvent.extend({
  primaryObjectId: Id.optional(),
  mergedObjectIds: z.array(Id).optional(),
  newObjectId: Id.optional(),
});

/** Classic (contact.associationChange) and generic (object.associationChange): no objectId, both ends named. */
const AssociationChange = Common.extend({
  objectId: Id.optional(),
  fromObjectId: Id,
  toObjectId: Id,
  associationType: z.string().max(200).optional(),
  associationRemoved: z.boolean().optional(),
  fromObjectTypeId: TypeId.optional(),
  toObjectTypeId: TypeId.optional(),
});

export interface HubSpotContext {
  /** The one portal this deployment serves (HUBSPOT_PORTAL_ID): events of any other are ignored. */
  portalId: string;
  /** Our app id: a change whose sourceId is this app came from this integration. */
  appId?: string;
}

const parked = (reason: string, accountId?: string): Verdict => ({ outcome: "parked", reason, accountId });
const ignored = (reason: string): Verdict => ({ outcome: "ignored", reason });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function isOwnChange(e: z.infer<typeof Common>, ctx: HubSpotContext): boolean {
  if (e.changeSource !== "INTEGRATION" || !ctx.appId) return false;
  // Observed forms: the bare app id, or "app:<id>"/"appId:<id>".
  return e.sourceId === ctx.appId || e.sourceId?.replace(/^app(Id)?:/, "") === ctx.appId;
}

/** An association label's object types: CONTACT_TO_COMPANY → contact, company; PARENT_COMPANY_TO_CHILD_COMPANY → company, company. */
function labelTypes(label: string | undefined): [string, string] | null {
  const parts = label?.split("_TO_");
  if (parts?.length !== 2) return null;
  const type = (part: string) => part.replace(/^(PARENT|CHILD)_/, "").toLowerCase();
  return [type(parts[0]!), type(parts[1]!)];
}

const reversedLabel = (label: string) => label.split("_TO_").reverse().join("_TO_");

/**
 * Judges one item of a HubSpot webhook batch (https://developers.hubspot.com/docs/api-reference/legacy/webhooks/guide,
 * generic subscriptions: …/create-generic-webhook-subscriptions): kept as normalised events,
 * ignored (another portal, a subscription type or object the Worker does not handle), or
 * parked with the reason (malformed).
 */
export async function judgeHubSpotEvent(raw: unknown, ctx: HubSpotContext): Promise<Verdict> {
  if (!isObject(raw)) return parked("not an event object");
  const portal = Id.safeParse(raw.portalId);
  if (portal.success && portal.data !== ctx.portalId)
    return ignored(`portal ${portal.data} is not the one this deployment serves (HUBSPOT_PORTAL_ID)`);
  const accountId = portal.success ? portal.data : undefined;
  const subscription = typeof raw.subscriptionType === "string" ? SUBSCRIPTION.exec(raw.subscriptionType) : null;
  if (!subscription)
    return parked(
      raw.subscriptionType === undefined ? "subscriptionType is missing" : "subscriptionType is not of the form object.action",
      accountId,
    );
  const [, prefix, action] = subscription as unknown as [string, string, string];
  if (!ACTIONS.has(action) || (prefix !== "object" && !CLASSIC_TYPES.has(prefix)))
    return ignored(`subscription type ${prefix}.${action} is not handled`);

  if (action === "associationChange") {
    const e = AssociationChange.safeParse(raw, { reportInput: true });
    return e.success ? associationEvents(e.data, prefix, ctx) : parked(describeIssues(e.error), accountId);
  }
  // An object the Worker keeps no records of is ignored however its event is shaped.
  const typeId = prefix === "object" ? TypeId.safeParse(raw.objectTypeId) : undefined;
  if (typeId && !typeId.success) {
    return parked(
      raw.objectTypeId === undefined
        ? "objectTypeId is missing (generic object.* events name the object type)"
        : `objectTypeId: ${typeId.error.issues[0]?.message}`,
      accountId,
    );
  }
  const objectType = typeId ? (OBJECT_TYPE_IDS[typeId.data] ?? typeId.data) : prefix;
  if (!HANDLED_TYPES.has(objectType)) return ignored(`object type ${objectType} is not handled`);
  const schema = action === "propertyChange" ? PropertyChange : action === "merge" ? Merge : ObjectEvent;
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return parked(describeIssues(parsed.error), accountId);
  const e = parsed.data as z.infer<typeof PropertyChange> & z.infer<typeof Merge>;

  const base = {
    // eventId alone is "not guaranteed unique": the identity is the whole tuple.
    dedupeKey: await dedupeKey("hs", [
      e.portalId,
      e.subscriptionId,
      e.subscriptionType,
      e.objectId,
      e.eventId,
      e.occurredAt,
      e.propertyName,
      e.propertyValue,
    ]),
    ...eventBase(e, ctx),
    recordKey: recordKey("hubspot", e.portalId, objectType, e.objectId),
    objectType,
    objectId: e.objectId,
  };
  const events = ((): CrmEvent[] => {
    switch (action) {
      case "creation":
        return [{ ...base, kind: "created", properties: {} }];
      case "propertyChange":
        return [
          e.propertyValue === undefined
            ? { ...base, kind: "propertyChanged", properties: {}, snapshot: false, valuesNotSent: [e.propertyName] }
            : { ...base, kind: "propertyChanged", properties: { [e.propertyName]: e.propertyValue }, snapshot: false },
        ];
      case "deletion":
      case "privacyDeletion":
        return [{ ...base, kind: "deleted", privacy: action === "privacyDeletion" }];
      case "restore":
        return [{ ...base, kind: "restored" }];
      default: {
        const survivorId = e.newObjectId ?? e.primaryObjectId ?? e.objectId;
        const mergedIds = (e.mergedObjectIds ?? []).filter((id) => id !== survivorId);
        // The survivor learns what it absorbed; each absorbed record learns it is gone.
        return [survivorId, ...mergedIds].map((objectId) => ({
          ...base,
          objectId,
          recordKey: recordKey("hubspot", e.portalId, objectType, objectId),
          kind: "merged" as const,
          survivorId,
          mergedIds,
        }));
      }
    }
  })();
  return { outcome: "kept", events };
}

function eventBase(e: z.infer<typeof Common>, ctx: HubSpotContext) {
  return {
    crm: "hubspot" as const,
    accountId: e.portalId,
    occurredAt: new Date(e.occurredAt).toISOString(),
    changedBy: { source: e.changeSource, id: e.sourceId },
    fromThisIntegration: isOwnChange(e, ctx),
    via: "hubspot-webhook" as const,
    // HubSpot documents no sequence of its own; its event id is the one order it sends.
    order: e.eventId.padStart(20, "0"),
    ...(e.changeFlag === undefined ? {} : { changeFlag: e.changeFlag }),
    ...(e.isSensitive === undefined ? {} : { sensitive: e.isSensitive }),
  };
}

/** An association is news to both ends: each handled end's record learns of the other. */
async function associationEvents(e: z.infer<typeof AssociationChange>, prefix: string, ctx: HubSpotContext): Promise<Verdict> {
  const fromLabel = labelTypes(e.associationType);
  const generic = prefix === "object";
  const fromType = generic ? (e.fromObjectTypeId ? OBJECT_TYPE_IDS[e.fromObjectTypeId] : undefined) : (fromLabel?.[0] ?? prefix);
  const toType = generic ? (e.toObjectTypeId ? OBJECT_TYPE_IDS[e.toObjectTypeId] : undefined) : fromLabel?.[1];
  if (generic && (!e.fromObjectTypeId || !e.toObjectTypeId)) {
    return parked("generic association events need fromObjectTypeId and toObjectTypeId", e.portalId);
  }
  const label = e.associationType ?? (fromType && toType ? `${fromType}_TO_${toType}`.toUpperCase() : "unknown");
  const ends: { type: string; id: string; otherType?: string; otherId: string; label: string; side: string }[] = [];
  if (fromType && HANDLED_TYPES.has(fromType))
    ends.push({ type: fromType, id: e.fromObjectId, otherType: toType, otherId: e.toObjectId, label, side: "from" });
  if (toType && HANDLED_TYPES.has(toType) && label.includes("_TO_")) {
    ends.push({ type: toType, id: e.toObjectId, otherType: fromType, otherId: e.fromObjectId, label: reversedLabel(label), side: "to" });
  }
  if (ends.length === 0) return ignored(`association ${label} links no object type the Worker handles`);
  const removed = e.associationRemoved ?? false;
  const events = await Promise.all(
    ends.map(
      async (end): Promise<CrmEvent> => ({
        dedupeKey: await dedupeKey("hsa", [
          e.portalId,
          e.subscriptionId,
          e.eventId,
          e.occurredAt,
          e.fromObjectId,
          e.toObjectId,
          label,
          removed,
          end.side,
        ]),
        ...eventBase(e, ctx),
        recordKey: recordKey("hubspot", e.portalId, end.type, end.id),
        objectType: end.type,
        objectId: end.id,
        kind: "associationChanged",
        associationType: end.label,
        toObjectId: end.otherId,
        ...(end.otherType ? { toObjectType: end.otherType } : {}),
        removed,
      }),
    ),
  );
  return { outcome: "kept", events };
}
