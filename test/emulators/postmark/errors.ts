import type { EmulatorResponse } from "../shared/server.ts";

/**
 * Postmark's error answers: an HTTP status and a JSON `{ErrorCode, Message}`.
 *
 * Codes and HTTP statuses are from https://postmarkapp.com/developer/api/overview (HTTP response
 * codes; API error codes): 401 for a wrong or missing token (ErrorCode 10), 422 "Unprocessable
 * Entity" for a request Postmark will not send, with ErrorCode 300 "Invalid email request",
 * 402 "Invalid JSON", 403 "Incompatible JSON", 406 "Inactive recipient", 409 "JSON required",
 * 410 "Too many batch messages", 1235 for an unknown MessageStream; 429 "Rate Limit Exceeded";
 * 500 and 503 (maintenance, ErrorCode 100). Message texts are Postmark's where a published
 * example or an official client's fixture shows them (noted at each), the emulator's own
 * wording otherwise. Clients should branch on the ErrorCode, never on the text.
 */
export interface PostmarkError {
  ErrorCode: number;
  Message: string;
}

export const error = (status: number, ErrorCode: number, Message: string): EmulatorResponse => ({
  status,
  body: { ErrorCode, Message } satisfies PostmarkError,
});

/** Seen in Postmark's answers quoted by its users and client tests. */
export const MISSING_TOKEN =
  "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.";
export const INVALID_TOKEN =
  "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.";

export const unauthorized = (token: string | undefined) => error(401, 10, token ? INVALID_TOKEN : MISSING_TOKEN);

/** ErrorCode 409, "JSON required": both headers must name JSON (text as in postmark-php's fixtures). */
export const jsonRequired = () => error(422, 409, "Content-Type and Accept headers must be set to application/json, text/json, or text/x-json.");

export const invalidJson = () => error(422, 402, "The request body was not valid JSON.");

export const incompatibleJson = (detail: string) => error(422, 403, `Incompatible JSON: ${detail}`);

/**
 * A malformed query of the messages API: Postmark documents no ErrorCode for it, so the emulator
 * answers the 422 its other request errors use, with ErrorCode 300 and its own wording.
 */
export const invalidRequest = (message: string) => error(422, 300, message);

export const tooManyBatchMessages = () => error(422, 410, "Your batched request contains more than 500 messages.");

/** The text is what postmark-php's integration test expects from the live API. */
export const UNKNOWN_STREAM = "The 'MessageStream' provided does not exist on this server.";

/** An Inbound stream cannot send (ErrorCode 1221, its documented description). */
export const NOT_A_SENDING_STREAM =
  "The 'MessageStreamType' associated with this request was invalid. Please make sure to interact with a Message Stream that supports the function you're trying (For example, not trying to send an email through an Inbound Stream).";

/**
 * ErrorCode 406 when every recipient is inactive. Single send: the text of Postmark's answer as
 * quoted in postmark-gem's and postmark.js's fixtures; batch item: the example in the Email API
 * reference (https://postmarkapp.com/developer/api/email-api, "Send batch emails").
 */
export const allInactive = (addresses: string[]) =>
  `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${addresses.join(", ")}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`;
export const allInactiveBatchItem = (addresses: string[]) =>
  `You tried to send to a recipient that has been marked as inactive. Found inactive addresses: ${addresses.join(", ")}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression. `;

/** Some recipients inactive: the message goes to the others, ErrorCode 0 (django-anymail's captured answer). */
export const someInactive = (addresses: string[]) =>
  `Message OK, but will not deliver to these inactive addresses: ${addresses.join(", ")}. Inactive recipients are ones that have generated a hard bounce or a spam complaint.`;

/** The 429's ErrorCode and Message follow the "Rate Limit Exceeded" entry of the error code table. */
export const rateLimited = (retryAfterSeconds?: number): EmulatorResponse => ({
  ...error(
    429,
    429,
    "Rate Limit Exceeded: We have detected an excessive volume of requests originating from your application, please reduce the concurrency and request rate of your requests.",
  ),
  // Postmark documents no Retry-After; the emulator sends one when its own limit knows the answer.
  ...(retryAfterSeconds === undefined ? {} : { headers: { "Retry-After": String(retryAfterSeconds) } }),
});

/** Injected 5xx, per emulator: a bare 500, then a 503 in maintenance (ErrorCode 100), in turn. */
export function serverErrors(): () => EmulatorResponse {
  let count = 0;
  return () =>
    count++ % 2 === 0
      ? { status: 500, text: "Internal Server Error", headers: { "content-type": "text/plain" } }
      : error(503, 100, "The Postmark API is offline for maintenance.");
}
