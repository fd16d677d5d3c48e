import type { EmulatorResponse } from "../shared/server.ts";

/**
 * Google Calendar's error bodies, as "Handle API errors" lists them
 * (developers.google.com/workspace/calendar/api/guides/errors): HTTP status, then
 * `{error: {errors: [{domain, reason, message, locationType?, location?}], code, message}}`.
 * The guide's bodies carry no `status`; the two that come from Google's front end rather than
 * from Calendar (an unusable token, a token without the scope) carry the google.rpc `status`
 * live Google sends with them. Clients key on the HTTP status and `errors[0].reason`.
 */
export interface ErrorItem {
  domain: string;
  reason: string;
  message: string;
  locationType?: string;
  location?: string;
}

export class GoogleApiError extends Error {
  readonly code: number;
  readonly items: ErrorItem[];
  readonly status: string | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: number, item: ErrorItem, more: { message?: string; status?: string; headers?: Record<string, string> } = {}) {
    super(more.message ?? item.message);
    this.code = code;
    this.items = [item];
    this.status = more.status;
    this.headers = more.headers;
  }

  response(): EmulatorResponse {
    const error: Record<string, unknown> = { errors: this.items, code: this.code, message: this.message };
    if (this.status) error.status = this.status;
    return { status: this.code, body: { error }, ...(this.headers ? { headers: this.headers } : {}) };
  }
}

const item = (domain: string, reason: string, message: string, location?: { locationType: string; location: string }): ErrorItem => ({
  domain,
  reason,
  message,
  ...location,
});

/** 400 with a Calendar reason, e.g. timeRangeEmpty on timeMax. */
export const badRequest = (reason: string, message: string, location?: string, domain = "global"): GoogleApiError =>
  new GoogleApiError(400, item(domain, reason, message, location ? { locationType: "parameter", location } : undefined));

export const timeRangeEmpty = (location = "timeMax"): GoogleApiError =>
  new GoogleApiError(400, item("calendar", "timeRangeEmpty", "The specified time range is empty.", { locationType: "parameter", location }));

export const invalidCredentials = (): GoogleApiError =>
  new GoogleApiError(401, item("global", "authError", "Invalid Credentials", { locationType: "header", location: "Authorization" }), {
    message:
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    status: "UNAUTHENTICATED",
  });

export const insufficientScopes = (): GoogleApiError =>
  new GoogleApiError(403, item("global", "insufficientPermissions", "Insufficient Permission"), {
    message: "Request had insufficient authentication scopes.",
    status: "PERMISSION_DENIED",
  });

export const notFound = (): GoogleApiError => new GoogleApiError(404, item("global", "notFound", "Not Found"));

export const duplicate = (): GoogleApiError => new GoogleApiError(409, item("global", "duplicate", "The requested identifier already exists."));

export const deleted = (): GoogleApiError => new GoogleApiError(410, item("global", "deleted", "Resource has been deleted"));

/** Events with attendees from a service account acting as itself (no `sub`). */
export const forbiddenForServiceAccounts = (): GoogleApiError =>
  new GoogleApiError(
    403,
    item("calendar", "forbiddenForServiceAccounts", "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority."),
  );

/** The three ways the guide says a rate limit is answered. */
export type RateLimitAnswer = "rateLimitExceeded" | "userRateLimitExceeded" | "429";

export function rateLimited(answer: RateLimitAnswer): GoogleApiError {
  if (answer === "userRateLimitExceeded") return new GoogleApiError(403, item("usageLimits", "userRateLimitExceeded", "User Rate Limit Exceeded"));
  return new GoogleApiError(answer === "429" ? 429 : 403, item("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"));
}

/** 500 backendError, or its 503 twin ("The service is currently unavailable."). */
export function backendError(status: 500 | 503): GoogleApiError {
  return status === 500
    ? new GoogleApiError(500, item("global", "backendError", "Backend Error"))
    : new GoogleApiError(503, item("global", "backendError", "The service is currently unavailable."));
}
