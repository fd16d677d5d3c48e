import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { emailDomainKind, EMAIL_DOMAIN_LISTS } from "../../src/core/intake/email-domain";
import { fieldsOfForm, fieldsOfJson, normalisePhone, validateSubmission } from "../../src/core/intake/intake-submission";
import { Policy } from "../../src/core/policy/policy";

const policy = Policy.parse(DEFAULT_POLICY);
const demo = policy.forms.find((f) => f.key === "demo")!;
const receivedAt = new Date("2026-03-10T15:00:00Z");
const valid = {
  email: "Jane.Doe+demo@Northwind.example",
  firstName: "  Jane ",
  lastName: "Doe",
  company: "Northwind   Traders",
  jobTitle: "VP of Sales",
  phone: "(415) 555-2671",
  message: "Line one\r\nLine two",
  consent_privacy: "2026-01",
  "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX",
};
const validate = (raw: Record<string, string>, request: { country?: string; referer?: string } = {}) =>
  validateSubmission(demo, raw, { ...request, receivedAt });
const issuesOf = (raw: Record<string, string>) => {
  const result = validate(raw);
  return result.ok ? [] : result.issues.map((i) => `${i.field}: ${i.message}`);
};

describe("validateSubmission", () => {
  it("normalises a demo request: email, phone in E.164, whitespace, the CRM properties, the consent text", () => {
    const result = validate(valid, { country: "US" });
    expect(result.ok).toBe(true);
    const submission = result.ok ? result.submission : undefined!;
    expect(submission.email).toEqual({
      address: "jane.doe+demo@northwind.example",
      canonical: "jane.doe@northwind.example",
      domain: "northwind.example",
      kind: "business",
    });
    expect(submission.phone).toEqual({ field: "phone", given: "(415) 555-2671", e164: "+14155552671", country: "US", valid: true });
    expect(submission.fields).toMatchObject({ firstName: "Jane", company: "Northwind Traders", message: "Line one\nLine two" });
    expect(submission.properties).toEqual({
      email: "jane.doe+demo@northwind.example",
      firstname: "Jane",
      lastname: "Doe",
      company: "Northwind Traders",
      jobtitle: "VP of Sales",
      phone: "+14155552671",
      message: "Line one\nLine two",
    });
    expect(submission.consents).toEqual([
      {
        id: "privacy",
        version: "2026-01",
        purpose: "Answer this demo request and arrange the demo",
        legalBasis: "contract",
        text: demo.consents[0]!.versions[0]!.text,
      },
    ]);
    expect(submission).toMatchObject({
      formKey: "demo",
      crm: "hubspot",
      source: "demo_request",
      country: { code: "US", from: "phone" },
      receivedAt: receivedAt.toISOString(),
    });
    expect(submission.ignoredFields).toEqual([]);
  });

  it("reads a national phone number in the request's country, else the form's default country", () => {
    const german = validate({ ...valid, phone: "030 901820" }, { country: "DE" });
    expect(german.ok && german.submission.phone).toMatchObject({ e164: "+4930901820", country: "DE", valid: true });
    expect(german.ok && german.submission.country).toEqual({ code: "DE", from: "phone" });
    const noCountry = validate(valid);
    expect(noCountry.ok && noCountry.submission.phone?.e164).toBe("+14155552671");
  });

  it("keeps an invalid phone as given (it costs points, it is not refused)", () => {
    const result = validate({ ...valid, phone: "12345" }, { country: "US" });
    expect(result.ok && result.submission.phone).toEqual({ field: "phone", given: "12345", valid: false });
    expect(result.ok && result.submission.properties.phone).toBe("12345");
    expect(result.ok && result.submission.country).toEqual({ code: "US", from: "request" });
  });

  it("classifies the email domain", () => {
    const free = validate({ ...valid, email: "jane@gmail.com" });
    expect(free.ok && free.submission.email.kind).toBe("free");
    const disposable = validate({ ...valid, email: "jane@mailinator.com" });
    expect(disposable.ok && disposable.submission.email.kind).toBe("disposable");
  });

  it("takes the browser's IANA zone, and drops anything else with a warning instead of refusing the lead", () => {
    const zoned = validate({ ...valid, time_zone: "Asia/Calcutta" });
    expect(zoned.ok && zoned.submission.timeZone).toBe("Asia/Kolkata");
    const bad = validate({ ...valid, time_zone: "EST" });
    expect(bad.ok && bad.submission.timeZone).toBeUndefined();
    expect(bad.ok && bad.submission.warnings).toEqual(['time_zone "EST" is not an IANA zone of a place; ignored']);
  });

  it("names each field at fault, and refuses the whole submission", () => {
    expect(
      issuesOf({
        email: "not an email",
        firstName: "",
        lastName: "x".repeat(81),
        company: "Acme\u0000",
        consent_privacy: "",
        consent_marketing: "2025-12",
      }),
    ).toEqual([
      "email: not an email address",
      "firstName: is required",
      "lastName: longer than 80 characters",
      "company: contains control characters",
      'consent_privacy: consent "Answer this demo request and arrange the demo" is required',
      'consent_marketing: unknown version "2025-12" (known: 2026-01)',
      "cf-turnstile-response: is required: the Turnstile widget's token",
    ]);
  });

  it("takes a consent given as on/true as the current version, and unchecked as not given", () => {
    const result = validate({ ...valid, consent_privacy: "on", consent_marketing: "" });
    expect(result.ok && result.submission.consents.map((c) => `${c.id}@${c.version}`)).toEqual(["privacy@2026-01"]);
  });

  it("lists fields the form does not have, without refusing them", () => {
    const result = validate({ ...valid, favouriteColour: "blue", utm_source: "google", website: "" });
    expect(result.ok && result.submission.ignoredFields).toEqual(["favouriteColour"]);
  });

  it("attribution: UTM parameters and click ids from fields, else from the landing page; the page from the Referer", () => {
    const result = validate(
      {
        ...valid,
        landing_page: "https://www.example.com/?utm_source=newsletter&utm_campaign=spring&gclid=abc#top",
        utm_source: "linkedin",
        referrer: "https://news.example.org/post",
      },
      { referer: "https://www.example.com/demo?x=1" },
    );
    expect(result.ok && result.submission.touch).toEqual({
      at: receivedAt.toISOString(),
      formKey: "demo",
      page: "https://www.example.com/demo?x=1",
      landingPage: "https://www.example.com/?utm_source=newsletter&utm_campaign=spring&gclid=abc",
      referrer: "https://news.example.org/post",
      utm: { source: "linkedin", campaign: "spring" },
      clickIds: { gclid: "abc" },
    });
    const broken = validate({ ...valid, page_url: "javascript:alert(1)" });
    expect(broken.ok && broken.submission.warnings).toEqual(["page_url is not an http(s) URL of at most 2000 characters; ignored"]);
  });
});

