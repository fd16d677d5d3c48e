import { describe, expect, it } from "vitest";
import { DEMO, intakeCounts, intakeHarness } from "../support/intake";
import { ORIGIN } from "../support/requests";
import { TEST_SECRETS } from "../emulators/turnstile/siteverify";

const errorOf = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

describe("bad input gets a 400 naming the field, and changes nothing", () => {
  it.each([
    ["a missing required field", { ...DEMO, lastName: undefined }, "lastName", "is required"],
    ["a malformed email", { ...DEMO, email: "jane at northwind" }, "email", "not an email address"],
    ["a too long value", { ...DEMO, company: "x".repeat(121) }, "company", "longer than 120 characters"],
    [
      "a required consent not given",
      { ...DEMO, consent_privacy: "false" },
      "consent_privacy",
      'consent "Answer this demo request and arrange the demo" is required',
    ],
    ["a consent version nobody showed", { ...DEMO, consent_privacy: "1999-01" }, "consent_privacy", 'unknown version "1999-01" (known: 2026-01)'],
    ["no Turnstile token", { ...DEMO, "cf-turnstile-response": undefined }, "cf-turnstile-response", "is required: the Turnstile widget's token"],
    ["a value that is not a string, number or boolean", { ...DEMO, message: ["a", "b"] }, "message", "a string, number or boolean"],
  ])("%s", async (_what, fields, field, message) => {
    const harness = intakeHarness();
    const before = await intakeCounts();
    const { status, body } = await errorOf(await harness.post("demo", fields));
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_submission");
    expect(body.issues).toEqual([{ field, message }]);
    expect(body.message).toBe(`${field}: ${message}`);
    expect(await intakeCounts()).toEqual(before);
    expect(harness.sent).toEqual([]);
  });

  it("names every field at fault at once", async () => {
    const { body } = await errorOf(await intakeHarness().post("demo", { ...DEMO, email: "", firstName: "", phone: "x".repeat(65) }));
    expect(body.issues.map((i: { field: string }) => i.field)).toEqual(["email", "firstName", "phone"]);
  });

  it("a field posted twice in a form-encoded body", async () => {
    const harness = intakeHarness();
    const body = `${new URLSearchParams(Object.entries(DEMO)).toString()}&email=other%40northwind.example`;
    const response = await harness.fetch(
      new Request(`${ORIGIN}/intake/demo`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } }),
    );
    expect(await errorOf(response)).toMatchObject({ status: 400, body: { issues: [{ field: "email", message: "given more than once" }] } });
  });

  it("broken JSON, a body that is no object, a malformed Idempotency-Key", async () => {
    const harness = intakeHarness();
    const post = (body: string, headers: Record<string, string> = {}) =>
      harness.fetch(new Request(`${ORIGIN}/intake/demo`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } }));
    expect(await errorOf(await post("{"))).toMatchObject({ status: 400, body: { error: "invalid_json" } });
    expect(await errorOf(await post("[1]"))).toMatchObject({ status: 400, body: { issues: [{ field: "body" }] } });
    expect(await errorOf(await post(JSON.stringify(DEMO), { "idempotency-key": '"unterminated' }))).toMatchObject({
      status: 400,
      body: { error: "invalid_idempotency_key", issues: [{ field: "Idempotency-Key" }] },
    });
  });

  it("other content types are 415, bodies over 64 KiB 413", async () => {
    const harness = intakeHarness();
    const before = await intakeCounts();
    const text = await harness.fetch(
      new Request(`${ORIGIN}/intake/demo`, { method: "POST", body: "email=x", headers: { "content-type": "text/plain" } }),
    );
    expect(text.status).toBe(415);
    const huge = await harness.post("demo", { ...DEMO, message: "x".repeat(70_000) });
    expect(await errorOf(huge)).toMatchObject({ status: 413, body: { error: "payload_too_large" } });
    // Without a Content-Length (chunked), the limit holds while the body streams in.
    const streamed = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      return new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
          controller.close();
        },
      });
    };
    const chunked = (text: string) =>
      harness.fetch(new Request(`${ORIGIN}/intake/demo`, { method: "POST", body: streamed(text), headers: { "content-type": "application/json" } }));
    const hugeStream = await chunked(JSON.stringify({ ...DEMO, message: "x".repeat(70_000) }));
    expect(await errorOf(hugeStream)).toMatchObject({ status: 413, body: { error: "payload_too_large" } });
    expect(await intakeCounts()).toEqual(before);
    expect((await chunked(JSON.stringify({ ...DEMO, email: "streamed@northwind.example" }))).status).toBe(202);
  });
});

