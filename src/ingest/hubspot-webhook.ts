import { z } from "zod";
import { type CrmEvent, recordKey } from "../domain/crm-event";
import { dedupeKey } from "./dedupe-key";

/** HubSpot sends at most 100 events per request. */
export const HUBSPOT_MAX_EVENTS = 100;

const Id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

const SUBSCRIPTION =
  /^(contact|company|deal|ticket|line_item|product|object)\.(creation|deletion|propertyChange|merge|associationChange|restore|privacyDeletion)$/;

/** Generic (`object.*`) subscriptions name the type by id; these are HubSpot's standard ones. */
const OBJECT_TYPE_IDS: Record<string, string> = {
  "0-1": "contact",
  "0-2": "company",
  "0-3": "deal",
  "0-5": "ticket",
  "0-7": "product",
  "0-8": "line_item",
  "0-27": "task",
  "0-47": "meeting",
  "0-48": "call",
  "0-49": "email",
  "0-46": "note",
  "0-136": "lead",
};

export const HubSpotWebhookEvent = z
  .looseObject({
    eventId: Id,
    subscriptionId: Id,
    portalId: Id,
    appId: Id,
    occurredAt: z.number().int().positive().max(8.64e15, "not a timestamp"),
    subscriptionType: z.string().regex(SUBSCRIPTION, "unsupported subscriptionType"),
    attemptNumber: z.number().int().nonnegative(),
    objectId: Id,
    objectTypeId: z.string().optional(),
    changeSource: z.string().optional(),
    sourceId: z.string().optional(),
    changeFlag: z.string().optional(),
    propertyName: z.string().min(1).optional(),
    propertyValue: z.string().optional(),
    primaryObjectId: Id.optional(),
    mergedObjectIds: z.array(Id).optional(),
    newObjectId: Id.optional(),
    associationType: z.string().optional(),
    fromObjectId: Id.optional(),
    toObjectId: Id.optional(),
    associationRemoved: z.boolean().optional(),
  })
  .superRefine((e, ctx) => {
    const action = e.subscriptionType.split(".")[1];
    if (action === "propertyChange" && (e.propertyName === undefined || e.propertyValue === undefined)) {
      ctx.addIssue({ code: "custom", message: "propertyChange events need propertyName and propertyValue" });
    }
    if (action === "associationChange" && e.toObjectId === undefined) {
      ctx.addIssue({ code: "custom", message: "associationChange events need toObjectId" });
    }
    if (e.subscriptionType.startsWith("object.") && !e.objectTypeId) {
      ctx.addIssue({ code: "custom", message: "generic object.* events need objectTypeId" });
    }
  });
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEvent>;

export const HubSpotWebhookBatch = z
  .array(HubSpotWebhookEvent)
  .min(1, "a batch holds at least one event")
  .max(HUBSPOT_MAX_EVENTS, `a batch holds at most ${HUBSPOT_MAX_EVENTS} events`);

export interface HubSpotContext {
  /** Our app id: a change whose sourceId is this app came from this integration. */
  appId?: string;
}

function objectTypeOf(e: HubSpotWebhookEvent): string {
  const prefix = e.subscriptionType.split(".")[0]!;
  if (prefix !== "object") return prefix;
  return OBJECT_TYPE_IDS[e.objectTypeId!] ?? e.objectTypeId!.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

function isOwnChange(e: HubSpotWebhookEvent, ctx: HubSpotContext): boolean {
  if (e.changeSource !== "INTEGRATION" || !ctx.appId) return false;
  // Observed forms: the bare app id, or "app:<id>"/"appId:<id>".
  return e.sourceId === ctx.appId || e.sourceId?.replace(/^app(Id)?:/, "") === ctx.appId;
}

export async function normalizeHubSpotEvent(e: HubSpotWebhookEvent, ctx: HubSpotContext): Promise<CrmEvent[]> {
  const objectType = objectTypeOf(e);
  const action = e.subscriptionType.split(".")[1]!;
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
    recordKey: recordKey("hubspot", e.portalId, objectType, e.objectId),
    crm: "hubspot" as const,
    accountId: e.portalId,
    objectType,
    objectId: e.objectId,
    occurredAt: new Date(e.occurredAt).toISOString(),
    changedBy: { source: e.changeSource, id: e.sourceId },
    fromThisIntegration: isOwnChange(e, ctx),
    via: "hubspot-webhook" as const,
  };
  switch (action) {
    case "creation":
      return [{ ...base, kind: "created", properties: {} }];
    case "propertyChange":
      return [{ ...base, kind: "propertyChanged", properties: { [e.propertyName!]: e.propertyValue! }, snapshot: false }];
    case "deletion":
    case "privacyDeletion":
      return [{ ...base, kind: "deleted", privacy: action === "privacyDeletion" }];
    case "restore":
      return [{ ...base, kind: "restored" }];
    case "associationChange":
      return [
        {
          ...base,
          kind: "associationChanged",
          associationType: e.associationType ?? "unknown",
          toObjectId: e.toObjectId!,
          removed: e.associationRemoved ?? false,
        },
      ];
    case "merge": {
      const survivorId = e.newObjectId ?? e.primaryObjectId ?? e.objectId;
      const mergedIds = (e.mergedObjectIds ?? []).filter((id) => id !== survivorId);
      // The survivor learns what it absorbed; each absorbed record learns it is gone.
      const targets = [survivorId, ...mergedIds];
      return targets.map((objectId) => ({
        ...base,
        objectId,
        recordKey: recordKey("hubspot", e.portalId, objectType, objectId),
        kind: "merged" as const,
        survivorId,
        mergedIds,
      }));
    }
    default:
      throw new Error(`unreachable subscription action ${action}`);
  }
}
