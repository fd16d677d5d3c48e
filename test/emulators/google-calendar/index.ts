/**
 * A Google Calendar API emulator for a service account with domain-wide delegation: the OAuth
 * token endpoint (JWT bearer grant), freeBusy.query, events insert/get/patch/delete/list, with
 * Google's error bodies, a per-user rate limit and the shared fault injection.
 */
import type { EmulatorRequest } from "../shared/server.ts";
import { EmulatorServer } from "../shared/server.ts";
import { RollingWindowLimiter } from "../shared/rate-limit.ts";
import type { GoogleContext } from "./api.ts";
import { CalendarStore } from "./calendar-store.ts";
import { registerControlRoutes } from "./control.routes.ts";
import { DEFAULT_DOMAIN, DEFAULT_USERS, Directory, type GoogleUser } from "./directory.ts";
import { backendError, invalidCredentials, type RateLimitAnswer, rateLimited } from "./errors.ts";
import { registerEventRoutes } from "./events.routes.ts";
import { registerFreeBusyRoutes } from "./freebusy.routes.ts";
import { type AccessGrant, registerOAuthRoutes, type TokenEndpoint } from "./oauth.routes.ts";
import { GOOGLE_TOKEN_URL, type ServiceAccountInput } from "./service-account.ts";

export type { GoogleUser } from "./directory.ts";
export type { Notification, StoredEvent } from "./calendar-store.ts";
export type { AccessGrant } from "./oauth.routes.ts";
export type { RateLimitAnswer } from "./errors.ts";
export { DEFAULT_DOMAIN, DEFAULT_USERS } from "./directory.ts";
export { CALENDAR_SCOPES } from "./oauth.routes.ts";
export {
  createTestServiceAccount,
  GOOGLE_TOKEN_URL,
  JWT_BEARER_GRANT,
  signServiceAccountAssertion,
  type AssertionClaims,
  type ServiceAccountInput,
  type ServiceAccountKeyFile,
  type TestServiceAccount,
} from "./service-account.ts";

export interface GoogleCalendarEmulatorOptions {
  /** The Workspace domain; "externalOnly" notifications go to guests outside it. Default example.com. */
  domain?: string;
  /** The domain's users (primary calendar id = address). Default rep.one / rep.two @example.com. */
  users?: GoogleUser[];
  /** Service accounts whose JWTs the token endpoint accepts (see createTestServiceAccount). */
  serviceAccounts?: ServiceAccountInput[];
  /**
   * Accepted JWT `aud` values. Default: Google's token URL and this emulator's own /token, so a
   * key file whose token_uri points here works as well as the real one.
   */
  audiences?: string[];
  /** Access token lifetime; Google answers expires_in 3599. */
  tokenLifetimeSeconds?: number;
  /**
   * Calendar's per-user quota ("Queries per minute per user"), and how it is answered: 403
   * rateLimitExceeded (default), 403 userRateLimitExceeded, or 429 rateLimitExceeded.
   */
  rateLimit?: { max: number; windowMs: number; answer?: RateLimitAnswer };
  /** "Per minute per project" (one project per service account here). Default 10,000 per minute. */
  projectRateLimit?: { max: number; windowMs: number };
  now?: () => number;
}

export interface GoogleCalendarEmulator {
  server: EmulatorServer;
  directory: Directory;
  store: CalendarStore;
  tokens: TokenEndpoint;
  limiter: RollingWindowLimiter;
  /** The token URL to put in a key file's token_uri: `${server.url}/token` once listening. */
  tokenUrl(): string;
  close(): Promise<void>;
}

/**
 *   const google = createGoogleCalendarEmulator({ serviceAccounts: [account] });
 *   const url = await google.server.listen(0);
 *   // token: POST `${url}/token`; API: `${url}/calendar/v3/...`
 */
export function createGoogleCalendarEmulator(options: GoogleCalendarEmulatorOptions = {}): GoogleCalendarEmulator {
  const now = options.now ?? Date.now;
  const directory = new Directory(options.domain ?? DEFAULT_DOMAIN, options.users ?? DEFAULT_USERS, options.serviceAccounts ?? []);
  const store = new CalendarStore();
  const rate = options.rateLimit ?? { max: 600, windowMs: 60_000 };
  const answer = rate.answer ?? "rateLimitExceeded";
  // "Usage limits": 600 requests per minute per user per project, 10,000 per minute per project, sliding windows.
  const limiter = new RollingWindowLimiter(rate.max, rate.windowMs, now);
  const projectRate = options.projectRateLimit ?? { max: 10_000, windowMs: 60_000 };
  const projectLimiter = new RollingWindowLimiter(projectRate.max, projectRate.windowMs, now);
  const grants = new WeakMap<EmulatorRequest, AccessGrant>();
  let serverErrors = 0;
  let tokens: TokenEndpoint | undefined;

  const server = new EmulatorServer(
    "google-calendar",
    {
      guard: (req) => {
        if (!req.path.startsWith("/calendar/v3/")) return undefined;
        const token = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim();
        const grant = tokens!.grant(token);
        if (!grant) return invalidCredentials().response();
        if (!projectLimiter.take(grant.serviceAccount).allowed || !limiter.take(`${grant.serviceAccount}:${grant.subject}`).allowed) {
          return rateLimited(answer).response();
        }
        grants.set(req, grant);
        return undefined;
      },
      rateLimited: () => rateLimited(answer).response(),
      serverError: () => backendError(serverErrors++ % 2 === 0 ? 500 : 503).response(),
    },
    () => {
      directory.reset();
      store.reset();
      tokens!.reset();
      limiter.reset();
      projectLimiter.reset();
      serverErrors = 0;
    },
  );
  const tokenUrl = () => `${server.url}/token`;
  tokens = registerOAuthRoutes(server, directory, {
    audiences: () => options.audiences ?? [GOOGLE_TOKEN_URL, tokenUrl()],
    lifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    now,
  });
  const ctx: GoogleContext = { server, directory, store, tokens, grants, now };
  registerFreeBusyRoutes(ctx);
  registerEventRoutes(ctx);
  registerControlRoutes(ctx);
  return { server, directory, store, tokens, limiter, tokenUrl, close: () => server.close() };
}
