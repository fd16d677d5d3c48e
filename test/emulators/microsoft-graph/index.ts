/**
 * A Microsoft Graph emulator for app-only calendar access: the identity platform's token
 * endpoint (client credentials), calendar getSchedule, events (create with Teams and
 * transactionId, get, update, delete, cancel) and calendarView, with Graph's error bodies,
 * Outlook's per-app-per-mailbox throttling (429 + Retry-After) and the shared fault injection.
 */
import { RollingWindowLimiter } from "../shared/rate-limit.ts";
import { type EmulatorRequest, EmulatorServer } from "../shared/server.ts";
import type { GraphContext } from "./api.ts";
import { registerControlRoutes } from "./control.routes.ts";
import { badRequest, emptyToken, expiredToken, invalidToken, throttled, unavailable } from "./errors.ts";
import { registerEventRoutes } from "./events.routes.ts";
import { MailboxStore } from "./mailbox-store.ts";
import { type AppGrant, registerOAuthRoutes, type TokenEndpoint } from "./oauth.routes.ts";
import { registerScheduleRoutes } from "./schedule.routes.ts";
import { DEFAULT_APP, DEFAULT_DOMAINS, DEFAULT_TENANT_ID, DEFAULT_USERS, type GraphApp, type GraphUserInput, Tenant } from "./tenant.ts";

export type { GraphApp, GraphUser, GraphUserInput } from "./tenant.ts";
export type { Notification, StoredEvent } from "./mailbox-store.ts";
export { DEFAULT_APP, DEFAULT_DOMAINS, DEFAULT_TENANT_ID, DEFAULT_USERS } from "./tenant.ts";
export { GRAPH_DEFAULT_SCOPE } from "./oauth.routes.ts";
export { WINDOWS_ZONES } from "./time-zones.ts";

/** A path segment decoded, or as it came when it is not valid percent-encoding (the guard must not throw). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface MicrosoftGraphEmulatorOptions {
  /** The directory (tenant) id; the token URL may name it or one of `domains`. */
  tenantId?: string;
  domains?: string[];
  users?: GraphUserInput[];
  /** App registrations with a client secret; default one app with Calendars.ReadWrite. */
  apps?: GraphApp[];
  /** Access token lifetime; the identity platform answers expires_in 3599. */
  tokenLifetimeSeconds?: number;
  /**
   * Outlook's limit per app per mailbox ("10,000 API requests in a 10-minute period", Microsoft
   * Graph service-specific throttling limits). Over it: 429 TooManyRequests with Retry-After.
   */
  rateLimit?: { max: number; windowMs: number };
  /**
   * Simulated Exchange time per mailbox call (default 0). With it, more than four requests at
   * once for one app and mailbox get Outlook's 429 ApplicationThrottled (MailboxConcurrency).
   */
  latencyMs?: number;
  now?: () => number;
}

export interface MicrosoftGraphEmulator {
  server: EmulatorServer;
  tenant: Tenant;
  store: MailboxStore;
  tokens: TokenEndpoint;
  limiter: RollingWindowLimiter;
  /** `${server.url}/${tenantId}/oauth2/v2.0/token` once listening. */
  tokenUrl(): string;
  close(): Promise<void>;
}

/**
 *   const graph = createMicrosoftGraphEmulator();
 *   const url = await graph.server.listen(0);
 *   // token: POST `${url}/${DEFAULT_TENANT_ID}/oauth2/v2.0/token`; API: `${url}/v1.0/...`
 */
export function createMicrosoftGraphEmulator(options: MicrosoftGraphEmulatorOptions = {}): MicrosoftGraphEmulator {
  const now = options.now ?? Date.now;
  const tenant = new Tenant(
    options.tenantId ?? DEFAULT_TENANT_ID,
    options.domains ?? DEFAULT_DOMAINS,
    options.users ?? DEFAULT_USERS,
    options.apps ?? [DEFAULT_APP],
  );
  const store = new MailboxStore();
  const rate = options.rateLimit ?? { max: 10_000, windowMs: 600_000 };
  const limiter = new RollingWindowLimiter(rate.max, rate.windowMs, now);
  const grants = new WeakMap<EmulatorRequest, AppGrant>();
  let serverErrors = 0;
  let tokens: TokenEndpoint | undefined;

  const server = new EmulatorServer(
    "microsoft-graph",
    {
      guard: (req) => {
        if (!req.path.startsWith("/v1.0/")) return undefined;
        const token = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim();
        if (!token) return emptyToken().response(now());
        const grant = tokens!.grant(token);
        if (grant === undefined) return invalidToken().response(now());
        if (grant === "expired") return expiredToken().response(now());
        const segment = /^\/v1\.0\/users\/([^/]+)/.exec(req.path)?.[1];
        if (segment) {
          const mailbox = tenant.user(safeDecode(segment))?.id ?? segment.toLowerCase();
          const taken = limiter.take(`${grant.clientId}:${mailbox}`);
          if (!taken.allowed) return throttled(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))).response(now());
        }
        grants.set(req, grant);
        return undefined;
      },
      rateLimited: () => throttled(1).response(now()),
      serverError: () => unavailable(serverErrors++ % 2 === 0 ? 503 : 504).response(now()),
    },
    () => {
      tenant.reset();
      store.reset();
      tokens!.reset();
      limiter.reset();
      serverErrors = 0;
      inFlight.clear();
    },
  );
  tokens = registerOAuthRoutes(server, tenant, { lifetimeSeconds: options.tokenLifetimeSeconds ?? 3599, now });
  const inFlight = new Map<string, number>();
  const ctx: GraphContext = { server, tenant, store, tokens, grants, inFlight, latencyMs: options.latencyMs ?? 0, now };
  registerScheduleRoutes(ctx);
  registerEventRoutes(ctx);
  registerControlRoutes(ctx);
  // App-only tokens have no signed-in user.
  for (const [method, path] of [
    ["POST", "/v1.0/me/calendar/getSchedule"],
    ["POST", "/v1.0/me/events"],
    ["POST", "/v1.0/me/calendar/events"],
    ["GET", "/v1.0/me/events/:id"],
    ["PATCH", "/v1.0/me/events/:id"],
    ["DELETE", "/v1.0/me/events/:id"],
    ["POST", "/v1.0/me/events/:id/cancel"],
    ["GET", "/v1.0/me/calendarView"],
  ] as const) {
    server.route({
      method,
      pattern: path,
      handler: () => badRequest("/me request is only valid with delegated authentication flow.", "BadRequest").response(now()),
    });
  }
  return { server, tenant, store, tokens, limiter, tokenUrl: () => `${server.url}/${tenant.id}/oauth2/v2.0/token`, close: () => server.close() };
}
