import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { savePolicy } from "../../src/storage/policies";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { DEMO, intakeCounts, intakeHarness } from "../support/intake";
import { ORIGIN } from "../support/requests";

/**
 * Posts until the first 429 (at most twice the limit and one more: the binding's windows are
 * aligned to the clock, so one window may end during the run) and counts what went through first.
 */
async function untilLimited(post: (i: number) => Promise<Response>, limit: number) {
  for (let i = 0; i <= 2 * limit; i++) {
    const response = await post(i);
    if (response.status === 429) return { accepted: i, response };
    expect(response.status).toBe(202);
  }
  throw new Error(`no 429 within ${2 * limit + 1} submissions`);
}

describe("rate limits (Workers Rate Limiting bindings)", () => {
  // One form per test: each form has its own allowance, which the tests would otherwise share.
  beforeAll(async () => {
    const demo = DEFAULT_POLICY.forms![0]!;
    const forms = ["by-ip", "by-ip6", "busy", "calm"].map((key) => ({ ...demo, key }));
    await savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, forms: [demo, ...forms] }), new Date());
  });

  it("per client address: 10 a minute (wrangler.toml), then 429 with Retry-After; another address goes on", async () => {
    const harness = intakeHarness({ bindings: { DISABLE_INTAKE_RATE_LIMITS: "false" } });
    const headers = { "cf-connecting-ip": "192.0.2.44" };
    const { accepted, response } = await untilLimited((i) => harness.post("by-ip", { ...DEMO, email: `ip${i}@northwind.example` }, { headers }), 10);
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(await response.json()).toMatchObject({ error: "rate_limited", message: "too many submissions from this address; try again in a minute" });
    const before = await intakeCounts();
    expect((await harness.post("by-ip", { ...DEMO, email: "ip-more@northwind.example" }, { headers })).status).toBe(429);
    expect(await intakeCounts()).toEqual(before);
    expect(
      (await harness.post("by-ip", { ...DEMO, email: "other-ip@northwind.example" }, { headers: { "cf-connecting-ip": "192.0.2.45" } })).status,
    ).toBe(202);
  });

  it("an IPv6 client is counted by its /64", async () => {
    const harness = intakeHarness({ bindings: { DISABLE_INTAKE_RATE_LIMITS: "false" } });
    const { accepted } = await untilLimited(
      (i) =>
        harness.post(
          "by-ip6",
          { ...DEMO, email: `v6-${i}@northwind.example` },
          { headers: { "cf-connecting-ip": `2001:db8:77:1:${i.toString(16)}::1` } },
        ),
      10,
    );
    expect(accepted).toBeGreaterThanOrEqual(10);
  });

  it("per form: many addresses together are held back by the form's limit (20 a minute in the tests)", async () => {
    const harness = intakeHarness({ bindings: { DISABLE_INTAKE_RATE_LIMITS: "false" } });
    const { accepted, response } = await untilLimited((i) => harness.post("busy", { ...DEMO, email: `form${i}@northwind.example` }), 20);
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(await response.json()).toMatchObject({ message: "too many submissions of form busy right now; try again shortly" });
    expect(response.headers.get("retry-after")).toBe("10");
    // The other form has its own allowance.
    expect((await harness.post("calm", { ...DEMO, email: "calm@northwind.example" })).status).toBe(202);
  });
});

describe("CORS and the origin check", () => {
  const harness = intakeHarness();
  const preflight = (origin?: string) =>
    harness.fetch(
      new Request(`${ORIGIN}/intake/demo`, {
        method: "OPTIONS",
        headers: {
          ...(origin ? { origin } : {}),
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type, idempotency-key",
        },
      }),
    );

  it("a preflight from an allowed origin is answered with what it may send", async () => {
    const response = await preflight("https://www.example.com");
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "access-control-allow-origin": "https://www.example.com",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, idempotency-key",
      "access-control-max-age": "600",
      vary: "Origin",
    });
  });

  it("a preflight from another origin is 403 without CORS headers; one without an Origin is not a preflight", async () => {
    const refused = await preflight("https://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight()).status).toBe(400);
  });

  it("a post from an allowed origin carries CORS headers, on success and on error", async () => {
    const ok = await harness.post("demo", { ...DEMO, email: "cors@northwind.example" }, { headers: { origin: "https://www.example.com" } });
    expect(ok.status).toBe(202);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://www.example.com");
    expect(ok.headers.get("vary")).toBe("Origin");
    const bad = await harness.post("demo", { ...DEMO, email: "nope" }, { headers: { origin: "https://www.example.com" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe("https://www.example.com");
  });

  it("a post from another origin is 403 and stores nothing; the Worker's own pages and non-browser clients may post", async () => {
    const before = await intakeCounts();
    const refused = await harness.post("demo", { ...DEMO, email: "evil@northwind.example" }, { headers: { origin: "https://evil.example" } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: "origin_not_allowed" });
    expect(await intakeCounts()).toEqual(before);
    expect((await harness.post("demo", { ...DEMO, email: "self@northwind.example" }, { headers: { origin: ORIGIN } })).status).toBe(202);
    expect((await harness.post("demo", { ...DEMO, email: "server@northwind.example" })).status).toBe(202);
  });
});
