/**
 * A stand-in for Cloudflare's siteverify, behaving as developers.cloudflare.com/turnstile/troubleshooting/testing/
 * documents the test keys: the test site keys' widgets produce the dummy token; the always-pass
 * secret accepts only that token, the always-fail secret refuses every token
 * (invalid-input-response), the "spent" secret answers timeout-or-duplicate. The request is read
 * as siteverify reads it (form-encoded or JSON, secret and response required), and the answers
 * have the documented shape. The real keys need Cloudflare; the tests run offline.
 *
 * With its own widget secret (STAND_IN_SECRET) it behaves as siteverify does for a real widget
 * (developers.cloudflare.com/turnstile/get-started/server-side-validation/): a token the widget
 * issued (issueToken, as solving the challenge on a page does) is valid for 300 seconds and
 * verified once: a second verification answers timeout-or-duplicate, unless it sends the
 * idempotency_key of the first, which gets the first answer again. The answer names the hostname
 * the widget was solved on, and its action.
 */
export const TEST_SITE_KEY = "1x00000000000000000000AA";
export const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
export const TEST_SECRETS = {
  pass: "1x0000000000000000000000000000000AA",
  fail: "2x0000000000000000000000000000000AA",
  spent: "3x0000000000000000000000000000000AA",
} as const;
/** The secret of the stand-in's own widget: tokens issued by issueToken, checked as Cloudflare checks real ones. */
export const STAND_IN_SECRET = "0x4AAAAAAAStandInWidgetSecretKey00";
/** How long a token can be verified after it was issued (Cloudflare: 300 seconds). */
export const TOKEN_LIFE_MS = 300_000;

export const SITEVERIFY_PATH = "/turnstile/v0/siteverify";

export interface SiteverifyCall {
  secret?: string;
  response?: string;
  remoteip?: string;
  idempotency_key?: string;
}

/** Every call the stand-in answered, for tests that check what was sent. */
export const siteverifyCalls: SiteverifyCall[] = [];

interface Issued {
  hostname: string;
  action: string;
  cdata: string;
  issuedAt: number;
  /** The first verification's idempotency key ("" without one) and its answer. */
  verified?: { key: string; answer: Record<string, unknown> };
}

/** The stand-in's clock: a test moves it instead of waiting for a token to expire. */
export const turnstileClock = { now: () => Date.now() };

const issued = new Map<string, Issued>();
const MAX_ISSUED = 10_000;

/**
 * A token as the stand-in's widget gives it once a visitor solved the challenge on a page of
 * `hostname` (Cloudflare's tokens are opaque strings of up to 2048 characters).
 */
export function issueToken(page: { hostname: string; action?: string; cdata?: string }): string {
  // `npm run dev` runs for days: the oldest tokens (long expired) go first.
  if (issued.size >= MAX_ISSUED) issued.delete(issued.keys().next().value!);
  const token = `0.${crypto.randomUUID().replaceAll("-", "")}${crypto.randomUUID().replaceAll("-", "")}`;
  issued.set(token, { hostname: page.hostname, action: page.action ?? "", cdata: page.cdata ?? "", issuedAt: turnstileClock.now() });
  return token;
}

function verifyIssued(call: SiteverifyCall): Response {
  const token = issued.get(call.response!);
  if (!token) return failure("invalid-input-response");
  const key = call.idempotency_key ?? "";
  // Past its life a token is refused, however it is asked about.
  if (turnstileClock.now() - token.issuedAt > TOKEN_LIFE_MS) return failure("timeout-or-duplicate");
  if (token.verified) {
    // A retry of the same check (the same idempotency key) is answered as the first was; any other is a duplicate.
    return token.verified.key !== "" && token.verified.key === key ? Response.json(token.verified.answer) : failure("timeout-or-duplicate");
  }
  const answer = {
    success: true,
    challenge_ts: new Date(token.issuedAt).toISOString(),
    hostname: token.hostname,
    "error-codes": [],
    action: token.action,
    cdata: token.cdata,
  };
  token.verified = { key, answer };
  return Response.json(answer);
}

const failure = (...codes: string[]) => Response.json({ success: false, "error-codes": codes });

export async function siteverifyStub(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  if (new URL(request.url).pathname !== SITEVERIFY_PATH || request.method !== "POST") return new Response("not found", { status: 404 });
  const type = request.headers.get("content-type") ?? "";
  let call: SiteverifyCall;
  if (type.startsWith("application/json")) call = (await request.json()) as SiteverifyCall;
  else if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
    call = Object.fromEntries((await request.formData()).entries()) as SiteverifyCall;
  } else return failure("bad-request");
  siteverifyCalls.push(call);
  if (siteverifyCalls.length > 1_000) siteverifyCalls.shift(); // `npm run dev` runs for days
  if (!call.secret) return failure("missing-input-secret");
  if (!call.response) return failure("missing-input-response");
  switch (call.secret) {
    case TEST_SECRETS.pass:
      return call.response === DUMMY_TOKEN
        ? Response.json({
            success: true,
            challenge_ts: "2022-02-28T15:14:30.096Z",
            hostname: "localhost",
            "error-codes": [],
            action: "test",
            cdata: "test-data",
          })
        : failure("invalid-input-response");
    case TEST_SECRETS.fail:
      return failure("invalid-input-response");
    case TEST_SECRETS.spent:
      return failure("timeout-or-duplicate");
    case STAND_IN_SECRET:
      return verifyIssued(call);
    default:
      // A production secret refuses the dummy token; any other secret is unknown here.
      return failure("invalid-input-secret");
  }
}
