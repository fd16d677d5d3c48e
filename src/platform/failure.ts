/**
 * The bottom floor: how a call to the world failed, and what that means for trying it again.
 * Every adapter (the CRMs, Slack, the sign-in) reports failures in these terms; nothing above
 * tells errors apart by their message text.
 */
export type Failure =
  /**
   * 429 and friends: definitely not applied; wait at least retryAfterMs when given.
   * `notAttempted`: our own limiter held the call back, so no attempt was made (none is spent).
   */
  | (FailureFacts & { kind: "rateLimited"; retryAfterMs?: number; notAttempted?: true })
  /** 5xx, timeouts, lost connections: may or may not have been applied. */
  | (FailureFacts & { kind: "transient"; retryAfterMs?: number })
  /** 4xx validation errors, refused credentials, a field the org does not have: retrying cannot help. */
  | (FailureFacts & { kind: "permanent" });

/** What was seen: in words (redacted), and the HTTP status and vendor error code when there were any. */
interface FailureFacts {
  message: string;
  status?: number;
  /** The vendor's error code (Salesforce NOT_FOUND, HubSpot VALIDATION_ERROR …). */
  code?: string;
  /**
   * Refused for who asked, not for what was asked (401, 403, a refused sign-in, a missing scope
   * or field permission): retrying the same call cannot help, but an admin fixing the credentials
   * can, so work that nobody can retry by hand (a record's rule run) is not given up for it.
   */
  credentials?: true;
  /**
   * The fields of the record the CRM refused the value of (HubSpot INVALID_OPTION on
   * hubspot_owner_id, a Salesforce error's fields): a write can go again without them, or with
   * another value (an owner the CRM no longer has gets the team's fallback owner).
   */
  refusedFields?: string[];
}

export type FailureKind = Failure["kind"];

/** An error that says how it failed. Adapters throw or return these; the classifier reads them back. */
export class FailureError extends Error {
  readonly failure: Failure;

  constructor(failure: Failure) {
    super(failure.message);
    this.failure = failure;
  }
}

/** A call that did not answer in time: it may have been applied. */
export class TimeoutError extends FailureError {
  constructor(message: string) {
    super({ kind: "transient", message });
  }
}

/**
 * The rate limiter's next slot is too far off to wait for inside a queue consumer: the call is
 * not made, and the effect is retried when the slot comes.
 */
