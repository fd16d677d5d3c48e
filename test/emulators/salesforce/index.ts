/**
 * A Salesforce REST API emulator that the real jsforce can talk to: sObjects, sObject
 * Collections, a SOQL subset with opportunity history, API limits, and Change Data Capture
 * events delivered as Standard Webhooks-signed batches (what the Apex forwarder sends).
 */
import { RollingWindowLimiter } from "../shared/rate-limit.ts";
import { EmulatorServer } from "../shared/server.ts";
import { WebhookOutbox } from "../shared/webhook-outbox.ts";
import { type ChangeEvent, ChangeEventBuilder, MAX_EVENTS_PER_DELIVERY, webhookDeliverer } from "./cdc.ts";
import { registerCollectionRoutes } from "./collections.routes.ts";
import { registerControlRoutes } from "./control.routes.ts";
import { bearerToken, type SalesforceContext } from "./context.ts";
import { INVALID_SESSION, REQUEST_LIMIT_EXCEEDED, UNKNOWN_EXCEPTION } from "./errors.ts";
import { ApiUsage } from "./limits.ts";
import { registerMetaRoutes } from "./meta.routes.ts";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type OAuthClient, registerOAuthRoutes } from "./oauth.routes.ts";
import { registerQueryRoutes } from "./query.routes.ts";
import { type CustomField, Schema } from "./schema.ts";
import { registerSObjectRoutes } from "./sobjects.routes.ts";
import { RecordStore } from "./store.ts";

