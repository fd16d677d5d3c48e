import { randomUUID } from "node:crypto";
import type { EmulatorResponse } from "../shared/server.ts";

/**
 * A HubSpot API error. Handlers throw it; the route wrapper turns it into HubSpot's error body,
 * and batch handlers turn it into a per-input StandardError, so both paths share one source.
 */
export class HubSpotError extends Error {
  readonly status: number;
  readonly category: string;
  readonly context: Record<string, string[]> | undefined;
  readonly details: { message: string; in?: string; code?: string }[] | undefined;

  constructor(
    status: number,
    category: string,
    message: string,
    more: { context?: Record<string, string[]>; errors?: { message: string; in?: string; code?: string }[] } = {},
  ) {
    super(message);
    this.status = status;
    this.category = category;
    this.context = more.context;
    this.details = more.errors;
  }
}

export function correlationId(): string {
  return randomUUID();
}

export function errorBody(error: HubSpotError): Record<string, unknown> {
  const body: Record<string, unknown> = { status: "error", message: error.message, correlationId: correlationId(), category: error.category };
  if (error.context) body.context = error.context;
  if (error.details) body.errors = error.details;
  return body;
}

export function errorResponse(error: HubSpotError): EmulatorResponse {
  return { status: error.status, body: errorBody(error) };
}

/** The per-input error of a 207 batch answer (the OpenAPI StandardError: every field present). */
export function standardError(error: HubSpotError): Record<string, unknown> {
  return {
    status: "error",
    category: error.category,
    message: error.message,
    context: error.context ?? {},
    errors: error.details ?? [],
    links: {},
  };
}

export const notFound = (id: string): HubSpotError =>
  new HubSpotError(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.", { context: { id: [id] } });

export const badRequest = (message: string, more?: ConstructorParameters<typeof HubSpotError>[3]): HubSpotError =>
  new HubSpotError(400, "VALIDATION_ERROR", message, more);

/** A body that does not parse as JSON. */
export const invalidJson = (): HubSpotError => badRequest("Invalid input JSON on line 1, column 1: Cannot parse request body");

/** One invalid property, in the shape HubSpot embeds (as JSON text) in "Property values were not valid". */
export interface PropertyProblem {
  name: string;
  error: string;
  message: string;
}

export function invalidProperties(problems: PropertyProblem[]): HubSpotError {
  const detail = problems.map((p) => ({ isValid: false, message: p.message, error: p.error, name: p.name, localizedErrorMessage: p.message }));
  return badRequest(`Property values were not valid: ${JSON.stringify(detail)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.error, in: p.name })),
  });
}

/** HubSpot's 429 body for the ten-secondly policy (crm-facts 2.3); the SDK retry keys on policyName. */
export function rateLimitBody(): Record<string, unknown> {
  return {
    status: "error",
    message: "You have reached your ten_secondly_rolling limit.",
    errorType: "RATE_LIMIT",
    correlationId: correlationId(),
    policyName: "TEN_SECONDLY_ROLLING",
  };
}

export const AUTH_MESSAGE =
  "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview";

export function unauthorized(): EmulatorResponse {
  return { status: 401, body: { status: "error", message: AUTH_MESSAGE, correlationId: correlationId(), category: "INVALID_AUTHENTICATION" } };
}
