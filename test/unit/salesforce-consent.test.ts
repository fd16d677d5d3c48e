import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { effectId } from "../../src/core/model/effect-id";
import { EffectRequest } from "../../src/core/model/effects";
import { validateSubmission } from "../../src/core/intake/intake-submission";
import { Policy } from "../../src/core/policy/policy";
import { consentCaptureSource, consentRecordName, salesforceWithdrawals } from "../../src/core/intake/salesforce-consent";
import type { ConsentWrite } from "../../src/crm/crm-port";
import type { EffectState } from "../../src/storage/effects";
import { effectExecutors, type Executors } from "../../src/outbox/effect-executors";
import type { PendingEffect } from "../../src/outbox/pending-effect";
import { salesforceConsentProblems, salesforceConsentUses } from "../../src/crm/salesforce-consent-setup";
import { recordSalesforceConsents, type SalesforceConsentApi } from "../../src/crm/salesforce-consents";
import type { Failure } from "../../src/platform/failure";
import { salesforceConsents } from "../../src/intake/process-submissions";

const PURPOSE = "0ZWTe0000000X7FOAU";
const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;
const formWith = (crm: "hubspot" | "salesforce", salesforce?: object) =>
  Policy.parse({
    ...DEFAULT_POLICY,
    forms: [{ ...demo, crm, consents: demo.consents!.map((c) => (c.id === "marketing" && salesforce ? { ...c, crm: { salesforce } } : c)) }],
  }).forms[0]!;

const RAW = {
  email: "jane.doe@northwind.example",
  firstName: "Jane",
  lastName: "Doe",
  company: "Northwind",
  consent_privacy: "2026-01",
  consent_marketing: "on",
  page_url: "https://www.example.com/demo",
  "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX",
};

function effectsOf(form: ReturnType<typeof formWith>, raw: Record<string, string> = RAW) {
  const validated = validateSubmission(form, raw, { receivedAt: new Date("2026-03-10T15:00:00Z") });
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  const write = { idempotencyKey: "submission:s-1:write", leadKey: "intake:salesforce:00D5g000004ExmplEAA:s-1" };
  return salesforceConsents({ id: "s-1", formKey: form.key, submission: validated.submission }, write, "00D5g000004ExmplEAA");
}

describe("consents given on a Salesforce form, as effects", () => {
  it("a mapped consent given is one effect that waits for the lead's write: the Consent objects with what was agreed, and where", () => {
    const effects = effectsOf(formWith("salesforce", { dataUsePurposeId: PURPOSE }));
    expect(effects).toEqual([
      {
        idempotencyKey: "submission:s-1:consent:marketing",
        leadKey: "intake:salesforce:00D5g000004ExmplEAA:s-1",
        rule: "intake",
        effect: {
          type: "recordSalesforceConsent",
          crm: "salesforce",
          accountId: "00D5g000004ExmplEAA",
          email: "jane.doe@northwind.example",
          afterWrite: effectId("submission:s-1:write"),
          status: "OptIn",
          at: "2026-03-10T15:00:00.000Z",
          target: {
            kind: "consentObject",
            dataUsePurposeId: PURPOSE,
            contactPointType: "Email",
            name: "Product news and offers by email | marketing | consent | text 2026-01 | submission s-1",
            captureSource: "form demo on https://www.example.com/demo",
          },
        },
      },
    ]);
    // What the outbox stores is a valid effect.
    expect(EffectRequest.safeParse(effects[0]).success).toBe(true);
  });

  it("a checkbox mapping is a field write; unticked, unmapped or on a HubSpot form, nothing", () => {
    const field = effectsOf(formWith("salesforce", { field: "Marketing_Consent__c", dateField: "Marketing_Consent_Date__c" }));
    expect(field.map((e) => e.effect)).toEqual([
      expect.objectContaining({ target: { kind: "field", field: "Marketing_Consent__c", dateField: "Marketing_Consent_Date__c" } }),
    ]);
    const { consent_marketing: _unticked, ...unticked } = RAW;
    expect(effectsOf(formWith("salesforce", { field: "Marketing_Consent__c" }), unticked)).toEqual([]);
    expect(effectsOf(formWith("salesforce"))).toEqual([]);
    expect(effectsOf(formWith("hubspot"))).toEqual([]);
  });

  it("Name and CaptureSource fit Salesforce's 255 characters: the purpose and the page are cut, never what tells records apart", () => {
    const given = {
      consentId: "marketing",
      purpose: "p".repeat(200),
      legalBasis: "consent",
      version: "2026-01",
      formKey: "demo",
      submissionId: "0c9b1a52-7c52-4a5e-9a36-2f0d1b6c1e11",
    };
    const name = consentRecordName(given);
    expect(name).toHaveLength(255);
    expect(name).toMatch(/^p+… \| marketing \| consent \| text 2026-01 \| submission 0c9b1a52-7c52-4a5e-9a36-2f0d1b6c1e11$/);
    expect(consentRecordName({ ...given, purpose: "Short" })).toBe(
      "Short | marketing | consent | text 2026-01 | submission 0c9b1a52-7c52-4a5e-9a36-2f0d1b6c1e11",
    );
    // The longest consent id and text version the policy allows still leave the submission id whole.
    const longest = consentRecordName({ ...given, consentId: "c".repeat(64), legalBasis: "legitimate_interests", version: "v".repeat(40) });
    expect(longest.length).toBeLessThanOrEqual(255);
    expect(longest.endsWith(`| submission ${given.submissionId}`)).toBe(true);
    const source = consentCaptureSource({ formKey: "demo", page: `https://www.example.com/${"a".repeat(300)}` });
    expect(source).toHaveLength(255);
    expect(source.endsWith("…")).toBe(true);
    expect(consentCaptureSource({ formKey: "demo" })).toBe("form demo");
  });
});