describe("posted bodies", () => {
  it("JSON: strings, numbers and booleans; null is absent; anything else is named", () => {
    expect(fieldsOfJson({ a: "x", b: 2, c: true, d: null })).toEqual({ ok: true, fields: { a: "x", b: "2", c: "true" } });
    expect(fieldsOfJson({ a: ["x"], b: { c: 1 } })).toEqual({
      ok: false,
      issues: [
        { field: "a", message: "a string, number or boolean" },
        { field: "b", message: "a string, number or boolean" },
      ],
    });
    expect(fieldsOfJson([1, 2])).toMatchObject({ ok: false, issues: [{ field: "body" }] });
  });

  it("form-encoded: a field given twice is refused", () => {
    expect(fieldsOfForm(new URLSearchParams("email=a%40b.co&email=c%40d.co"))).toEqual({
      ok: false,
      issues: [{ field: "email", message: "given more than once" }],
    });
    expect(fieldsOfForm(new URLSearchParams("email=a%40b.co&name=J+D"))).toEqual({ ok: true, fields: { email: "a@b.co", name: "J D" } });
  });
});

describe("email domains and phones", () => {
  it("uses both maintained lists, and finds disposable subdomains", () => {
    expect(EMAIL_DOMAIN_LISTS.disposable).toBeGreaterThan(1_000);
    expect(EMAIL_DOMAIN_LISTS.freeMail).toBeGreaterThan(1_000);
    expect(emailDomainKind("GMAIL.com")).toBe("free");
    expect(emailDomainKind("outlook.com")).toBe("free");
    expect(emailDomainKind("yopmail.com")).toBe("disposable");
    expect(emailDomainKind("team.mailinator.com")).toBe("disposable");
    expect(emailDomainKind("northwind.example")).toBe("business");
    expect(emailDomainKind("mail.northwind.example")).toBe("business");
  });

  it("E.164 from international and national numbers", () => {
    expect(normalisePhone("phone", "+44 20 7946 0958", undefined)).toMatchObject({ e164: "+442079460958", country: "GB", valid: true });
    expect(normalisePhone("phone", "020 7946 0958", "GB")).toMatchObject({ e164: "+442079460958", valid: true });
    expect(normalisePhone("phone", "020 7946 0958", undefined)).toMatchObject({ valid: false });
    expect(normalisePhone("phone", "call me", "US")).toEqual({ field: "phone", given: "call me", valid: false });
  });
});
