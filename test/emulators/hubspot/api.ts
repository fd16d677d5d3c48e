import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import type { AccessControl } from "./access.ts";
import type { Crm, HubSpotState } from "./crm.ts";
import { badRequest, errorResponse, HubSpotError, invalidJson } from "./errors.ts";
import type { ChangeSource } from "./objects-store.ts";

/** What every route module needs. */
export interface ApiContext {
  server: EmulatorServer;
  crm: Crm;
  state: HubSpotState;
  access: AccessControl;
  /** Changes made with an accepted token: this integration's (changeSource INTEGRATION, sourceId appId). */
  integration: ChangeSource;
}

type Handler = (req: EmulatorRequest) => EmulatorResponse;

/** Registers an API route whose HubSpotErrors become HubSpot error bodies, with rate-limit headers. */
export function apiRoute(ctx: ApiContext, method: string, pattern: string, handler: Handler): void {
  ctx.server.route({ method, pattern, handler: (req) => ctx.access.withHeaders(req, settle(handler, req)) });
}

/** HubSpot's current dated API version; the emulator serves it beside the numeric (v3/v4) paths until they retire. */
export const DATED_VERSION = "2026-09";

/** The numeric and dated spellings of one API's base, e.g. `/crm/v3/objects` and `/crm/objects/2026-09`. */
export function bases(numeric: string, dated: string): string[] {
  return [numeric, dated];
}

/** Registers the same handler under each of the patterns (one operation, its numeric and dated paths). */
export function apiRoutes(ctx: ApiContext, method: string, patterns: readonly string[], handler: Handler): void {
  for (const pattern of patterns) apiRoute(ctx, method, pattern, handler);
}

/** Registers a /_emulator control route with the same error mapping. */
export function controlRoute(ctx: ApiContext, method: string, pattern: string, handler: Handler): void {
  ctx.server.route({ method, pattern, control: true, handler: (req) => settle(handler, req) });
}

function settle(handler: Handler, req: EmulatorRequest): EmulatorResponse {
  try {
    return handler(req);
  } catch (error) {
    if (error instanceof HubSpotError) return errorResponse(error);
    throw error;
  }
}

/** The JSON object body, or HubSpot's 400 for a missing or malformed one. */
export function objectBody(req: EmulatorRequest): Record<string, unknown> {
  const body = req.body;
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw req.rawBody ? invalidJson() : badRequest("Invalid input JSON: request body is required");
  }
  return body as Record<string, unknown>;
}

export function booleanParam(query: URLSearchParams, name: string): boolean {
  return query.get(name) === "true";
}

export function limitParam(raw: string | null | undefined, fallback: number, max: number): number {
  const n = raw === null || raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`limit must be a positive integer, got ${raw}`);
  return Math.min(n, max);
}