describe("Turnstile", () => {
  it("the always-fail secret: 403 naming the token field, nothing stored, the key free for a retry", async () => {
    const failing = intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: TEST_SECRETS.fail } });
    const before = await intakeCounts();
    const headers = { "idempotency-key": '"turnstile-retry-1"' };
    const refused = await errorOf(await failing.post("demo", { ...DEMO, email: "tf@northwind.example" }, { headers }));
    expect(refused).toMatchObject({
      status: 403,
      body: { error: "turnstile_failed", issues: [{ field: "cf-turnstile-response", message: "invalid-input-response" }] },
    });
    expect(await intakeCounts()).toEqual(before);
    // A fresh token with the same key goes through: the refused attempt did not bind the key.
    const passing = intakeHarness();
    expect((await passing.post("demo", { ...DEMO, email: "tf@northwind.example" }, { headers })).status).toBe(202);
  });

  it("a spent token (timeout-or-duplicate) is refused too", async () => {
    const harness = intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: TEST_SECRETS.spent } });
    expect(await errorOf(await harness.post("demo", DEMO))).toMatchObject({
      status: 403,
      body: { message: expect.stringContaining("timeout-or-duplicate") },
    });
  });

  it("siteverify unreachable: 503 with Retry-After, nothing stored", async () => {
    const harness = intakeHarness({
      intake: {
        fetch: async () => {
          throw new TypeError("network connection lost");
        },
      },
    });
    const before = await intakeCounts();
    const response = await harness.post("demo", DEMO);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toMatchObject({ error: "turnstile_unavailable" });
    expect(await intakeCounts()).toEqual(before);
  });

  it("a form asking for Turnstile without TURNSTILE_SECRET_KEY set: 503 saying which secret", async () => {
    const harness = intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: "" } });
    expect(await errorOf(await harness.post("demo", DEMO))).toMatchObject({
      status: 503,
      body: { error: "not_configured", message: "form demo asks for Turnstile: set the TURNSTILE_SECRET_KEY secret" },
    });
  });
});

describe("spam is answered like a success, stored as spam and never sent on", () => {
  it.each([
    ["the honeypot filled in", { website: "https://cheap-pills.example" }, "honeypot field website was filled in"],
    ["filled in too fast", { _fill_ms: "900" }, "filled in within 900 ms, under the minimum 3000 ms"],
    ["no fill time from the page", { _fill_ms: undefined }, "no fill time (_fill_ms) from the page"],
  ])("%s", async (_what, extra, reason) => {
    const harness = intakeHarness();
    const email = `spam-${reason.length}@northwind.example`;
    const response = await harness.post("demo", { ...DEMO, email, ...extra });
    expect(response.status).toBe(202);
    const { submissionId, status } = (await response.json()) as { submissionId: string; status: string };
    expect(status).toBe("accepted");
    expect(harness.sent).toEqual([]);
    const stored = await harness.fetch(
      new Request(`${ORIGIN}/admin/submissions/${submissionId}`, { headers: { authorization: "Bearer test-admin-token-0123456789" } }),
    );
    const body = (await stored.json()) as any;
    expect(body).toMatchObject({ status: "spam", spamReason: reason });
    expect(body.steps.map((s: { step: string }) => s.step)).toEqual(["received", "validated", "verified", "spam", "stored"]);
    // No consent is recorded and no touch counted for spam.
    const consents = await harness.fetch(
      new Request(`${ORIGIN}/admin/consents?email=${email}`, { headers: { authorization: "Bearer test-admin-token-0123456789" } }),
    );
    expect(await consents.json()).toMatchObject({ records: [], touches: null });
  });

  it("the answer to spam is the same as to a real submission, byte for byte but the id", async () => {
    const harness = intakeHarness();
    const real = await harness.post("demo", { ...DEMO, email: "real@northwind.example" });
    const spam = await harness.post("demo", { ...DEMO, email: "bot@northwind.example", website: "x" });
    expect(spam.status).toBe(real.status);
    expect([...spam.headers].sort()).toEqual([...real.headers].sort());
    // The id, and the booking link that names it: both answers carry one, a spam one too.
    const strip = (text: string) => text.replace(/"submissionId":"[^"]+"/, "").replace(/"booking(Token|Url)":"[^"]+"/g, '"booking$1":""');
    expect(strip(await spam.text())).toBe(strip(await real.text()));
  });
});