/**
 * An org as the adapter sees it through its calls: without Data Protection and Privacy (SOQL on
 * the Consent objects answers INVALID_TYPE, on IndividualId INVALID_FIELD, as the emulator's own
 * test shows), with one lead and its checkbox.
 */
function orgWithoutConsentObjects() {
  const lead: Record<string, unknown> = { Id: "00Q5g0000000001AAA", Marketing_Consent__c: false, Marketing_Consent_Date__c: null };
  const refused = (code: string): Failure => ({ kind: "permanent", code, message: `Salesforce ${code}: not in this org` });
  const api: SalesforceConsentApi = {
    findPeople: async () => ({ ok: true, value: [{ email: "jane@northwind.example", objectType: "lead", id: String(lead.Id), ownerId: null }] }),
    query: async (soql) => ({ ok: false, failure: refused(soql.includes("ContactPointTypeConsent") ? "INVALID_TYPE" : "INVALID_FIELD") }),
    fields: async () => ({
      ok: true,
      value: new Map([
        ["marketing_consent__c", { name: "Marketing_Consent__c", type: "boolean" }],
        ["marketing_consent_date__c", { name: "Marketing_Consent_Date__c", type: "date" }],
      ]),
    }),
    create: async (_sobject, records) => records.map(() => ({ ok: false, failure: refused("INVALID_TYPE") })),
    update: async (_sobject, records) =>
      records.map((record) => {
        Object.assign(lead, record);
        return { ok: true, externalId: String(record.Id) };
      }),
    destroy: async (_sobject, ids) => ids.map(() => ({ ok: true })),
  };
  return { lead, api };
}

