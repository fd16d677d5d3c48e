/**
 * A stand-in for Cloudflare's siteverify, behaving as developers.cloudflare.com/turnstile/troubleshooting/testing/
 * documents the test keys: the test site keys' widgets produce the dummy token; the always-pass
 * secret accepts only that token, the always-fail secret refuses every token
 * (invalid-input-response), the "spent" secret answers timeout-or-duplicate. The request is read
 * as siteverify reads it (form-encoded or JSON, secret and response required), and the answers
 * have the documented shape. The real keys need Cloudflare; the tests run offline.
 */
export const TEST_SITE_KEY = "1x00000000000000000000AA";
export const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
export const TEST_SECRETS = {
  pass: "1x0000000000000000000000000000000AA",
  fail: "2x0000000000000000000000000000000AA",
  spent: "3x0000000000000000000000000000000AA",
} as const;

export const SITEVERIFY_PATH = "/turnstile/v0/siteverify";

export interface SiteverifyCall {
  secret?: string;
  response?: string;
  remoteip?: string;
  idempotency_key?: string;
}

/** Every call the stand-in answered, for tests that check what was sent. */
export const siteverifyCalls: SiteverifyCall[] = [];

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
    default:
      // A production secret refuses the dummy token; any other secret is unknown here.
      return failure("invalid-input-secret");
  }
}
