import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import { accessDenied, badRequest, blockedByPolicy, GraphError, invalidUser, mailboxConcurrency, timeZoneNotSupported } from "./errors.ts";
import type { MailboxStore } from "./mailbox-store.ts";
import type { AppGrant, TokenEndpoint } from "./oauth.routes.ts";
import type { GraphUser, Tenant } from "./tenant.ts";
import { ianaZone, preferredZone } from "./time-zones.ts";

/** What every route module needs. */
export interface GraphContext {
  server: EmulatorServer;
  tenant: Tenant;
  store: MailboxStore;
  tokens: TokenEndpoint;
  /** The guard's verdict for each API request, read by its handler. */
  grants: WeakMap<EmulatorRequest, AppGrant>;
  /** Requests being served per app and mailbox, against Outlook's "Four concurrent requests". */
  inFlight: Map<string, number>;
  /** Simulated Exchange time per mailbox call, so concurrency can be seen (0: answer at once). */
  latencyMs: number;
  now: () => number;
}

/** Outlook service limits, per app ID and mailbox: "Four concurrent requests" (learn.microsoft.com/graph/throttling-limits). */
export const MAILBOX_CONCURRENCY = 4;

/** Application permissions that allow each kind of call (each API page's permissions table). */
export const ROLES = {
  schedule: new Set(["Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite"]),
  read: new Set(["Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite"]),
  write: new Set(["Calendars.ReadWrite"]),
};

type Handler = (req: EmulatorRequest, mailbox: GraphUser, grant: AppGrant) => EmulatorResponse | Promise<EmulatorResponse>;

/**
 * A route under /v1.0/users/{id | userPrincipalName}/…: the user must exist (404
 * ErrorInvalidUser), the app needs one of `roles` (403 ErrorAccessDenied) and an application
 * access policy, if any, must include the mailbox.
 */
export function mailboxRoute(ctx: GraphContext, method: string, pattern: string, roles: Set<string>, handler: Handler): void {
  ctx.server.route({
    method,
    pattern,
    handler: async (req) => {
      try {
        const grant = ctx.grants.get(req);
        if (!grant) throw new Error("API route reached without a grant: the guard must run first");
        const mailbox = ctx.tenant.user(req.params.user!);
        if (!mailbox) throw invalidUser(req.params.user!);
        if (![...grant.roles].some((role) => roles.has(role))) throw accessDenied();
        const allowed = ctx.tenant.app(grant.clientId)?.allowedMailboxes;
        if (allowed && !allowed.some((m) => ctx.tenant.user(m)?.id === mailbox.id)) throw blockedByPolicy();
        const key = `${grant.clientId}:${mailbox.id}`;
        const running = ctx.inFlight.get(key) ?? 0;
        if (running >= MAILBOX_CONCURRENCY) throw mailboxConcurrency();
        ctx.inFlight.set(key, running + 1);
        try {
          if (ctx.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.latencyMs));
          return await handler(req, mailbox, grant);
        } finally {
          ctx.inFlight.set(key, (ctx.inFlight.get(key) ?? 1) - 1);
        }
      } catch (error) {
        if (error instanceof GraphError) return error.response(ctx.now());
        throw error;
      }
    },
  });
}

/** The JSON object body, or Graph's 400 for an empty one. */
export function objectBody(req: EmulatorRequest): Record<string, unknown> {
  if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) throw badRequest("Empty Payload. JSON content expected.", "BadRequest");
  return req.body as Record<string, unknown>;
}

/** The zone answers are written in: `Prefer: outlook.timezone="…"` (as named), else UTC. */
export function answerZone(req: EmulatorRequest): { iana: string; name: string } {
  const name = preferredZone(req.headers.prefer);
  if (name === undefined) return { iana: "UTC", name: "UTC" };
  const iana = ianaZone(name);
  if (!iana) throw timeZoneNotSupported(name);
  return { iana, name };
}

/** A dateTimeTimeZone's zone, or Graph's 400 for one it does not know. */
export function zoneOf(value: unknown, what: string): { iana: string; name: string } {
  const name = (value as { timeZone?: unknown } | undefined)?.timeZone;
  if (name === undefined) return { iana: "UTC", name: "UTC" };
  const iana = ianaZone(name);
  if (!iana) throw timeZoneNotSupported(String(name));
  if (typeof (value as { dateTime?: unknown }).dateTime !== "string") throw badRequest(`${what}.dateTime is required.`);
  return { iana, name: String(name) };
}
