import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { routeIntake } from "../../src/core/intake/intake-routing";
import { Policy, type PolicyInput } from "../../src/core/policy/policy";

const issuesOf = (input: unknown) => {
  const result = Policy.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};
const demo = DEFAULT_POLICY.forms![0]!;
const withForm = (form: object): PolicyInput => ({ ...DEFAULT_POLICY, forms: [{ ...demo, ...form }] as PolicyInput["forms"] });

describe("the forms, scoring and routing sections", () => {
  it("the default policy has the demo form, a scoring model and intake routing, and is valid", () => {
    expect(issuesOf(DEFAULT_POLICY)).toEqual([]);
    const policy = Policy.parse(DEFAULT_POLICY);
    expect(policy.forms.map((f) => [f.key, f.source, f.fields.map((x) => x.name)])).toEqual([
      ["demo", "demo_request", ["email", "firstName", "lastName", "company", "jobTitle", "phone", "message"]],
    ]);
    expect(policy.scoring?.thresholds).toEqual({ warm: 40, hot: 70 });
    expect(policy.routing?.defaultTeam).toBe("inbound");
  });

  it("a policy stored before intake existed still parses: the sections are optional", () => {
    const { forms: _f, scoring: _s, routing: _r, booking: _b, ...older } = DEFAULT_POLICY;
    const policy = Policy.parse(older);
    expect(policy.forms).toEqual([]);
    expect(policy.scoring).toBeUndefined();
  });

  it("forms: duplicate keys and fields, email rules, reserved names, mapping clashes, spam field clashes", () => {
    const issues = issuesOf({
      ...DEFAULT_POLICY,
      forms: [
        demo,
        {
          ...demo,
          fields: [
            { name: "email", type: "email", crm: {} },
            { name: "utm_source", type: "text" },
            { name: "consent_x", type: "text" },
            { name: "size", type: "choice" },
            { name: "first", type: "text", options: ["a"], crm: { hubspot: "firstname" } },
            { name: "second", type: "text", crm: { hubspot: "firstname" } },
            { name: "second", type: "email" },
          ],
          consents: [{ ...demo.consents![0]!, versions: [demo.consents![0]!.versions[0]!, demo.consents![0]!.versions[0]!] }, demo.consents![0]!],
          spam: { honeypotField: "first", minFillTime: "PT2H" },
          duplicateWindow: "P2D",
        },
      ],
    });
    expect(issues).toEqual([
      'forms.1.key: duplicate form key "demo"',
      'forms.1.fields.1.name: "utm_source" is a context field the page may send; name the field otherwise',
      'forms.1.fields.2.name: field names starting with "consent_" are consents',
      "forms.1.fields.3.options: a choice field lists its options",
      "forms.1.fields.4.options: options belong to choice fields, not text",
      'forms.1.fields.6.name: duplicate field "second"',
      "forms.1.fields: a form has exactly one email field (the lead's identity), this one has 2",
      'forms.1.fields.5.crm.hubspot: "firstname" is already mapped from field 4',
      'forms.1.consents.0.versions.1.version: duplicate version "2026-01"',
      'forms.1.consents.1.id: duplicate consent "privacy"',
      'forms.1.spam.honeypotField: "first" is already a field of the form',
      'forms.1.spam.minFillTime: "PT2H" is outside PT0S to PT1H (0 seconds to 1 hour): nobody needs longer to fill in a form',
      'forms.1.duplicateWindow: "P2D" is outside PT0S to P1D (0 seconds to 1 day)',
    ]);
  });

  it("forms: the email field is required and mapped; Salesforce Leads need LastName and Company", () => {
    expect(issuesOf(withForm({ fields: [{ name: "email", type: "email" }] }))).toEqual([
      "forms.0.fields.0.required: the email field must be required",
      "forms.0.fields.0.crm.hubspot: map the email field to a hubspot property",
    ]);
    const salesforce = withForm({
      crm: "salesforce",
      fields: [
        { name: "email", type: "email", required: true, crm: { salesforce: "Email" } },
        { name: "lastName", type: "text", crm: { salesforce: "LastName" } },
      ],
    });
    expect(issuesOf(salesforce)).toEqual([
      "forms.0.fields.1.required: Salesforce refuses a Lead without LastName: make this field required",
      "forms.0.fields: Salesforce refuses a Lead without Company: map a required field to it",
    ]);
  });

  it("forms: field-level formats (origins, redirect, legal basis, site key) with their paths", () => {
    const issues = issuesOf(
      withForm({
        allowedOrigins: ["https://www.example.com/", "*"],
        redirect: "ftp://example.com/thanks",
        consents: [{ ...demo.consents![0]!, legalBasis: "because" }],
        spam: { turnstile: { enabled: true, siteKey: "" } },
      }),
    );
    expect(issues.map((i) => i.split(":")[0])).toEqual([
      "forms.0.consents.0.legalBasis",
      "forms.0.allowedOrigins.0",
      "forms.0.allowedOrigins.1",
      "forms.0.spam.turnstile.siteKey",
      "forms.0.redirect",
    ]);
  });

  describe("forms: a consent kept in Salesforce", () => {
    const PURPOSE = "0ZWTe0000000X7FOAU";
    const marketing = demo.consents!.find((c) => c.id === "marketing")!;
    const salesforceForm = (salesforce: object, crm = "salesforce") => withForm({ crm, consents: [{ ...marketing, crm: { salesforce } }] });

    it("a checkbox field with its date, or a Data Use Purpose, is accepted", () => {
      for (const mapping of [
        { field: "Marketing_Consent__c" },
        { field: "Marketing_Consent__c", dateField: "Marketing_Consent_Date__c" },
        { dataUsePurposeId: PURPOSE },
        { dataUsePurposeId: PURPOSE, contactPointType: "Phone" },
      ]) {
        expect(issuesOf(salesforceForm(mapping)), JSON.stringify(mapping)).toEqual([]);
      }
      const parsed = Policy.parse(salesforceForm({ dataUsePurposeId: PURPOSE }));
      expect(parsed.forms[0]!.consents[0]!.crm.salesforce).toEqual({ dataUsePurposeId: PURPOSE });
    });

    it("a bad mapping is refused with its path and what to write instead", () => {
      expect(issuesOf(salesforceForm({}))).toEqual([
        'forms.0.consents.0.crm.salesforce: name a checkbox field on Lead and Contact ({"field": "Marketing_Consent__c"}) or a Data Use Purpose ({"dataUsePurposeId": "0ZW…"})',
      ]);
      expect(issuesOf(salesforceForm({ field: "Marketing_Consent__c", dataUsePurposeId: PURPOSE }))).toEqual([
        "forms.0.consents.0.crm.salesforce: either a checkbox field (field) or the Consent objects (dataUsePurposeId), not both",
      ]);
      expect(issuesOf(salesforceForm({ dataUsePurposeId: PURPOSE, dateField: "Consent_Date__c" }))).toEqual([
        "forms.0.consents.0.crm.salesforce.dateField: dateField goes with field: the Consent objects keep their own dates",
      ]);
      expect(issuesOf(salesforceForm({ field: "Marketing_Consent__c", contactPointType: "Email" }))).toEqual([
        "forms.0.consents.0.crm.salesforce.contactPointType: contactPointType goes with dataUsePurposeId (the Consent objects)",
      ]);
      expect(issuesOf(salesforceForm({ field: "Marketing_Consent__c", dateField: "Marketing_Consent__c" }))).toEqual([
        'forms.0.consents.0.crm.salesforce.dateField: "Marketing_Consent__c" is the checkbox; name a date or date/time field',
      ]);
    });

    it("field names, the purpose's id and the channel are checked as Salesforce writes them", () => {
      // The 15-character form of the id, a typo in its case-safe suffix, a label instead of an API name.
      expect(issuesOf(salesforceForm({ dataUsePurposeId: PURPOSE.slice(0, 15) }))).toEqual([
        "forms.0.consents.0.crm.salesforce.dataUsePurposeId: an 18-character Salesforce id (copy it from the record's URL: the 15-character form or a mistyped id is refused)",
      ]);
      expect(issuesOf(salesforceForm({ dataUsePurposeId: `${PURPOSE.slice(0, 15)}OAA` })).map((i) => i.split(":")[0])).toEqual([
        "forms.0.consents.0.crm.salesforce.dataUsePurposeId",
      ]);
      expect(issuesOf(salesforceForm({ field: "Marketing consent" }))).toEqual([
        "forms.0.consents.0.crm.salesforce.field: a Salesforce field's API name (letters, digits and _, e.g. Marketing_Consent__c)",
      ]);
      expect(issuesOf(salesforceForm({ dataUsePurposeId: PURPOSE, contactPointType: "Fax" })).map((i) => i.split(":")[0])).toEqual([
        "forms.0.consents.0.crm.salesforce.contactPointType",
      ]);
      // A misspelt key is not dropped silently.
      expect(issuesOf(salesforceForm({ field: "Marketing_Consent__c", datefield: "Consent_Date__c" }))).toEqual([
        'forms.0.consents.0.crm.salesforce: Unrecognized key: "datefield"',
      ]);
    });

    it("only on a form that writes to Salesforce, as a HubSpot subscription only on a HubSpot form", () => {
      expect(issuesOf(salesforceForm({ field: "Marketing_Consent__c" }, "hubspot"))).toEqual([
        "forms.0.consents.0.crm.salesforce: form demo writes to hubspot, not Salesforce",
      ]);
      expect(issuesOf(withForm({ crm: "salesforce", consents: [{ ...marketing, crm: { hubspot: { subscriptionId: "7005" } } }] }))).toEqual([
        "forms.0.consents.0.crm.hubspot: form demo writes to salesforce, not HubSpot",
      ]);
    });
  });
  it("scoring: thresholds in order, unique rule ids, known forms, well-formed words and countries", () => {
    const scoring = DEFAULT_POLICY.scoring!;
    const issues = issuesOf({
      ...DEFAULT_POLICY,
      scoring: {
        ...scoring,
        thresholds: { warm: 70, hot: 70 },
        groups: {
          ...scoring.groups,
          intent: {
            cap: 40,
            rules: [
              { id: "form-demo", label: "Demo", points: 30, when: { kind: "form", forms: ["demo", "webinar"] } },
              { id: "country-core", label: "Dup", points: 1, when: { kind: "country", countries: ["usa"] } },
              { id: "words", label: "Words", points: 1, when: { kind: "fieldHasWord", field: "message", words: ["two  spaces"] } },
            ],
          },
        },
      },
    });
    expect(issues).toEqual([
      "scoring.groups.intent.rules.1.when.countries.0: a two-letter country code in capitals (ISO 3166-1 alpha-2)",
      "scoring.groups.intent.rules.2.when.words.0: words of letters and digits, separated by single spaces",
      "scoring.thresholds.hot: hot must be above warm",
      'scoring.groups.intent.rules.0.when.forms.1: unknown form "webinar"',
      'scoring.groups.intent.rules.1.id: duplicate rule id "country-core" (also in fit)',
    ]);
  });

  it("scoring: a tier cap belongs to data-quality rules", () => {
    const scoring = DEFAULT_POLICY.scoring!;
    const rule = { id: "x", label: "X", points: 1, maxTier: "cold", when: { kind: "phone", is: "missing" } };
    expect(issuesOf({ ...DEFAULT_POLICY, scoring: { ...scoring, groups: { ...scoring.groups, fit: { cap: 10, rules: [rule] } } } })).toEqual([
      'scoring.groups.fit.rules.0: Unrecognized key: "maxTier"',
    ]);
  });

  it("routing: unknown teams and regions, and a rule without conditions", () => {
    const issues = issuesOf({
      ...DEFAULT_POLICY,
      routing: {
        regions: { emea: ["DE"] },
        rules: [
          { id: "a", when: { regions: ["apac"] }, team: "inbound" },
          { id: "a", when: {}, team: "enterprise" },
        ],
        defaultTeam: "nobody",
      },
    });
    expect(issues).toEqual([
      'routing.defaultTeam: unknown team "nobody"',
      'routing.rules.0.when.regions.0: unknown region "apac"',
      'routing.rules.1.id: duplicate rule id "a"',
      'routing.rules.1.team: unknown team "enterprise"',
      "routing.rules.1.when: a rule without conditions matches every lead: use defaultTeam instead",
    ]);
  });
});

