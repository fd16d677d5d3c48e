import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import { notFound, RestFailure, restError } from "./errors.ts";
import type { ApiUsage } from "./limits.ts";
import type { Schema } from "./schema.ts";
import { SoqlError } from "./soql.ts";
import type { Actor, RecordStore } from "./store.ts";

export const LATEST_VERSION = "62.0";
export const OLDEST_VERSION = "31.0";

/** What the route modules share. */
export interface SalesforceContext {
  store: RecordStore;
  schema: Schema;
  usage: ApiUsage;
  orgId: string;
  accessTokens: Record<string, string>;
  /** The user the control endpoints act as, a human in the Salesforce UI. */
  repUserId: string;
}

/** The Authorization header's token; the identity URL also takes it as ?oauth_token=. */
export function bearerToken(req: EmulatorRequest): string | undefined {
  const header = req.headers.authorization ?? "";
  const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header);
  return match?.[1] ?? (req.path.startsWith("/id/") ? (req.query.get("oauth_token") ?? undefined) : undefined);
}

/** `Sforce-Auto-Assign` is TRUE when absent; FALSE (any case) or 0 turns assignment rules off. */
function autoAssign(req: EmulatorRequest): boolean {
  const value = String(req.headers["sforce-auto-assign"] ?? "TRUE")
    .trim()
    .toUpperCase();
  return value !== "FALSE" && value !== "0";
}

/** `Sforce-Call-Options: client=name` labels the change origin of what the call writes. */
function callClient(req: EmulatorRequest): string | undefined {
  const header = String(req.headers["sforce-call-options"] ?? "");
  return /(?:^|,)\s*client=([^,\s]+)/.exec(header)?.[1];
}

export function apiActor(ctx: SalesforceContext, req: EmulatorRequest, version: string): Actor {
  return {
    userId: ctx.accessTokens[bearerToken(req) ?? ""]!,
    origin: "api",
    apiVersion: version,
    client: callClient(req),
    autoAssign: autoAssign(req),
  };
}

export function uiActor(ctx: SalesforceContext, req: EmulatorRequest): Actor {
  return { userId: req.query.get("as") ?? ctx.repUserId, origin: "ui", apiVersion: LATEST_VERSION, autoAssign: false };
}

/** "v62.0" → "62.0" when it is a version this emulator serves. */
export function parseVersion(segment: string | undefined): string | undefined {
  const match = /^v(\d{2})\.0$/.exec(segment ?? "");
  if (!match) return undefined;
  const major = Number(match[1]);
  return major >= Number.parseFloat(OLDEST_VERSION) && major <= Number.parseFloat(LATEST_VERSION) ? `${major}.0` : undefined;
}

export type ApiHandler = (req: EmulatorRequest, version: string) => EmulatorResponse;

/**
 * Registers a versioned REST route: unknown versions are 404, thrown failures become Salesforce
 * error arrays, and every answer carries Sforce-Limit-Info.
 */
export function apiRoute(server: EmulatorServer, ctx: SalesforceContext, method: string, path: string, handler: ApiHandler): void {
  server.route({
    method,
    pattern: `/services/data/:version${path}`,
    handler: (req) => {
      let response: EmulatorResponse;
      const version = parseVersion(req.params.version);
      if (!version) response = notFound();
      else {
        try {
          response = handler(req, version);
        } catch (error) {
          if (error instanceof RestFailure) response = error.response;
          else if (error instanceof SoqlError) response = restError(400, error.errorCode, error.message);
          else throw error;
        }
      }
      return { ...response, headers: { ...ctx.usage.header(), ...response.headers } };
    },
  });
}

export function requireObjectBody(req: EmulatorRequest): Record<string, unknown> {
  if (req.body && typeof req.body === "object" && !Array.isArray(req.body)) return req.body as Record<string, unknown>;
  const message =
    req.rawBody.trim() === ""
      ? "The HTTP entity body is required, but this request has no entity body."
      : "Unexpected character in the request body: expected a JSON object";
  throw new RestFailure(restError(400, "JSON_PARSER_ERROR", message));
}
