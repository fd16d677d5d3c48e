import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { savePolicy } from "../../src/storage/policies";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { adminHeaders, DEMO, intakeCounts, intakeHarness } from "../support/intake";
import { ORIGIN } from "../support/requests";

const admin = async (harness: ReturnType<typeof intakeHarness>, path: string) => {
  const response = await harness.fetch(new Request(ORIGIN + path, { headers: adminHeaders }));
  return { status: response.status, body: (await response.json()) as any };
};

describe("POST /intake/{formKey}", () => {
  it("stores a JSON submission before answering 202 with its id, and queues the id", async () => {
    const harness = intakeHarness();
    const response = await harness.post(
      "demo",
      {
        ...DEMO,
        email: "Ana.Lima@Contoso.example",
        utm_source: "linkedin",
        time_zone: "Europe/Berlin",
        landing_page: "https://www.example.com/?gclid=g1",
      },
      { headers: { referer: "https://www.example.com/demo", "cf-connecting-ip": "203.0.113.7" }, country: "DE" },
    );
    expect(response.status).toBe(202);
    const { submissionId, status } = (await response.json()) as { submissionId: string; status: string };
    expect(status).toBe("accepted");
    expect(harness.sent).toEqual([submissionId]);

    const { body } = await admin(harness, `/admin/submissions/${submissionId}`);
    expect(body).toMatchObject({
      id: submissionId,
      formKey: "demo",
      status: "received",
      email: "ana.lima@contoso.example",
      raw: { email: "Ana.Lima@Contoso.example", utm_source: "linkedin" },
      context: { ip: "203.0.113.7", userAgent: "Mozilla/5.0 (intake test)", referer: "https://www.example.com/demo", requestCountry: "DE" },
      submission: {
        email: { address: "ana.lima@contoso.example", kind: "business" },
        phone: { e164: "+14155552671", valid: true },
        timeZone: "Europe/Berlin",
        source: "demo_request",
        country: { code: "US", from: "phone" },
        touch: {
          page: "https://www.example.com/demo",
          landingPage: "https://www.example.com/?gclid=g1",
          utm: { source: "linkedin" },
          clickIds: { gclid: "g1" },
        },
      },
    });
    // The Turnstile token is a one-time credential, not part of the lead: it is not kept.
    expect(body.raw["cf-turnstile-response"]).toBeUndefined();
    expect(body.steps.map((s: { step: string }) => s.step)).toEqual(["received", "validated", "verified", "stored"]);
    for (const step of body.steps) expect(Date.parse(step.at)).not.toBeNaN();
    expect(body.steps[2].detail).toEqual({ turnstile: { hostname: "localhost", challengeTs: "2022-02-28T15:14:30.096Z" } });
  });

  it("takes a plain HTML form post, and answers 303 to the thank-you page when the form has one", async () => {
    const policy = Policy.parse({ ...DEFAULT_POLICY, forms: [{ ...DEFAULT_POLICY.forms![0]!, redirect: "https://www.example.com/thanks" }] });
    await savePolicy(env.DB, policy, new Date());
    const harness = intakeHarness();
    const form = await harness.post("demo", { ...DEMO, email: "form@northwind.example" }, { form: true });
    expect(form.status).toBe(303);
    // The thank-you page, with the booking link of the submission for the embed script (docs/booking.md).
    const location = new URL(form.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://www.example.com/thanks");
    expect(location.searchParams.get("booking")).toMatch(/^https:\/\/leads\.example\.com\/book\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(harness.sent).toHaveLength(1);
    const stored = await admin(harness, `/admin/submissions/${harness.sent[0]}`);
    expect(stored.body.submission.email.address).toBe("form@northwind.example");
    // A script posting JSON reads its answer instead of following a redirect.
    const json = await harness.post("demo", { ...DEMO, email: "json@northwind.example" });
    expect(json.status).toBe(202);
    await savePolicy(env.DB, Policy.parse(DEFAULT_POLICY), new Date());
  });

  it("records first and last touch per person; a returning lead's submission knows the previous one", async () => {
    let now = Date.parse("2026-03-02T10:00:00Z");
    const harness = intakeHarness({ now: () => new Date(now) });
    const email = "returning@northwind.example";
    await harness.post("demo", { ...DEMO, email, utm_source: "ads" });
    now += 3 * 86_400_000;
    const second = await harness.post("demo", { ...DEMO, email, message: "Back again", utm_source: "newsletter" });
    const { submissionId } = (await second.json()) as { submissionId: string };
    const consents = await admin(harness, `/admin/consents?email=${encodeURIComponent(email)}`);
    expect(consents.body.touches).toMatchObject({
      first: { submissionId: harness.sent[0], utm: { source: "ads" }, at: "2026-03-02T10:00:00.000Z" },
      last: { submissionId, utm: { source: "newsletter" }, at: "2026-03-05T10:00:00.000Z" },
      submissions: 2,
    });
    const stored = await admin(harness, `/admin/submissions/${submissionId}`);
    expect(stored.body.context).toMatchObject({ previousSubmissionAt: "2026-03-02T10:00:00.000Z", previousSubmissions: 1 });
  });

  it("unknown forms are 404, other methods 405, and neither changes anything", async () => {
    const harness = intakeHarness();
    const before = await intakeCounts();
    const unknown = await harness.post("nope", DEMO);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "unknown_form", message: 'no form "nope" in the policy' });
    const get = await harness.fetch(new Request(`${ORIGIN}/intake/demo`));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
    expect(await intakeCounts()).toEqual(before);
  });

  it("a policy saved since this isolate last read one is in force for the very next submission", async () => {
    // savePolicy here stands for a save through another isolate: this one is not told.
    const demo = DEFAULT_POLICY.forms![0]!;
    const webinar = { ...demo, key: "webinar" };
    const save = (forms: unknown[]) => savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, forms }), new Date());
    const harness = intakeHarness();
    expect((await harness.post("demo", { ...DEMO, email: "before@northwind.example" })).status).toBe(202);

    // A form this isolate has not seen yet is looked up afresh before it is refused.
    await save([demo, webinar]);
    expect((await harness.post("webinar", { ...DEMO, email: "webinar@northwind.example" })).status).toBe(202);

    // A changed form: the claim's check sees the newer version, and the request starts over on it.
    await save([{ ...demo, redirect: "https://www.example.com/thanks" }, webinar]);
    const before = await intakeCounts();
    const changed = await harness.post("demo", { ...DEMO, email: "after@northwind.example" }, { form: true });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toMatch(/^https:\/\/www\.example\.com\/thanks\?booking=/);
    // One submission, one claim: the claim taken under the old version was given back.
    const after = await intakeCounts();
    expect(after.intake_submissions! - before.intake_submissions!).toBe(1);
    expect(after.intake_idempotency! - before.intake_idempotency!).toBe(1);

    // A removed form is gone at once, though this isolate last saw it.
    await save([demo]);
    expect((await harness.post("webinar", { ...DEMO, email: "gone@northwind.example" })).status).toBe(404);
    expect(await intakeCounts()).toEqual(after);
  });
});