describe("routeIntake", () => {
  const routing = Policy.parse({
    ...DEFAULT_POLICY,
    teams: [...DEFAULT_POLICY.teams, { ...DEFAULT_POLICY.teams[0]!, id: "emea" }, { ...DEFAULT_POLICY.teams[0]!, id: "analytics" }],
    routing: {
      regions: { emea: ["DE", "FR", "GB"] },
      rules: [
        { id: "analytics-hot", when: { productLines: ["Analytics"], tiers: ["hot"] }, team: "analytics" },
        { id: "emea", when: { regions: ["emea"] }, team: "emea" },
        { id: "canada", when: { countries: ["CA"], tiers: ["warm", "hot"] }, team: "emea" },
      ],
      defaultTeam: "inbound",
    },
  }).routing!;

  it("takes the first rule whose conditions all hold, and says why", () => {
    expect(routeIntake(routing, { country: "DE", productLine: "analytics", tier: "hot" })).toEqual({
      teamId: "analytics",
      ruleId: "analytics-hot",
      reason: "intake rule analytics-hot (product line Analytics, tier hot) → team analytics",
    });
    expect(routeIntake(routing, { country: "DE", productLine: "analytics", tier: "warm" })).toEqual({
      teamId: "emea",
      ruleId: "emea",
      reason: "intake rule emea (region emea (DE)) → team emea",
    });
    expect(routeIntake(routing, { country: "CA", tier: "warm" }).ruleId).toBe("canada");
  });

  it("goes to the default team when nothing matches (no country cannot match a region)", () => {
    expect(routeIntake(routing, { country: "CA", tier: "cold" })).toEqual({
      teamId: "inbound",
      reason: "no intake rule matched (country CA, tier cold) → default team inbound",
    });
    expect(routeIntake(routing, {})).toEqual({
      teamId: "inbound",
      reason: "no intake rule matched (no country, product line or tier) → default team inbound",
    });
  });
});
