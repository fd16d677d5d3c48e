import type { EmulatorResponse } from "../shared/server.ts";

/**
 * Mailgun's error answers. Codes from https://documentation.mailgun.com/docs/mailgun/quickstart-guide/responses
 * and the API reference's Errors table (400 "Bad Request - Often missing a required parameter",
 * 401 "Unauthorized - No valid API key provided", 404 "Not Found", 429 rate limits, 500/502/503/504
 * "something is wrong on Mailgun's end"). A 400 carries JSON `{"message": …}`; the texts below
 * are Mailgun's as its users and its client libraries' tests quote them. A wrong API key gets a
 * plain-text `Forbidden` (Mailgun's answer to POST /v3/{domain}/messages, which mailgun.js
 * reports as `{status: 401, details: 'Forbidden'}`).
 */
export const badRequest = (message: string): EmulatorResponse => ({ status: 400, body: { message } });

export const forbidden = (): EmulatorResponse => ({
  status: 401,
  text: "Forbidden",
  headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Basic realm="MG API"' },
});

/** Mailgun answers 404 for a sending domain the account does not have. */
export const domainNotFound = (domain: string): EmulatorResponse => ({ status: 404, body: { message: `Domain not found: ${domain}` } });

export const missing = (parameter: string) => badRequest(`'${parameter}' parameter is missing`);
export const notAnAddress = (parameter: string) => badRequest(`'${parameter}' parameter is not a valid address. please check documentation`);
export const noBody = () => badRequest("Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified");

/**
 * Mailgun's docs ask clients to retry a 429 "as defined in the response" without showing the
 * body: the text is the emulator's; Retry-After carries the seconds to wait.
 */
export const rateLimited = (retryAfterSeconds = 1): EmulatorResponse => ({
  status: 429,
  body: { message: "Too many requests, please retry later" },
  headers: { "Retry-After": String(retryAfterSeconds) },
});

/** Injected 5xx, per emulator: a JSON 500, then a plain-text 503 from the edge, in turn. */
export function serverErrors(): () => EmulatorResponse {
  let count = 0;
  return () =>
    count++ % 2 === 0
      ? { status: 500, body: { message: "Internal Server Error" } }
      : { status: 503, text: "Service Unavailable", headers: { "content-type": "text/plain" } };
}
