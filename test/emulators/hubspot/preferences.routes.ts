import { PublicUpdateSubscriptionStatusRequestLegalBasisEnum } from "@hubspot/api-client/lib/codegen/communication_preferences/index.js";
import { apiRoute, apiRoutes, type ApiContext, controlRoute, DATED_VERSION } from "./api.ts";
import { badRequest } from "./errors.ts";

/**
 * HubSpot's communication preferences (v3 and 2026-09 subscriptions API): the portal's subscription types,
 * subscribe and unsubscribe an address with a legal basis, an address's statuses. As HubSpot
 * does, subscribing an address that is already subscribed is a 400 saying so.
 */
export interface SubscriptionType {
  id: string;
  name: string;
  description: string;
}

export const DEFAULT_SUBSCRIPTION_TYPES: SubscriptionType[] = [
  { id: "7005", name: "Marketing Information", description: "Marketing offers and updates." },
  { id: "7006", name: "One to One", description: "One to one emails." },
];

// HubSpot's own list, from the SDK generated from its OpenAPI document.
const LEGAL_BASES = new Set<string>(Object.values(PublicUpdateSubscriptionStatusRequestLegalBasisEnum));

interface Status {
  id: string;
  name: string;
  description: string;
  status: "SUBSCRIBED" | "NOT_SUBSCRIBED";
  sourceOfStatus: "SUBSCRIPTION_STATUS";
  legalBasis?: string;
  legalBasisExplanation?: string;
}

export class PreferencesStore {
  private readonly statuses = new Map<string, Map<string, Status>>();
  readonly types: SubscriptionType[];
  constructor(types: SubscriptionType[] = DEFAULT_SUBSCRIPTION_TYPES) {
    this.types = types;
  }
  of(email: string): Status[] {
    return [...(this.statuses.get(email.toLowerCase())?.values() ?? [])];
  }
  set(email: string, status: Status): void {
    const key = email.toLowerCase();
    if (!this.statuses.has(key)) this.statuses.set(key, new Map());
    this.statuses.get(key)!.set(status.id, status);
  }
  all(): { recipient: string; subscriptionStatuses: Status[] }[] {
    return [...this.statuses].map(([recipient, byId]) => ({ recipient, subscriptionStatuses: [...byId.values()] }));
  }
  reset(): void {
    this.statuses.clear();
  }
}

interface UpdateRequest {
  emailAddress?: unknown;
  subscriptionId?: unknown;
  legalBasis?: unknown;
  legalBasisExplanation?: unknown;
}

const V3 = "/communication-preferences/v3";
const DATED = `/communication-preferences/${DATED_VERSION}`;

export function registerPreferenceRoutes(ctx: ApiContext, store: PreferencesStore, now: () => number = Date.now): void {
  apiRoute(ctx, "GET", `${V3}/definitions`, () => ({
    status: 200,
    body: { subscriptionDefinitions: store.types.map((t) => ({ ...t, isActive: true, isDefault: false, isInternal: false })) },
  }));

  const update = (subscribe: boolean) => (req: { body: unknown }) => {
    const body = (req.body ?? {}) as UpdateRequest;
    if (typeof body.emailAddress !== "string" || !body.emailAddress.includes("@"))
      throw badRequest("emailAddress: a valid email address is required");
    const type = store.types.find((t) => t.id === body.subscriptionId);
    if (!type) throw badRequest(`subscriptionId ${String(body.subscriptionId)} is not a subscription type of this portal`);
    if (body.legalBasis !== undefined && !LEGAL_BASES.has(String(body.legalBasis)))
      throw badRequest(`legalBasis: unknown value ${String(body.legalBasis)}`);
    const current = store.of(body.emailAddress).find((s) => s.id === type.id);
    if (subscribe && current?.status === "SUBSCRIBED") throw badRequest(`${body.emailAddress} is already subscribed to subscription ${type.id}`);
    const status: Status = {
      id: type.id,
      name: type.name,
      description: type.description,
      status: subscribe ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
      sourceOfStatus: "SUBSCRIPTION_STATUS",
      ...(typeof body.legalBasis === "string" ? { legalBasis: body.legalBasis } : {}),
      ...(typeof body.legalBasisExplanation === "string" ? { legalBasisExplanation: body.legalBasisExplanation } : {}),
    };
    store.set(body.emailAddress, status);
    return { status: 200, body: status };
  };
  // 2026-09 answers the definitions as a batch-style action response.
  apiRoute(ctx, "GET", `${DATED}/definitions`, () => {
    const at = new Date(now()).toISOString();
    const results = store.types.map((t) => ({ ...t, isActive: true, isDefault: false, isInternal: false, createdAt: at, updatedAt: at }));
    return { status: 200, body: { status: "COMPLETE", results, startedAt: at, completedAt: at } };
  });
  apiRoutes(ctx, "POST", [`${V3}/subscribe`, `${DATED}/subscribe`], update(true));
  apiRoutes(ctx, "POST", [`${V3}/unsubscribe`, `${DATED}/unsubscribe`], update(false));
  apiRoutes(ctx, "GET", [`${V3}/status/email/:emailAddress`, `${DATED}/status/email/:emailAddress`], (req) => ({
    status: 200,
    body: { recipient: decodeURIComponent(req.params.emailAddress!), subscriptionStatuses: store.of(decodeURIComponent(req.params.emailAddress!)) },
  }));
  controlRoute(ctx, "GET", "/_emulator/preferences", () => ({ status: 200, body: store.all() }));
}
