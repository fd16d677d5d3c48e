import { classify, type Failure, failureOfStatus } from "../platform/failure";
import { sha256, toHex, utf8 } from "../platform/bytes";

/*
 * Cloudflare Turnstile server-side validation (siteverify), as documented at
 * developers.cloudflare.com/turnstile/get-started/server-side-validation/: POST the secret, the
 * widget's token and the visitor's IP; the answer is JSON with `success`, `error-codes` and the
 * hostname (and action) the widget was solved on. A token can be verified once: a second
 * verification answers `timeout-or-duplicate`, unless it sends the `idempotency_key` of the first,
 * which is answered as the first was. So the key is derived from the token AND what it is spent
 * on (the form and its idempotency claim): the same submission sent again (a double click, a
 * retry after a lost answer, our own retry of the check) is answered the same and finds its
 * stored answer, while the same token on any other submission is refused as spent. Deriving it
 * from the token alone would let one solved token pass any number of submissions in its life.
 */

export const SITEVERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/** The widget script a form page loads. */
export const SCRIPT_URL = "https://challenges.cloudflare.com/turnstile/v0/api.js";
const TIMEOUT_MS = 5_000;
/** Turnstile tokens are at most 2048 characters. */
const MAX_TOKEN = 2_048;

interface SiteverifyAnswer {
  success: boolean;
  "error-codes": string[];
  challenge_ts?: string;
  hostname?: string;
  action?: string;
}

const optionalText = (value: unknown): value is string | undefined => value === undefined || typeof value === "string";

/**
 * Siteverify's JSON, or undefined for anything else. Checked by hand: a zod schema's parse was 2%
 * of a form's answer under load, for five fields.
 */
function siteverifyAnswer(json: unknown): SiteverifyAnswer | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const { success, "error-codes": codes = [], challenge_ts, hostname, action } = json as Record<string, unknown>;
  if (typeof success !== "boolean" || !Array.isArray(codes) || !codes.every((code) => typeof code === "string")) return undefined;
  if (!optionalText(challenge_ts) || !optionalText(hostname) || !optionalText(action)) return undefined;
  return { success, "error-codes": codes, challenge_ts, hostname, action };
}

export type TurnstileVerdict =
  | { ok: true; hostname?: string; challengeTs?: string; action?: string }
  /** Turnstile said no: a forged, expired or spent token (or our secret is wrong). */
  | { ok: false; kind: "refused"; codes: string[] }
  /** Turnstile could not be asked: retry later. */
  | { ok: false; kind: "unavailable"; failure: Failure };

export interface TurnstileRequest {
  secret: string;
  token: string;
  /** What the token is spent on (the form and the submission's idempotency claim): part of the idempotency key. */
  scope: string;
  remoteIp?: string;
  url?: string;
  fetch?: typeof fetch;
  /** How long one siteverify call may take (5 s). */
  timeoutMs?: number;
}

/**
 * Cloudflare's documented dummy secrets (developers.cloudflare.com/turnstile/troubleshooting/testing/):
 * they answer for the dummy token no page solved, so their hostname and action name no page and
 * are not checked. A production secret's answers always are.
 */
const DUMMY_SECRETS = new Set(["1x0000000000000000000000000000000AA", "2x0000000000000000000000000000000AA", "3x0000000000000000000000000000000AA"]);
export const isDummySecret = (secret: string): boolean => DUMMY_SECRETS.has(secret);

/** The SHA-256 (hex) a token is remembered by: the claim it was accepted with keeps this, never the token. */
export async function tokenHash(token: string): Promise<string> {
  return toHex(await sha256(utf8(token)));
}

/** A UUID made from the SHA-256 of the token and its scope: the same token on the same submission brings the same key. */
async function idempotencyKeyOf(token: string, scope: string): Promise<string> {
  const hex = toHex(await sha256(utf8(`${scope}\n${token}`)));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function ask(request: TurnstileRequest, body: URLSearchParams): Promise<TurnstileVerdict> {
  const doFetch = request.fetch ?? fetch;
  const timeoutMs = request.timeoutMs ?? TIMEOUT_MS;
  try {
    // The runtime's own timer: a JavaScript one costs a visible share of the form's answer under load.
    const response = await doFetch(request.url ?? SITEVERIFY_URL, { method: "POST", body, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, kind: "unavailable", failure: failureOfStatus(response.status, `Turnstile siteverify answered ${response.status}`) };
    }
    const answer = siteverifyAnswer(await response.json());
    if (!answer)
      return {
        ok: false,
        kind: "unavailable",
        failure: { kind: "transient", message: "Turnstile siteverify answered something other than its JSON" },
      };
    const { success, "error-codes": codes, challenge_ts, hostname, action } = answer;
    if (success)
      return { ok: true, ...(hostname ? { hostname } : {}), ...(challenge_ts ? { challengeTs: challenge_ts } : {}), ...(action ? { action } : {}) };
    // Cloudflare's own trouble, not the token's: worth another try.
    if (codes.includes("internal-error"))
      return { ok: false, kind: "unavailable", failure: { kind: "transient", message: "Turnstile siteverify: internal-error" } };
    return { ok: false, kind: "refused", codes };
  } catch (error) {
    if ((error as { name?: unknown }).name === "TimeoutError") {
      return { ok: false, kind: "unavailable", failure: { kind: "transient", message: `Turnstile siteverify timed out after ${timeoutMs} ms` } };
    }
    return { ok: false, kind: "unavailable", failure: classify(error) };
  }
}

/** Verifies a widget token; a transient failure is tried once more with the same idempotency key. */
export async function verifyTurnstile(request: TurnstileRequest): Promise<TurnstileVerdict> {
  if (request.token.length > MAX_TOKEN) return { ok: false, kind: "refused", codes: ["invalid-input-response"] };
  const body = new URLSearchParams({
    secret: request.secret,
    response: request.token,
    idempotency_key: await idempotencyKeyOf(request.token, request.scope),
  });
  if (request.remoteIp) body.set("remoteip", request.remoteIp);
  const first = await ask(request, body);
  if (first.ok || first.kind === "refused") return first;
  return ask(request, body);
}
