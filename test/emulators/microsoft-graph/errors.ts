import { randomUUID } from "node:crypto";
import type { EmulatorResponse } from "../shared/server.ts";

/** innerError's date: "2026-03-09T12:00:00" (UTC, no fraction, no zone), as Graph writes it. */
const graphDate = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/**
 * A Microsoft Graph error ("Microsoft Graph error responses and resource types",
 * learn.microsoft.com/graph/errors): the HTTP status and `{error: {code, message, innerError:
 * {date, request-id, client-request-id}}}`. Handlers throw it; the route wrapper answers it.
 */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string> | undefined;
  readonly inner: Record<string, string> | undefined;

  constructor(status: number, code: string, message: string, more: { headers?: Record<string, string>; inner?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = more.headers;
    this.inner = more.inner;
  }

  response(now: number): EmulatorResponse {
    const requestId = randomUUID();
    return {
      status: this.status,
      headers: { "request-id": requestId, "client-request-id": requestId, ...this.headers },
      body: {
        error: {
          code: this.code,
          message: this.message,
          innerError: { ...this.inner, date: graphDate(now), "request-id": requestId, "client-request-id": requestId },
        },
      },
    };
  }
}

export const emptyToken = () => new GraphError(401, "InvalidAuthenticationToken", "Access token is empty.");
export const invalidToken = () => new GraphError(401, "InvalidAuthenticationToken", "Access token validation failure.");
export const expiredToken = () => new GraphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
export const accessDenied = () => new GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
/** An application access policy that leaves the mailbox out (RBAC for Applications in Exchange Online). */
export const blockedByPolicy = () =>
  new GraphError(403, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.");
export const itemNotFound = () => new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
export const invalidUser = (user: string) => new GraphError(404, "ErrorInvalidUser", `The requested user '${user}' is invalid.`);
export const badRequest = (message: string, code = "ErrorInvalidRequest") => new GraphError(400, code, message);
export const timeZoneNotSupported = (zone: string) =>
  new GraphError(
    400,
    "TimeZoneNotSupportedException",
    `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`,
  );

/**
 * 429 as "Microsoft Graph throttling guidance" shows it, with Retry-After in seconds (calendar
 * resources send one: the guide lists "Calendar (users and groups)").
 */
export function throttled(retryAfterSeconds: number): GraphError {
  return new GraphError(429, "TooManyRequests", "Please retry again later.", {
    headers: { "Retry-After": String(retryAfterSeconds) },
    inner: { code: "429", message: "Please retry after", status: "429" },
  });
}

/** More than four requests at once for one app and mailbox: what Outlook answers (the code and message clients see). */
export function mailboxConcurrency(): GraphError {
  return new GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { headers: { "Retry-After": "1" } });
}

/** 503 serviceNotAvailable (with Retry-After, as the status code table says it may have) or 504. */
export function unavailable(status: 503 | 504): GraphError {
  return status === 503
    ? new GraphError(503, "serviceNotAvailable", "The service is not available. Try the request again after a delay.", {
        headers: { "Retry-After": "1" },
      })
    : new GraphError(504, "UnknownError", "");
}

/**
 * The Microsoft identity platform's token error ("Microsoft Entra authentication and
 * authorization error codes", learn.microsoft.com/entra/identity-platform/reference-error-codes):
 * `{error, error_description: "AADSTS…: …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …",
 * error_codes, timestamp, trace_id, correlation_id, error_uri}`.
 */
export function aadError(status: number, error: string, code: number, message: string, now: number): EmulatorResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = `${new Date(now).toISOString().slice(0, 19).replace("T", " ")}Z`;
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
