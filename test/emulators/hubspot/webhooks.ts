import { createHash, createHmac } from "node:crypto";
import { WebhookOutbox } from "../shared/webhook-outbox.ts";
import { canonicalType, GENERIC_WEBHOOK_TYPES, typeInfo, WEBHOOK_TYPES, type ObjectType } from "./object-types.ts";
import type { ChangeSource, PropertyChange } from "./objects-store.ts";

/** One event of a HubSpot webhook batch, fields in the order real payloads use (crm-facts 1.4). */
export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  /** Generic (`object.*`) subscriptions name the object type. */
  objectTypeId?: string;
  propertyName?: string;
  propertyValue?: string;
  changeFlag?: "CREATED" | "DELETED";
  changeSource: string;
  sourceId: string;
}

/** objectType (contact, contacts or 0-1) → property names whose changes are subscribed. */
export type Subscriptions = Record<string, string[]>;

export const DEFAULT_SUBSCRIPTIONS: Subscriptions = {
  contact: [
    "hubspot_owner_id",
    "hs_lead_status",
    "lifecyclestage",
    "hs_sales_email_last_replied",
    "hs_email_optout",
    "notes_last_updated",
    "hs_last_sales_activity_timestamp",
    "email",
    "hs_additional_emails",
    "engagements_last_meeting_booked",
  ],
  deal: ["dealstage", "hubspot_owner_id"],
  // Generic subscriptions (object.*, objectTypeId 0-136).
  lead: ["hubspot_owner_id", "hs_pipeline_stage", "hs_last_sales_activity_timestamp"],
};

export interface WebhookConfig {
  appId: string;
  portalId: string;
  subscriptions: Subscriptions;
  clientSecret: string;
  targetUrl?: string;
  now: () => number;
  /** Sees every event emitted, delivered or not (the webhooks journal keeps them). */
  onEvent?: (event: WebhookEvent) => void;
}

export function signV3(clientSecret: string, method: string, url: string, body: string, timestamp: string): string {
  return createHmac("sha256", clientSecret)
    .update(method + url + body + timestamp, "utf8")
    .digest("base64");
}

export function signV1(clientSecret: string, body: string): string {
  return createHash("sha256")
    .update(clientSecret + body, "utf8")
    .digest("hex");
}

const hooked = (type: ObjectType) => WEBHOOK_TYPES.has(type) || GENERIC_WEBHOOK_TYPES.has(type);

/** Turns CRM changes into subscribed webhook events and hands them to the shared outbox. */
export class WebhookEmitter {
  readonly outbox: WebhookOutbox<WebhookEvent>;
  private readonly config: WebhookConfig;
  private readonly subscribed = new Map<ObjectType, Set<string>>();
  private readonly subscriptionIds = new Map<string, number>();
  private nextEventId = 0;

  constructor(config: WebhookConfig) {
    this.config = config;
    for (const [rawType, names] of Object.entries(config.subscriptions)) {
      this.subscribed.set(canonicalType(rawType), new Set(names));
    }
    // Stable ids per subscription, as an app's subscriptions have.
    let next = 2416730;
    for (const type of [...WEBHOOK_TYPES, ...GENERIC_WEBHOOK_TYPES]) {
      const singular = typeInfo(type).singular;
      this.subscriptionIds.set(`${singular}.creation`, next++);
      this.subscriptionIds.set(`${singular}.deletion`, next++);
      for (const name of this.subscribed.get(type) ?? []) this.subscriptionIds.set(`${singular}.propertyChange:${name}`, next++);
    }
    const deliver = config.targetUrl ? (events: WebhookEvent[]) => this.deliver(config.targetUrl!, events) : undefined;
    this.outbox = new WebhookOutbox<WebhookEvent>(deliver, 100);
    this.reset();
  }

  created(type: ObjectType, objectId: string, changes: PropertyChange[], source: ChangeSource, at: number): void {
    if (!hooked(type)) return;
    this.push(type, "creation", objectId, source, at, { changeFlag: "CREATED" });
    // HubSpot also reports subscribed properties set at creation as property changes.
    this.changed(type, objectId, changes, source, at);
  }

  changed(type: ObjectType, objectId: string, changes: PropertyChange[], source: ChangeSource, at: number): void {
    const names = this.subscribed.get(type);
    if (!hooked(type) || !names) return;
    for (const change of changes) {
      if (!names.has(change.name)) continue;
      this.push(type, "propertyChange", objectId, source, at, { propertyName: change.name, propertyValue: change.value });
    }
  }

  deleted(type: ObjectType, objectId: string, source: ChangeSource, at: number): void {
    if (!hooked(type)) return;
    this.push(type, "deletion", objectId, source, at, { changeFlag: "DELETED" });
  }

  drain(): WebhookEvent[] {
    return this.outbox.drain();
  }

  reset(): void {
    this.outbox.reset();
    this.nextEventId = 3816279340;
  }

  private push(
    type: ObjectType,
    kind: string,
    objectId: string,
    source: ChangeSource,
    at: number,
    extra: { propertyName?: string; propertyValue?: string; changeFlag?: "CREATED" | "DELETED" },
  ): void {
    const classic = `${typeInfo(type).singular}.${kind}`;
    const generic = GENERIC_WEBHOOK_TYPES.has(type);
    const subscriptionType = generic ? `object.${kind}` : classic;
    const subscriptionId = this.subscriptionIds.get(extra.propertyName ? `${classic}:${extra.propertyName}` : classic) ?? 0;
    const event: WebhookEvent = {
      eventId: this.nextEventId++,
      subscriptionId,
      portalId: Number(this.config.portalId),
      appId: Number(this.config.appId),
      occurredAt: at,
      subscriptionType,
      attemptNumber: 0,
      objectId: Number(objectId),
      ...(generic ? { objectTypeId: typeInfo(type).typeId } : {}),
      ...(extra.propertyName !== undefined ? { propertyName: extra.propertyName, propertyValue: extra.propertyValue ?? "" } : {}),
      ...(extra.changeFlag ? { changeFlag: extra.changeFlag } : {}),
      changeSource: source.changeSource,
      sourceId: source.sourceId,
    };
    this.config.onEvent?.(event);
    this.outbox.push(event);
  }

  /** POSTs a batch signed like HubSpot: v3 (HMAC, base64, with timestamp) and the legacy v1. */
  private async deliver(url: string, events: WebhookEvent[]): Promise<void> {
    const body = JSON.stringify(events);
    const timestamp = String(this.config.now());
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": signV3(this.config.clientSecret, "POST", url, body, timestamp),
        "x-hubspot-signature": signV1(this.config.clientSecret, body),
        "x-hubspot-signature-version": "v1",
      },
      body,
    });
    await response.arrayBuffer();
    if (!response.ok) {
      // The outbox retries the same objects; HubSpot counts the attempts.
      for (const event of events) event.attemptNumber++;
      throw new Error(`webhook target answered ${response.status}`);
    }
  }
}