describe("consents withdrawn in Salesforce (an opt-out), as effects", () => {
  const person = {
    key: "salesforce:00D5g000004ExmplEAA:lead:00Q5g00000LeadAAAA",
    accountId: "00D5g000004ExmplEAA",
    email: "jane.doe@northwind.example",
  };
  const withdrawn = (consentId: string, formKey?: string) => ({
    withdrawalId: `withdrawn:${"ab".repeat(16)}`,
    consentId,
    purpose: "Product news and offers by email",
    legalBasis: "consent",
    at: "2026-03-12T09:00:00.000Z",
    detail: `HasOptedOutOfEmail = true on ${person.key}`,
    ...(formKey ? { formKey } : {}),
  });
  const policyWith = (crm: "hubspot" | "salesforce", salesforce?: object) => ({ forms: [formWith(crm, salesforce)] });

  it("each mapped consent is an OptOut written to the record that opted out, named for its withdrawal", () => {
    const [request, ...rest] = salesforceWithdrawals(policyWith("salesforce", { dataUsePurposeId: PURPOSE }), person, [
      withdrawn("marketing", "demo"),
      withdrawn("privacy", "demo"),
    ]);
    expect(rest).toEqual([]);
    expect(EffectRequest.parse(request)).toEqual({
      idempotencyKey: `withdrawn:${"ab".repeat(16)}:salesforce`,
      leadKey: person.key,
      rule: "consent",
      effect: {
        type: "recordSalesforceConsent",
        crm: "salesforce",
        accountId: person.accountId,
        email: person.email,
        person: person.key,
        status: "OptOut",
        at: "2026-03-12T09:00:00.000Z",
        target: {
          kind: "consentObject",
          dataUsePurposeId: PURPOSE,
          contactPointType: "Email",
          name: `Product news and offers by email | marketing | consent | opted out | withdrawn:${"ab".repeat(16)}`,
          captureSource: `withdrawn: HasOptedOutOfEmail = true on ${person.key}`,
        },
      },
    });
  });

  it("a checkbox mapping clears the field; a consent of another form, a HubSpot form or none at all writes nothing", () => {
    const field = salesforceWithdrawals(policyWith("salesforce", { field: "Marketing_Consent__c" }), person, [withdrawn("marketing", "demo")]);
    expect(field.map((r) => r.effect)).toMatchObject([{ status: "OptOut", target: { kind: "field", field: "Marketing_Consent__c" } }]);
    const mapped = policyWith("salesforce", { dataUsePurposeId: PURPOSE });
    expect(salesforceWithdrawals(mapped, person, [withdrawn("marketing", "webinar")])).toEqual([]);
    expect(salesforceWithdrawals(mapped, person, [withdrawn("marketing")])).toEqual([]);
    expect(salesforceWithdrawals(policyWith("hubspot"), person, [withdrawn("marketing", "demo")])).toEqual([]);
  });
});

describe("recordSalesforceConsents in an org without Data Protection and Privacy", () => {
  const write = (status: "OptIn" | "OptOut", at: string, target: ConsentWrite["target"]): ConsentWrite => ({
    key: `${status}:${at}`,
    email: "jane@northwind.example",
    status,
    at,
    target,
  });
  const objects = { kind: "consentObject", dataUsePurposeId: PURPOSE, contactPointType: "Email", name: "n", captureSource: "form demo" } as const;
  const checkbox = { kind: "field", field: "Marketing_Consent__c", dateField: "marketing_consent_date__c" } as const;

  it("the Consent objects are refused for good, saying what to enable; a checkbox still works, the latest of two writes winning", async () => {
    const { lead, api } = orgWithoutConsentObjects();
    const [consent, withdrawn, given] = await recordSalesforceConsents(
      [
        write("OptIn", "2026-03-10T15:00:00.000Z", objects),
        write("OptOut", "2026-03-12T09:00:00.000Z", checkbox),
        write("OptIn", "2026-03-10T15:00:00.000Z", checkbox),
      ],
      api,
    );
    expect(consent).toMatchObject({
      ok: false,
      failure: {
        kind: "permanent",
        code: "INVALID_TYPE",
        message: expect.stringMatching(/^this org has no Consent objects .*enable Data Protection and Privacy in Setup/),
      },
    });
    expect(withdrawn).toEqual({ ok: true, externalId: "lead:00Q5g0000000001AAA" });
    expect(given).toEqual(withdrawn);
    expect(lead).toMatchObject({ Marketing_Consent__c: false, Marketing_Consent_Date__c: "2026-03-12" });
  });
});

