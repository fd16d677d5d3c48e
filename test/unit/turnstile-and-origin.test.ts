import { describe, expect, it } from "vitest";
import { clientKey, hostnameAllowed, originAllowed, selfOrigin } from "../../src/intake/request-origin";
import { verifyTurnstile } from "../../src/turnstile/turnstile";
import { DUMMY_TOKEN, siteverifyCalls, siteverifyStub, TEST_SECRETS } from "../emulators/turnstile/siteverify";

/** What a token is spent on: the form and the submission's idempotency claim. */
const SCOPE = "demo\nkey:8e03978e";

describe("verifyTurnstile against siteverify as documented", () => {
  it("the always-pass secret accepts the dummy token; the call carries the secret, token, IP and an idempotency key", async () => {
    siteverifyCalls.length = 0;
    expect(
      await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, remoteIp: "203.0.113.9", fetch: siteverifyStub }),
    ).toEqual({
      ok: true,
      hostname: "localhost",
      challengeTs: "2022-02-28T15:14:30.096Z",
      action: "test",
    });
    expect(siteverifyCalls).toEqual([
      {
        secret: TEST_SECRETS.pass,
        response: DUMMY_TOKEN,
        remoteip: "203.0.113.9",
        idempotency_key: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      },
    ]);
  });

  it("the same token on the same submission sends the same idempotency key (answered the same); on another submission another key (refused as spent)", async () => {
    siteverifyCalls.length = 0;
    await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: siteverifyStub });
    await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: siteverifyStub });
    await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: "another", fetch: siteverifyStub });
    await verifyTurnstile({ scope: "demo\nkey:another", secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: siteverifyStub });
    const keys = siteverifyCalls.map((c) => c.idempotency_key);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it("refusals: always-fail, spent, a real token with a test secret, an oversized token", async () => {
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.fail, token: DUMMY_TOKEN, fetch: siteverifyStub })).toEqual({
      ok: false,
      kind: "refused",
      codes: ["invalid-input-response"],
    });
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.spent, token: DUMMY_TOKEN, fetch: siteverifyStub })).toEqual({
      ok: false,
      kind: "refused",
      codes: ["timeout-or-duplicate"],
    });
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: "0.real-token", fetch: siteverifyStub })).toEqual({
      ok: false,
      kind: "refused",
      codes: ["invalid-input-response"],
    });
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: "x".repeat(2049), fetch: siteverifyStub })).toEqual({
      ok: false,
      kind: "refused",
      codes: ["invalid-input-response"],
    });
  });

  it("an outage is unavailable, after one more try; a second try that works is a pass", async () => {
    let calls = 0;
    const down = async () => {
      calls++;
      throw new TypeError("fetch failed");
    };
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: down })).toMatchObject({
      ok: false,
      kind: "unavailable",
      failure: { kind: "transient" },
    });
    expect(calls).toBe(2);
    const flaky: typeof fetch = async (input, init) => (calls++ % 2 === 0 ? new Response("oops", { status: 502 }) : siteverifyStub(input, init));
    calls = 0;
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: flaky })).toMatchObject({ ok: true });
    const internal: typeof fetch = async () => Response.json({ success: false, "error-codes": ["internal-error"] });
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: internal })).toMatchObject({
      ok: false,
      kind: "unavailable",
    });
  });

  it("an answer that is not siteverify's JSON is unavailable, never a pass; a refusal without error codes is a refusal", async () => {
    for (const body of ['{"success":"true"}', '{"success":true,"error-codes":"none"}', '{"success":true,"hostname":7}', "[]", "null"]) {
      const odd = (async () => new Response(body, { headers: { "content-type": "application/json" } })) as typeof fetch;
      expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: odd }), body).toMatchObject({
        ok: false,
        kind: "unavailable",
        failure: { kind: "transient" },
      });
    }
    const bare = (async () => Response.json({ success: false })) as typeof fetch;
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: bare })).toEqual({
      ok: false,
      kind: "refused",
      codes: [],
    });
  });

  it("a siteverify that does not answer in time is unavailable, and is asked twice", async () => {
    let calls = 0;
    // Answers only when the call is given up on, as a hung connection does.
    const hung: typeof fetch = (_input, init) =>
      new Promise((_, reject) => {
        calls++;
        init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason));
      });
    expect(await verifyTurnstile({ scope: SCOPE, secret: TEST_SECRETS.pass, token: DUMMY_TOKEN, fetch: hung, timeoutMs: 20 })).toEqual({
      ok: false,
      kind: "unavailable",
      failure: { kind: "transient", message: "Turnstile siteverify timed out after 20 ms" },
    });
    expect(calls).toBe(2);
  });
});

describe("the hostname siteverify says a widget was solved on", () => {
  const allowed = ["https://www.example.com", "https://*.example.org", "http://localhost:8080"];
  const self = "https://leads.example.net";
  it("is the host of an allowed origin (any port), a subdomain of a wildcard, or the Worker's own", () => {
    for (const hostname of ["www.example.com", "WWW.Example.com", "shop.example.org", "a.b.example.org", "localhost", "leads.example.net"]) {
      expect(hostnameAllowed(allowed, hostname, self), hostname).toBe(true);
    }
  });
  it("is not another host, the wildcard's own domain, a look-alike or nothing", () => {
    for (const hostname of ["example.com", "example.org", "evil-example.org", "www.example.com.evil.net", "", " "]) {
      expect(hostnameAllowed(allowed, hostname, self), hostname).toBe(false);
    }
  });
});

describe("origins and client keys", () => {
  const allowed = ["https://www.example.com", "https://*.example.org", "http://localhost:8080"];
  it("allows listed origins, subdomains of a wildcard, and the Worker itself", () => {
    expect(originAllowed(allowed, "https://www.example.com", "https://leads.example.net")).toBe(true);
    expect(originAllowed(allowed, "https://shop.example.org", "https://leads.example.net")).toBe(true);
    expect(originAllowed(allowed, "http://localhost:8080", "https://leads.example.net")).toBe(true);
    expect(originAllowed(allowed, "https://leads.example.net", "https://leads.example.net")).toBe(true);
  });
  it("refuses others: another scheme or port, the wildcard's own domain, look-alikes, null", () => {
    for (const origin of [
      "http://www.example.com",
      "https://www.example.com:8443",
      "https://example.org",
      "https://evilexample.org",
      "https://www.example.com.evil.net",
      "null",
    ]) {
      expect(originAllowed(allowed, origin, "https://leads.example.net"), origin).toBe(false);
    }
    expect(originAllowed(["null"], "null", "https://leads.example.net")).toBe(true);
  });
  it("the Worker's origin is PUBLIC_BASE_URL's behind a proxy", () => {
    expect(selfOrigin("http://127.0.0.1:8787/intake/demo", undefined)).toBe("http://127.0.0.1:8787");
    expect(selfOrigin("http://127.0.0.1:8787/intake/demo", "https://leads.example.net/base")).toBe("https://leads.example.net");
  });
  it("counts IPv4 addresses one by one and IPv6 clients by their /64", () => {
    expect(clientKey("203.0.113.9")).toBe("ip:203.0.113.9");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("ip6:2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("ip6:2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("ip6:2001:db8:0:0::/64");
    expect(clientKey(undefined)).toBe("ip:unknown");
  });
});