export type { ChangeEvent } from "./cdc.ts";
export { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "./oauth.routes.ts";
export { signStandardWebhook } from "./webhook-signing.ts";

export const INTEGRATION_USER_ID = "0055g00000IntegAAA";
export const REP_ONE_USER_ID = "0055g00000RepOnAAA";
export const REP_TWO_USER_ID = "0055g00000RepTwAAA";
export const DEFAULT_ORG_ID = "00D5g000004ExmplEAA";
export const DEFAULT_ACCESS_TOKEN = "salesforce-dev-token";

export interface SeedUser {
  Id: string;
  LastName: string;
  FirstName?: string;
  Email?: string;
  Username?: string;
  IsActive?: boolean;
  TimeZoneSidKey?: string;
  /** The profile's name (one of `profiles`). Default "Standard User". */
  profile?: string;
}

/** Standard profiles of a new org, and the one Salesforce gives integration users. */
export const DEFAULT_PROFILES = ["System Administrator", "Standard User", "Minimum Access - API Only Integrations"];

export interface SalesforceEmulatorOptions {
  /** Bearer token → user id. Default: one token for the integration user. */
  accessTokens?: Record<string, string>;
  /** Client id → secret and run-as user, for the client credentials flow. Default: one client for the integration user. */
  oauthClients?: Record<string, OAuthClient>;
  orgId?: string;
  /** `whsec_<base64>`: signs change-event deliveries (Standard Webhooks). */
  webhookSecret?: string;
  /** When set, change events are POSTed here in batches of up to 200. */
  webhookTargetUrl?: string;
  /** Delay before a delivery, so one burst of changes goes out as one batch. Default 250 ms. */
  webhookDelayMs?: number;
  /** An emulated short-window cap; over it, calls get 403 REQUEST_LIMIT_EXCEEDED. */
  rateLimit?: { max: number; windowMs: number };
  /** The org's rolling 24-hour API request allocation. Default 100,000. */
  dailyLimit?: number;
  now?: () => number;
  /** The human the /_emulator/ui routes act as (override per call with ?as=<userId>). */
  repUserId?: string;
  /** Users besides the integration user and the two reps, or in their place (same Id). */
  users?: SeedUser[];
  /** Profile names, seeded with ids in this order. Default DEFAULT_PROFILES. */
  profiles?: string[];
  /** Unique external-id fields. Default Idempotency_Key__c on Task and Event (an Activity field) and Lead.External_Key__c. */
  externalIdFields?: Record<string, string[]>;
  /** Extra custom fields: names of text fields, or `{name, type}` ("boolean" for a checkbox, "date", "datetime", …). */
  customFields?: Record<string, CustomField[]>;
  /**
   * Data Protection and Privacy (Setup): Individual, DataUsePurpose, ContactPointTypeConsent and
   * Lead/Contact.IndividualId. Default on; off, they are unknown as in an org without it.
   */
  dataProtectionAndPrivacy?: boolean;
  /**
   * Owner an active Lead assignment rule sets when Sforce-Auto-Assign is absent or TRUE, on
   * create and update. Default: no active rule, so the header changes nothing.
   */
  leadAssignmentOwnerId?: string;
  /** Objects whose changes publish change events. Default Lead, Contact, Opportunity. */
  cdcEntities?: string[];
  /** Opportunity fields with field history tracking. Default StageName. */
  opportunityHistoryFields?: string[];
}

export interface SalesforceEmulator {
  server: EmulatorServer;
  store: RecordStore;
  /** Change events not yet drained or delivered. */
  changeEvents: WebhookOutbox<ChangeEvent>;
  orgId: string;
  integrationUserId: string;
  repUserId: string;
  /** Stops webhook delivery and closes the server. */
  close(): Promise<void>;
}

function defaultUsers(integrationUserId: string): SeedUser[] {
  return [
    {
      Id: integrationUserId,
      FirstName: "Integration",
      LastName: "User",
      Email: "integration@example.com",
      profile: "Minimum Access - API Only Integrations",
    },
    { Id: REP_ONE_USER_ID, FirstName: "Rep", LastName: "One", Email: "rep.one@example.com", TimeZoneSidKey: "America/New_York" },
    { Id: REP_TWO_USER_ID, FirstName: "Rep", LastName: "Two", Email: "rep.two@example.com", TimeZoneSidKey: "Europe/London" },
  ];
}

export function createSalesforceEmulator(options: SalesforceEmulatorOptions = {}): SalesforceEmulator {
  const now = options.now ?? Date.now;
  // Copied: the client credentials flow adds the sessions it issues.
  const accessTokens = { ...(options.accessTokens ?? { [DEFAULT_ACCESS_TOKEN]: INTEGRATION_USER_ID }) };
  const integrationUserId = Object.values(accessTokens)[0] ?? INTEGRATION_USER_ID;
  const repUserId = options.repUserId ?? REP_ONE_USER_ID;
  if (options.webhookTargetUrl && !options.webhookSecret) throw new Error("webhookTargetUrl needs webhookSecret to sign deliveries");

  const schema = new Schema({
    externalIdFields: options.externalIdFields ?? { Task: ["Idempotency_Key__c"], Event: ["Idempotency_Key__c"], Lead: ["External_Key__c"] },
    customFields: options.customFields ?? {},
    dataProtectionAndPrivacy: options.dataProtectionAndPrivacy,
  });
  const store = new RecordStore(schema, {
    now,
    leadAssignmentOwnerId: options.leadAssignmentOwnerId,
    opportunityHistoryFields: options.opportunityHistoryFields ?? ["StageName"],
  });
  const usage = new ApiUsage(options.dailyLimit ?? 100_000, now);
  const limiter = options.rateLimit ? new RollingWindowLimiter(options.rateLimit.max, options.rateLimit.windowMs, now) : undefined;
  const outbox = new WebhookOutbox<ChangeEvent>(
    options.webhookTargetUrl ? webhookDeliverer(options.webhookTargetUrl, options.webhookSecret!, now) : undefined,
    MAX_EVENTS_PER_DELIVERY,
    options.webhookDelayMs,
  );
  const events = new ChangeEventBuilder(schema, new Set(options.cdcEntities ?? ["Lead", "Contact", "Opportunity"]));
  store.onCommit((commit) => {
    for (const event of events.build(commit)) outbox.push(event);
  });

  const seedUsers = () => {
    const profiles = new Map<string, string>();
    // Fixed ids, so a profile keeps its id across resets as in an org.
    (options.profiles ?? DEFAULT_PROFILES).forEach((name, i) => {
      profiles.set(name, String(store.seed("Profile", { Id: `00e5g0000Prof${String(i).padStart(2, "0")}AAA`, Name: name }).fields.Id));
    });
    // A user given with a default user's id takes its place (a local trial's reps with its own names).
    const given = options.users ?? [];
    const users = [...defaultUsers(integrationUserId).filter((u) => !given.some((g) => g.Id === u.Id)), ...given];
    for (const userId of Object.values(accessTokens)) {
      if (!users.some((u) => u.Id === userId)) users.push({ Id: userId, LastName: `API User ${userId.slice(-6)}` });
    }
    for (const { profile = "Standard User", ...user } of users) {
      const alias = `${user.FirstName ?? ""}${user.LastName}`.replace(/\W/g, "").toLowerCase();
      const profileId = profiles.get(profile);
      if (!profileId) throw new Error(`user ${user.Id}: no profile named ${profile}`);
      store.seed("User", {
        Email: `${alias}@example.com`,
        Username: `${alias}@example.com.emulator`,
        Alias: alias.slice(0, 8),
        ProfileId: profileId,
        ...user,
        CreatedById: integrationUserId,
        LastModifiedById: integrationUserId,
      });
    }
  };
  seedUsers();

  let serverErrors = 0;
  const limitInfo = () => usage.header();
  const server = new EmulatorServer(
    "salesforce",
    {
      guard: (req) => {
        // The versions list is public, and a token request is how a client gets a session.
        if (/^\/services\/data\/?$/.test(req.path) || req.path === "/services/oauth2/token") return undefined;
        const token = bearerToken(req);
        if (!token || !(token in accessTokens)) return { status: 401, body: INVALID_SESSION };
        // Identity lookups are OAuth calls, not REST API calls: they do not count against the allocation.
        if (req.path.startsWith("/id/")) return undefined;
        if (usage.used() >= usage.limit) return { status: 403, body: REQUEST_LIMIT_EXCEEDED, headers: limitInfo() };
        if (limiter && !limiter.take("org").allowed) return { status: 403, body: REQUEST_LIMIT_EXCEEDED, headers: limitInfo() };
        usage.record();
        return undefined;
      },
      // Salesforce has no 429 for REST calls: an exhausted allocation is 403 REQUEST_LIMIT_EXCEEDED.
      rateLimited: () => ({ status: 403, body: REQUEST_LIMIT_EXCEEDED, headers: limitInfo() }),
      serverError: () => ({ status: serverErrors++ % 2 === 0 ? 500 : 503, body: UNKNOWN_EXCEPTION, headers: limitInfo() }),
      resetLimits: () => {
        usage.reset();
        limiter?.reset();
      },
    },
    () => {
      store.clear();
      seedUsers();
      usage.reset();
      limiter?.reset();
      outbox.reset();
      oauth.reset();
    },
  );

  const ctx: SalesforceContext = { store, schema, usage, orgId: options.orgId ?? DEFAULT_ORG_ID, accessTokens, repUserId };
  registerMetaRoutes(server, ctx);
  registerCollectionRoutes(server, ctx);
  registerQueryRoutes(server, ctx);
  registerSObjectRoutes(server, ctx);
  registerControlRoutes(server, ctx, { outbox, webhookSecret: options.webhookSecret, now });
  const oauth = registerOAuthRoutes(
    server,
    ctx,
    options.oauthClients ?? { [DEFAULT_CLIENT_ID]: { secret: DEFAULT_CLIENT_SECRET, userId: integrationUserId } },
  );

  return {
    server,
    store,
    changeEvents: outbox,
    orgId: ctx.orgId,
    integrationUserId,
    repUserId,
    close: async () => {
      outbox.stop();
      await server.close();
    },
  };
}