describe("CRM setup: what the consent mappings need of the org", () => {
  const policyWith = (...mappings: object[]) =>
    Policy.parse({
      ...DEFAULT_POLICY,
      forms: mappings.map((salesforce, i) => ({
        ...demo,
        key: `sf_${i}`,
        crm: "salesforce",
        consents: demo.consents!.map((c) => (c.id === "marketing" ? { ...c, crm: { salesforce } } : c)),
      })),
      // The default scoring and booking name the demo form, which this policy replaces.
      scoring: undefined,
      booking: undefined,
    });
  const field = (name: string, type: string) => ({ name, type });

  it("an org without the Consent objects is told to enable them; fields of the wrong type are named with their path", () => {
    const uses = salesforceConsentUses(policyWith({ dataUsePurposeId: PURPOSE }, { field: "Marketing_Consent__c", dateField: "Consent_Date__c" }));
    expect(uses.map((u) => u.path)).toEqual(["forms.0.consents.1.crm.salesforce", "forms.1.consents.1.crm.salesforce"]);
    const problems = salesforceConsentProblems(uses, {
      fields: new Map([
        ["Lead", [field("marketing_consent__c", "string"), field("Consent_Date__c", "date")]],
        ["Contact", [field("Marketing_Consent__c", "boolean"), field("Consent_Date__c", "datetime")]],
      ]),
      consentObjects: false,
      purposes: new Set(),
    });
    expect(problems).toEqual([
      "enable Data Protection and Privacy (Setup → Data Protection and Privacy) and give the integration user access to Individual, ContactPointTypeConsent and IndividualId (forms.0.consents.1.crm.salesforce)",
      "Lead.marketing_consent__c is a string field, not a Checkbox (forms.1.consents.1.crm.salesforce)",
    ]);
  });

  it("with the Consent objects, the purpose must be the org's (either form of its id)", () => {
    const uses = salesforceConsentUses(policyWith({ dataUsePurposeId: PURPOSE }));
    const org = (purposes: string[]) => ({
      fields: new Map([
        ["Lead", [field("IndividualId", "reference")]],
        ["Contact", [field("IndividualId", "reference")]],
      ] as const),
      consentObjects: true,
      purposes: new Set(purposes),
    });
    expect(salesforceConsentProblems(uses, org([PURPOSE.slice(0, 15)]))).toEqual([]);
    expect(salesforceConsentProblems(uses, org([]))).toEqual([`no Data Use Purpose ${PURPOSE} in this org (forms.0.consents.1.crm.salesforce)`]);
  });
});

describe("a consent's wait for its lead's write", () => {
  const consent = (afterWrite: string) =>
    ({
      id: "e-consent",
      effect: {
        type: "recordSalesforceConsent",
        crm: "salesforce",
        accountId: "00D5g000004ExmplEAA",
        email: "jane.doe@northwind.example",
        afterWrite,
        status: "OptIn",
        at: "2026-03-10T15:00:00.000Z",
        target: { kind: "field", field: "Marketing_Consent__c" },
      },
    }) as PendingEffect<"recordSalesforceConsent">;
  const LEAD = "salesforce:00D5g000004ExmplEAA:lead:00Q5g00000AbCdEAAZ";

  function executors(states: EffectState[]) {
    let clock = 0;
    const sent: ConsentWrite[][] = [];
    const deps: Executors = {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      effectStates: async (ids) => new Map(ids.map((id) => [id, states.length > 1 ? states.shift()! : states[0]!])),
      crm: () =>
        ({
          recordConsents: async (writes: ConsentWrite[]) => {
            sent.push(writes);
            return writes.map(() => ({ ok: true }));
          },
        }) as never,
      slack: () => undefined,
    };
    return { deps, sent, elapsed: () => clock };
  }

  it("looks again within the same run while the write runs beside it, then writes to the record it wrote", async () => {
    const running: EffectState = { status: "pending", externalId: null, nextAttemptAt: null };
    const { deps, sent, elapsed } = executors([running, running, { status: "done", externalId: LEAD, nextAttemptAt: null }]);
    expect(await effectExecutors.recordSalesforceConsent("salesforce:00D5g000004ExmplEAA", [consent("e-write")], deps)).toEqual([{ ok: true }]);
    expect(sent[0]![0]!.person).toEqual({ objectType: "lead", id: "00Q5g00000AbCdEAAZ" });
    expect(elapsed()).toBeLessThanOrEqual(1_000);
  });

  it("a write retrying later is not waited for in the run: the consent waits without spending an attempt", async () => {
    const later: EffectState = { status: "retrying", externalId: null, nextAttemptAt: new Date(60_000) };
    const { deps, sent, elapsed } = executors([later]);
    const [outcome] = await effectExecutors.recordSalesforceConsent("salesforce:00D5g000004ExmplEAA", [consent("e-write")], deps);
    expect(outcome).toMatchObject({ ok: false, waiting: { retryAfterMs: 61_000 } });
    expect(sent).toEqual([]);
    expect(elapsed()).toBe(0);
  });
});
