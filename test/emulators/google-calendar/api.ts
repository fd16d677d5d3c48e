import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import type { CalendarStore } from "./calendar-store.ts";
import type { Directory } from "./directory.ts";
import { badRequest, GoogleApiError, insufficientScopes, notFound } from "./errors.ts";
import type { AccessGrant, TokenEndpoint } from "./oauth.routes.ts";

/** What every route module needs. */
export interface GoogleContext {
  server: EmulatorServer;
  directory: Directory;
  store: CalendarStore;
  tokens: TokenEndpoint;
  /** The guard's verdict for each API request, read by its handler. */
  grants: WeakMap<EmulatorRequest, AccessGrant>;
  now: () => number;
}

const scope = (s: string) => `https://www.googleapis.com/auth/${s}`;
/** Each method's accepted scopes, from the Calendar API's discovery document. */
export const SCOPES = {
  freeBusy: new Set(["calendar", "calendar.readonly", "calendar.freebusy", "calendar.events.freebusy"].map(scope)),
  read: new Set(
    ["calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly", "calendar.events.owned", "calendar.events.owned.readonly"].map(
      scope,
    ),
  ),
  write: new Set(["calendar", "calendar.events", "calendar.events.owned"].map(scope)),
};

type Handler = (req: EmulatorRequest, grant: AccessGrant) => EmulatorResponse | Promise<EmulatorResponse>;

/** An API route whose GoogleApiErrors become Google's error bodies; the guard has already authenticated it. */
export function apiRoute(ctx: GoogleContext, method: string, pattern: string, allowed: Set<string>, handler: Handler): void {
  ctx.server.route({
    method,
    pattern,
    handler: async (req) => {
      try {
        const grant = ctx.grants.get(req);
        if (!grant) throw new Error("API route reached without a grant: the guard must run first");
        if (![...grant.scopes].some((s) => allowed.has(s))) throw insufficientScopes();
        return await handler(req, grant);
      } catch (error) {
        if (error instanceof GoogleApiError) return error.response();
        throw error;
      }
    },
  });
}

/** A JSON object body, or Google's 400 parse error. */
export function objectBody(req: EmulatorRequest): Record<string, unknown> {
  if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) throw badRequest("parseError", "Parse Error");
  return req.body as Record<string, unknown>;
}

/** The calendar a path names ("primary" is the token's user) and its zone, if it exists at all. */
export function resolveCalendar(ctx: GoogleContext, grant: AccessGrant, raw: string): { id: string; zone: string } | undefined {
  const id = (raw === "primary" ? grant.subject : raw).toLowerCase();
  const user = ctx.directory.user(id);
  if (user) return { id, zone: user.timeZone };
  if (ctx.directory.serviceAccount(id)) return { id, zone: "UTC" };
  return undefined;
}

/**
 * A calendar the token's user owns. Anyone else's calendar answers 404 notFound, as Google
 * does for a calendar the caller has no access to.
 */
export function ownCalendar(ctx: GoogleContext, grant: AccessGrant, raw: string): { id: string; zone: string } {
  const calendar = resolveCalendar(ctx, grant, raw);
  if (!calendar || calendar.id !== grant.subject) throw notFound();
  return calendar;
}