export class SlotTooFarAway extends FailureError {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super({ kind: "rateLimited", message: `rate limit: next call slot in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs, notAttempted: true });
    this.retryAfterMs = retryAfterMs;
  }
}

/** The least wait before trying again that the failure asks for (0: none). */
export const retryAfterMsOf = (failure: Failure): number => (failure.kind !== "permanent" && failure.retryAfterMs) || 0;

/** A call's result: its value, or how it failed. */
export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

/** What an attempt's HTTP status means, for APIs that say it with the status (and Retry-After). */
export function failureOfStatus(status: number, message: string, retryAfterMs?: number): Failure {
  if (status === 429) return { kind: "rateLimited", message, retryAfterMs, status };
  if (status === 408 || status >= 500) return { kind: "transient", message, retryAfterMs, status };
  return { kind: "permanent", message, status, ...(status === 401 || status === 403 ? { credentials: true as const } : {}) };
}

/** Refused for what was asked (a field the org does not have, an invalid value): no retry and no new credentials can help. */
export const refusedForGood = (failure: Failure): boolean => failure.kind === "permanent" && !failure.credentials;

/**
 * The one classifier: whatever a call threw, as a Failure. A FailureError says it itself; an
 * error with an HTTP status is judged by the status; anything else (a dropped connection, a DNS
 * failure) is transient, since the call may or may not have reached the other side.
 */
export function classify(error: unknown, describe: (message: string) => string = (m) => m): Failure {
  if (error instanceof FailureError) return error.failure;
  const e = error as { status?: unknown; code?: unknown; statusCode?: unknown; message?: unknown };
  const status = [e.status, e.statusCode, e.code].find((v): v is number => typeof v === "number");
  const message = redact(describe(typeof e.message === "string" ? e.message : String(error)));
  return status === undefined ? { kind: "transient", message } : failureOfStatus(status, message);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  // Only an HTTP date (it names a weekday and month); Date.parse reads "-5" as a year.
  if (!/^[A-Za-z]{3,9},? /.test(value.trim())) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * What a secret looks like, each with what stays of it. Every pattern is fixed here (none is built
 * from the text it reads) and none can backtrack over a long word: a key name is at most 40
 * characters. A secret is named by its shape (a Slack, HubSpot or Salesforce token, a JWT) or by
 * the name it is given (`token=`, `"client_secret": "…"`, `Authorization: Basic …`); a word that
 * merely follows the word "token" is not a secret ("the access token reads owners").
 */
const SECRETS: [RegExp, string][] = [
  // Authorization headers, whatever the scheme: everything after the scheme is the credential.
  [/\b(authorization["']?\s*[:=]\s*["']?(?:(?:Bearer|OAuth|Basic|Token|Digest)\s+)?)[^"'\s,}]+/gi, "$1[redacted]"],
  // Bearer and OAuth (Salesforce) tokens in prose. A word is a token only if it has a digit or a
  // token's punctuation in it ("Bearer token expired" keeps its words); dots count only inside
  // it, so a full stop after a token stays.
  [/\b(Bearer|OAuth)\s+(?!\[redacted\])(?=[A-Za-z.]*[0-9_\-!~+/=])[A-Za-z0-9_\-!~+/=]+(?:\.[A-Za-z0-9_\-!~+/=]+)*/gi, "$1 [redacted]"],
  // A user and password in a URL (https://user:pass@host): the whole user part goes.
  [/\b([a-z][a-z0-9+.-]{1,20}:\/\/)[^\s/?#@"']+@/gi, "$1[redacted]@"],
  // JWTs: a header and payload that are base64url JSON objects (they start with eyJ).
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, "[redacted]"],
  // Slack tokens (bot, user, app, configuration) and incoming-webhook URLs.
  [/\b(?:xox[abeprs]|xapp)-[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/g, "[redacted]"],
  [/(hooks\.slack\.com\/services\/)[A-Za-z0-9/]+/g, "$1[redacted]"],
  // HubSpot private-app tokens (pat-na1-…, pat-eu1-…).
  [/\bpat-[a-z0-9-]{10,}/gi, "[redacted]"],
  // Salesforce session ids and access tokens (the org id, "!", the session) and refresh tokens.
  [/\b00D[A-Za-z0-9]{12,16}![A-Za-z0-9._~+/=-]+/g, "[redacted]"],
  [/\b5Aep[A-Za-z0-9._]{20,}/g, "[redacted]"],
  // Named secrets: key=value, key: value, "key": "value" in queries, forms, JSON and prose.
  [
    /\b([A-Za-z0-9_-]{0,40}?(?:token|secret|password|passwd|api[_-]?key|hapikey|session[_-]?id)["']?\s*[=:]\s*["']?)(?!\[redacted\])[^"'\s&,}]+/gi,
    "$1[redacted]",
  ],
];

/** The longest message kept; a token cut in half by the limit is redacted before the cut. */
const MESSAGE_LIMIT = 2_000;

/** Removes anything that looks like a credential from a message before it is stored or logged. */
export function redact(message: string): string {
  // Reading a little past the limit is enough to see a token that crosses it, and keeps a huge message cheap.
  let out = message.slice(0, MESSAGE_LIMIT * 2);
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out.slice(0, MESSAGE_LIMIT);
}

/** The message of anything thrown, redacted: for audit entries and logs. */
export const describeError = (error: unknown): string => redact(error instanceof Error ? error.message : String(error));