describe("admin views", () => {
  it("GET /admin/submissions/{id} needs the token and knows unknown ids", async () => {
    const harness = intakeHarness();
    expect((await harness.fetch(new Request(`${ORIGIN}/admin/submissions/x`))).status).toBe(401);
    expect((await admin(harness, "/admin/submissions/no-such-id")).status).toBe(404);
  });
});

describe("GET /forms/{key}", () => {
  it("serves the example form when enabled: fields, consent texts, the Turnstile widget with the form's site key", async () => {
    const harness = intakeHarness();
    const response = await harness.fetch(new Request(`${ORIGIN}/forms/demo`));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain('action="/intake/demo"');
    for (const name of [
      "email",
      "firstName",
      "lastName",
      "company",
      "jobTitle",
      "phone",
      "message",
      "consent_privacy",
      "consent_marketing",
      "website",
      "_fill_ms",
      "time_zone",
    ]) {
      expect(html).toContain(`name="${name}"`);
    }
    expect(html).toContain('data-sitekey="1x00000000000000000000AA"');
    expect(html).toContain("https://challenges.cloudflare.com/turnstile/v0/api.js");
    expect(html).toContain("I agree that my details are used to answer this demo request");
    expect(html).toContain('value="2026-01"');
  });

  it("is off unless ENABLE_EXAMPLE_FORMS is true", async () => {
    const harness = intakeHarness({ bindings: { ENABLE_EXAMPLE_FORMS: "false" } });
    expect((await harness.fetch(new Request(`${ORIGIN}/forms/demo`))).status).toBe(404);
    expect((await intakeHarness().fetch(new Request(`${ORIGIN}/forms/nope`))).status).toBe(404);
  });
});
