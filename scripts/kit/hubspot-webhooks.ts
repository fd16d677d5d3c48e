import { deploymentNeeds, type RecordEventNeed } from "../../src/core/policy/policy-needs.ts";
import type { Policy } from "../../src/core/policy/policy.ts";
import { KIT_OBJECT_TYPES } from "./kit-objects.ts";

/** Where `hs project upload` reads the app's webhook subscriptions from. */
export const HUBSPOT_WEBHOOKS_FILE = "hubspot/src/app/webhooks/webhooks-hsmeta.json";
/** The Worker's HubSpot webhook route; the target URL is the Worker's origin and this path. */
export const HUBSPOT_WEBHOOK_PATH = "/webhooks/hubspot";
/** What the committed file holds until an admin regenerates it with the Worker's URL. */
export const EXAMPLE_WORKER_URL = "https://lead-follow-up-worker.example.com";

export interface CrmObjectSubscription {
  subscriptionType: `object.${"creation" | "deletion" | "merge" | "restore" | "propertyChange"}`;
  objectType: string;
  propertyName?: string;
  active: boolean;
}

const EVENT_TYPES: Record<RecordEventNeed, CrmObjectSubscription["subscriptionType"]> = {
  creation: "object.creation",
  deletion: "object.deletion",
  merge: "object.merge",
  restore: "object.restore",
};

/**
 * The subscriptions the deployment needs from HubSpot, in HubSpot's current (generic, `object.*`)
 * form: one per record event and one per property whose changes a rule must hear of or the
 * console's search reads (a contact's name: deploymentNeeds).
 * Object types the HubSpot kit does not follow are left to the CRM whose kit does.
 */
export function hubspotSubscriptions(policy: Policy): CrmObjectSubscription[] {
  const subscriptions: CrmObjectSubscription[] = [];
  const needs = deploymentNeeds(policy, "hubspot")
    .filter((n) => n.objectType in KIT_OBJECT_TYPES.hubspot)
    .sort((a, b) => a.objectType.localeCompare(b.objectType));
  for (const need of needs) {
    const objectType = KIT_OBJECT_TYPES.hubspot[need.objectType]!;
    for (const event of need.events) subscriptions.push({ subscriptionType: EVENT_TYPES[event], objectType, active: true });
    for (const propertyName of need.propertyChanges) {
      subscriptions.push({ subscriptionType: "object.propertyChange", objectType, propertyName, active: true });
    }
  }
  return subscriptions;
}

/** The webhooks component (`*-hsmeta.json`) of the HubSpot project. */
export function hubspotWebhooksComponent(policy: Policy, workerUrl: string) {
  const origin = new URL(workerUrl);
  if (origin.protocol !== "https:") throw new Error(`HubSpot calls https URLs only: ${workerUrl}`);
  return {
    uid: "lead_follow_up_webhooks",
    type: "webhooks",
    config: {
      settings: {
        targetUrl: `${origin.origin}${origin.pathname.replace(/\/$/, "")}${HUBSPOT_WEBHOOK_PATH}`,
        // HubSpot allows at most 10 in flight per installed account; fewer than 5 is refused.
        maxConcurrentRequests: 10,
      },
      subscriptions: { crmObjects: hubspotSubscriptions(policy) },
    },
  };
}

export const formatJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
