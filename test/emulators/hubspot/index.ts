import { PreferencesStore, registerPreferenceRoutes } from "./preferences.routes.ts";
import { type EmulatorRequest, type EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import { AccessControl } from "./access.ts";
import type { ApiContext } from "./api.ts";
import { registerAssociationRoutes } from "./associations.routes.ts";
import { AssociationsStore } from "./associations-store.ts";
import { registerBatchRoutes } from "./batch.routes.ts";
import { registerControlRoutes } from "./control.routes.ts";
import { Crm, type HubSpotState } from "./crm.ts";
import { correlationId } from "./errors.ts";
import { canonicalType } from "./object-types.ts";
import { registerObjectRoutes } from "./objects.routes.ts";
import { ObjectsStore } from "./objects-store.ts";
import { invalidRequest, ResponseChecks } from "./openapi-checks.ts";
import { registerOwnerRoutes } from "./owners.routes.ts";
import { DEFAULT_OWNERS, OwnersStore, type OwnerInput } from "./owners-store.ts";
import { registerPipelineRoutes } from "./pipelines.routes.ts";
import { registerPropertyRoutes } from "./properties.routes.ts";
import { PropertiesStore, type PropertyInput } from "./properties-store.ts";
import { registerSchedulerRoutes } from "./scheduler.routes.ts";
import { DEFAULT_MEETING_LINKS, type MeetingLinkInput, SchedulerStore } from "./scheduler-store.ts";
import { Retirement } from "./retirement.ts";
import { registerSearchRoutes } from "./search.routes.ts";
import { HubSpotUi } from "./ui.ts";
import { DEFAULT_SUBSCRIPTIONS, WebhookEmitter, type Subscriptions, type WebhookEvent } from "./webhooks.ts";

export type { WebhookEvent, Subscriptions } from "./webhooks.ts";
export type { OwnerInput } from "./owners-store.ts";
export type { PropertyInput } from "./properties-store.ts";
export type { HubSpotState } from "./crm.ts";
export { signV1, signV3, DEFAULT_SUBSCRIPTIONS } from "./webhooks.ts";
export { DEFAULT_OWNERS } from "./owners-store.ts";
export type { Booking, MeetingLink, MeetingLinkInput } from "./scheduler-store.ts";
export { DEFAULT_MEETING_LINKS } from "./scheduler-store.ts";
export { SCHEDULER_BASE } from "./scheduler.routes.ts";
export { HUBSPOT_NUMERIC_SUPPORT_ENDS } from "./retirement.ts";

export interface HubSpotEmulatorOptions {
  /** Bearer tokens accepted on API routes. */
  accessTokens?: string[];
  appId?: string;
  portalId?: string;
  /** Signs webhook deliveries (v3 and legacy v1). */
  clientSecret?: string;
  /** When set, pending webhook events are POSTed there in batches of up to 100. */
  webhookTargetUrl?: string;
  /** Rolling window per token (HubSpot's ten-secondly limit). */
  rateLimit?: { max: number; windowMs: number };
  /** objectType → subscribed property names; replaces the default map. */
  subscriptions?: Subscriptions;
  now?: () => number;
  /** Owners that exist from the start and survive /_emulator/reset. */
  owners?: OwnerInput[];
  /** objectType → extra or overriding property definitions; they survive /_emulator/reset. */
  properties?: Record<string, PropertyInput[]>;
  /** Refuse unknown properties, bad enumeration options and unknown owners, like HubSpot. Default true. */
  strictProperties?: boolean;
  /**
   * Answer a request that HubSpot's OpenAPI documents do not allow (a property value that is not
   * a string, an input without `properties`) with HubSpot's 400 VALIDATION_ERROR. Default true.
   */
  validateRequests?: boolean;
  /**
   * Check every answer against the documents and keep each mismatch (an emulator bug) for
   * `openApiProblems()` and `GET /_emulator/openapi`. For tests; default false.
   */
  checkResponses?: boolean;
  /** The meetings scheduler's scheduling pages; they survive /_emulator/reset. Default DEFAULT_MEETING_LINKS. */
  meetingLinks?: MeetingLinkInput[];
  /**
   * From this instant (epoch ms, on `now`) the numeric paths (/crm/v3, /crm/v4,
   * /communication-preferences/v3 …) answer 410, as retired versions; the dated ones go on.
   * Default: never (tests' own fixtures still call them). HUBSPOT_NUMERIC_SUPPORT_ENDS has HubSpot's dates.
   * `PUT /_emulator/retirement {"at": ISO | ms | null}` changes it until the next reset.
   */
  retireNumericPathsAt?: number | null;
}

export interface HubSpotEmulator {
  server: EmulatorServer;
  state: HubSpotState;
  /** A simulated human in the HubSpot UI (CRM_UI changes), in-process. */
  ui: HubSpotUi;
  /** The meetings scheduler: scheduling pages, users' busy times, bookings. */
  scheduler: SchedulerStore;
  /** Removes and returns pending webhook events (what GET /_emulator/webhooks does). */
  drainWebhooks(): WebhookEvent[];
  /** Returns and forgets the answers that broke the OpenAPI documents (with `checkResponses`). */
  openApiProblems(): string[];
  /** When the numeric paths retire (see `retireNumericPathsAt`). */
  retirement: Retirement;
  /** Drops undelivered webhooks (so the outbox stops retrying) and closes the server. */
  close(): Promise<void>;
  appId: string;
  portalId: string;
  clientSecret: string;
  accessTokens: string[];
}

const SERVER_ERRORS = [502, 503, 500];

/**
 * A HubSpot CRM API emulator for the real @hubspot/api-client: objects, batch, search,
 * associations, owners and properties, with auth, rate limits, faults and signed webhooks.
 *
 *   const hs = createHubSpotEmulator({ webhookTargetUrl });
 *   const url = await hs.server.listen(0);
 *   const client = new Client({ accessToken: "hubspot-dev-token", basePath: url });
 */
export function createHubSpotEmulator(options: HubSpotEmulatorOptions = {}): HubSpotEmulator {
  const now = options.now ?? Date.now;
  const appId = options.appId ?? "54321";
  const portalId = options.portalId ?? "62515";
  const clientSecret = options.clientSecret ?? "hubspot-dev-client-secret";
  const accessTokens = options.accessTokens ?? ["hubspot-dev-token"];
  const seededProperties = Object.fromEntries(Object.entries(options.properties ?? {}).map(([t, list]) => [canonicalType(t), list]));

  const state: HubSpotState = {
    objects: new ObjectsStore(),
    associations: new AssociationsStore(),
    owners: new OwnersStore(options.owners ?? DEFAULT_OWNERS, now),
    properties: new PropertiesStore(seededProperties, now),
    webhooks: new WebhookEmitter({
      appId,
      portalId,
      clientSecret,
      now,
      subscriptions: options.subscriptions ?? DEFAULT_SUBSCRIPTIONS,
      ...(options.webhookTargetUrl ? { targetUrl: options.webhookTargetUrl } : {}),
    }),
  };
  const access = new AccessControl(accessTokens, options.rateLimit ?? { max: 100, windowMs: 10_000 }, now);
  const retirement = new Retirement(options.retireNumericPathsAt ?? null, now);
  let serverErrors = 0;
  const serverError = (): EmulatorResponse => ({
    status: SERVER_ERRORS[serverErrors++ % SERVER_ERRORS.length]!,
    body: { status: "error", message: "internal error", correlationId: correlationId(), category: "INTERNAL_ERROR" },
  });

  const validateRequests = options.validateRequests ?? true;
  const responseChecks = options.checkResponses ? new ResponseChecks() : undefined;
  // A retired path is gone for everyone; then auth and the rate limit, as at HubSpot; then the documents judge the request.
  const guard = (req: EmulatorRequest): EmulatorResponse | undefined => {
    const retired = retirement.guard(req);
    if (retired) return retired;
    const refused = access.guard(req);
    if (refused || !validateRequests) return refused;
    const invalid = invalidRequest(req);
    return invalid && access.withHeaders(req, invalid);
  };
  const hooks = {
    guard,
    rateLimited: access.rateLimited,
    serverError,
    resetLimits: () => access.limiter.reset(),
    ...(responseChecks ? { answered: responseChecks.record } : {}),
  };

  const preferences = new PreferencesStore();
  const scheduler = new SchedulerStore(options.meetingLinks ?? DEFAULT_MEETING_LINKS, now);
  const server = new EmulatorServer("hubspot", hooks, () => {
    preferences.reset();
    scheduler.reset();
    state.objects.reset();
    state.associations.reset();
    state.owners.reset();
    state.properties.reset();
    state.webhooks.reset();
    access.limiter.reset();
    retirement.reset();
    serverErrors = 0;
  });

  const strict = options.strictProperties ?? true;
  const crm = new Crm(state, now, strict);
  const ui = new HubSpotUi(crm, state.owners);
  const ctx: ApiContext = { server, crm, state, access, integration: { changeSource: "INTEGRATION", sourceId: appId } };
  // Specific paths before the generic /crm/v3/objects/:objectType/:objectId ones.
  registerSearchRoutes(ctx, strict);
  registerBatchRoutes(ctx, now);
  registerObjectRoutes(ctx);
  registerAssociationRoutes(ctx, now);
  registerOwnerRoutes(ctx);
  registerPropertyRoutes(ctx);
  registerPipelineRoutes(ctx);
  registerPreferenceRoutes(ctx, preferences, now);
  registerSchedulerRoutes(ctx, scheduler, now);
  registerControlRoutes(ctx, ui, responseChecks, retirement);

  const close = async () => {
    state.webhooks.reset();
    await server.close();
  };
  const openApiProblems = () => {
    if (!responseChecks) throw new Error("start the HubSpot emulator with checkResponses: true to check its answers");
    return responseChecks.drain();
  };
  return {
    server,
    state,
    ui,
    scheduler,
    drainWebhooks: () => state.webhooks.drain(),
    openApiProblems,
    retirement,
    close,
    appId,
    portalId,
    clientSecret,
    accessTokens,
  };
}
