import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ConsentWrite } from "../../src/crm/crm-port";
import { checkSalesforceConsents } from "../../src/crm/crm-setup";
import { holdPeople, releasePeople } from "../../src/storage/consent-write-holds";
import { SalesforceCrm } from "../../src/crm/salesforce-crm";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { effectExecutors } from "../../src/outbox/effect-executors";
import type { PendingEffect } from "../../src/outbox/pending-effect";
import { sendEffectMessages } from "../../src/outbox/effect-queue";
import { portsFor } from "../../src/ports";
import { salesforceEmulator } from "../support/emulators";
import { adminHeaders, DEMO, intakeHarness } from "../support/intake";
import { eventually, leadSnapshot, ORIGIN, send, signedSalesforce } from "../support/requests";
import { admin } from "../support/rule-flows";

/**
 * Consent given on a Salesforce form, all the way: stored in D1, then written to the org the way
 * the policy says (a checkbox and its date on the Lead or Contact, or a ContactPointTypeConsent for
 * the person's Individual) through the outbox, with the real jsforce against the emulator.
 */
const RECEIVED_AT = "2026-03-10T15:00:00.000Z";
const harness = intakeHarness({ now: () => new Date(RECEIVED_AT) });
const run = Date.now().toString(36);
const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;

/** The demo form on Salesforce, its marketing consent kept as `salesforce` says. */
const salesforceForm = (key: string, salesforce: object) => ({
  ...demo,
  key,
  crm: "salesforce" as const,
  consents: demo.consents!.map((c) => (c.id === "marketing" ? { ...c, crm: { salesforce } } : c)),
});

let purposeId = "";

async function submit(formKey: string, fields: Record<string, unknown>) {
  const response = await harness.post(formKey, { ...DEMO, page_url: "https://www.example.com/demo", ...fields });
  expect(response.status).toBe(202);
  return ((await response.json()) as { submissionId: string }).submissionId;
}

interface EffectRow {
  id: string;
  status: string;
  attempts: number;
  externalId: string | null;
  lastError: string | null;
}

const consentEffectOf = (submissionId: string) =>
  env.DB.prepare("SELECT id, status, attempts, external_id AS externalId, last_error AS lastError FROM effects WHERE idempotency_key = ?")
    .bind(`submission:${submissionId}:consent:marketing`)
    .first<EffectRow>();

/** The submission's consent effect once it is done or dead. */
const settledConsent = (submissionId: string) =>
  eventually(async () => {
    const row = await consentEffectOf(submissionId);
    if (!row || row.status === "pending" || row.status === "retrying") throw new Error(`consent of ${submissionId}: ${row?.status ?? "not stored"}`);
    return row;
  }, 60_000);

const byEmail = async (sobject: string, email: string) => (await salesforceEmulator.records(sobject)).filter((r: any) => r.Email === email);
const consentsOf = async (individualId: string) =>
  (await salesforceEmulator.records("ContactPointTypeConsent")).filter((c: any) => c.PartyId === individualId);

beforeAll(async () => {
  purposeId = (await salesforceEmulator.uiCreate("DataUsePurpose", { Name: `Marketing ${run}`, CanDataSubjectOptOut: true })).id;
  const policy = {
    ...DEFAULT_POLICY,
    forms: [
      ...DEFAULT_POLICY.forms!,
      salesforceForm("sf_field", { field: "Marketing_Consent__c", dateField: "Marketing_Consent_Date__c" }),
      salesforceForm("sf_objects", { dataUsePurposeId: purposeId }),
      salesforceForm("sf_missing_field", { field: "Newsletter_Consent__c" }),
    ],
  };
  const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) });
  expect(put.status, await put.clone().text()).toBe(201);
});

describe("consent in Salesforce: a checkbox field", () => {
  it("a new Lead gets the checkbox and the day it was given; a Contact the submission matched, the instant", { timeout: 120_000 }, async () => {
    const email = `field.${run}@northwind.example`;
    const id = await submit("sf_field", { email, consent_marketing: "on" });
    const effect = await settledConsent(id);
    expect(effect).toMatchObject({ status: "done", attempts: 1 });
    const [lead] = await byEmail("Lead", email);
    expect(lead).toMatchObject({ Marketing_Consent__c: true, Marketing_Consent_Date__c: "2026-03-10" });
    expect(effect.externalId).toBe(`lead:${lead.Id}`);

    // A known customer: the consent goes on the contact the lead's write updated.
    const customer = `field.customer.${run}@globex.example`;
    const contact = await salesforceEmulator.uiCreate("Contact", { LastName: "Customer", Email: customer });
    await settledConsent(await submit("sf_field", { email: customer, consent_marketing: "2026-01" }));
    expect((await byEmail("Contact", customer))[0]).toMatchObject({
      Id: contact.id,
      Marketing_Consent__c: true,
      Marketing_Consent_Date__c: "2026-03-10T15:00:00.000+0000",
    });
    expect(await byEmail("Lead", customer)).toEqual([]);
  });

  it("unticked, nothing is sent: the checkbox stays false", { timeout: 120_000 }, async () => {
    const email = `unticked.${run}@northwind.example`;
    const id = await submit("sf_field", { email });
    const lead = await eventually(async () => {
      const [found] = await byEmail("Lead", email);
      if (!found) throw new Error("no lead yet");
      return found;
    }, 60_000);
    expect(lead).toMatchObject({ Marketing_Consent__c: false, Marketing_Consent_Date__c: null });
    expect(await consentEffectOf(id)).toBeNull();
  });

  it("a field the org does not have is a dead effect that says what to create; the lead is still written", { timeout: 120_000 }, async () => {
    const email = `missing.${run}@northwind.example`;
    const effect = await settledConsent(await submit("sf_missing_field", { email, consent_marketing: "on" }));
    expect(effect).toMatchObject({ status: "dead", attempts: 1 });
    expect(effect.lastError).toContain(
      "Lead has no field Newsletter_Consent__c the integration user can see: create it (Checkbox) on Lead and Contact",
    );
    expect(await byEmail("Lead", email)).toHaveLength(1);
  });
});

describe("consent in Salesforce: the Consent objects", () => {
  it("an Individual made and linked from the Lead, and one ContactPointTypeConsent saying what, when, how and where", {
    timeout: 120_000,
  }, async () => {
    const email = `objects.${run}@northwind.example`;
    const id = await submit("sf_objects", { email, consent_marketing: "on" });
    const effect = await settledConsent(id);
    expect(effect).toMatchObject({ status: "done", attempts: 1 });
    const [lead] = await byEmail("Lead", email);
    expect(lead.IndividualId).toMatch(/^0PK/);
    const individual = (await salesforceEmulator.records("Individual")).find((i: any) => i.Id === lead.IndividualId);
    expect(individual).toMatchObject({ FirstName: "Jane", LastName: "Doe" });
    const consents = await consentsOf(lead.IndividualId);
    expect(consents).toEqual([
      expect.objectContaining({
        Id: effect.externalId,
        Name: `Product news and offers by email | marketing | consent | text 2026-01 | submission ${id}`,
        PartyId: lead.IndividualId,
        DataUsePurposeId: purposeId,
        PrivacyConsentStatus: "OptIn",
        ContactPointType: "Email",
        EffectiveFrom: "2026-03-10T15:00:00.000+0000",
        CaptureDate: "2026-03-10T15:00:00.000+0000",
        CaptureContactPointType: "Web",
        CaptureSource: "form sf_objects on https://www.example.com/demo",
      }),
    ]);
    // The full proof stays in D1.
    const proof = (await (await harness.fetch(new Request(`${ORIGIN}/admin/consents?email=${email}`, { headers: adminHeaders }))).json()) as any;
    expect(proof.records.map((r: any) => [r.consentId, r.submissionId])).toEqual([
      ["privacy", id],
      ["marketing", id],
    ]);
  });

  it("run again (an answer lost, a retry), the effect finds its consent and creates nothing; a second submission reuses the Individual", {
    timeout: 120_000,
  }, async () => {
    const email = `retry.${run}@northwind.example`;
    const first = await submit("sf_objects", { email, consent_marketing: "on" });
    const done = await settledConsent(first);
    const [lead] = await byEmail("Lead", email);
    const individuals = (await salesforceEmulator.records("Individual")).length;

    // As if the outbox had not heard the answer: the same effect is run again.
    await env.DB.prepare("UPDATE effects SET status = 'pending', next_attempt_at = NULL WHERE id = ?").bind(done.id).run();
    await sendEffectMessages(env.EFFECTS, [done.id]);
    const again = await eventually(async () => {
      const row = await consentEffectOf(first);
      if (row?.attempts !== done.attempts + 1) throw new Error("not run again yet");
      return row;
    }, 60_000);
    expect(again).toMatchObject({ status: "done", externalId: done.externalId });
    expect(await consentsOf(lead.IndividualId)).toHaveLength(1);
    expect((await salesforceEmulator.records("Individual")).length).toBe(individuals);

    // The same person ticks it again on a later visit: a consent of its own, for the same Individual.
    const second = await submit("sf_objects", { email, consent_marketing: "on", message: "Still interested." });
    expect(await settledConsent(second)).toMatchObject({ status: "done" });
    expect((await byEmail("Lead", email))[0].IndividualId).toBe(lead.IndividualId);
    expect((await salesforceEmulator.records("Individual")).length).toBe(individuals);
    expect((await consentsOf(lead.IndividualId)).map((c: any) => c.Name.split(" | submission ")[1])).toEqual([first, second]);
  });
});

describe("consent in Salesforce: an opt-out there withdraws it there too", () => {
  const ORG = "00D5g000004ExmplEAA";
  const deliverChanges = async () => expect((await send(await signedSalesforce(await salesforceEmulator.webhooks()))).status).toBe(200);
  const withdrawalsOf = (key: string) =>
    env.DB.prepare(
      "SELECT status, external_id AS externalId, last_error AS lastError FROM effects WHERE lead_key = ? AND idempotency_key LIKE 'withdrawn:%'",
    )
      .bind(key)
      .all<{ status: string; externalId: string | null; lastError: string | null }>()
      .then((r) => r.results);
  const settledWithdrawal = (key: string) =>
    eventually(async () => {
      const rows = await withdrawalsOf(key);
      if (rows.length === 0 || rows.some((r) => r.status !== "done")) throw new Error(`withdrawals of ${key}: ${JSON.stringify(rows)}`);
      return rows;
    }, 60_000);
  const withdrawnRows = async (email: string) =>
    (await env.DB.prepare("SELECT consent_id AS consentId FROM intake_consents WHERE email = ? AND action = 'withdrawn'").bind(email).all()).results;

  it("HasOptedOutOfEmail set by a person: an OptOut ContactPointTypeConsent beside the OptIn one, and the checkbox cleared", {
    timeout: 120_000,
  }, async () => {
    const objectsEmail = `optout.objects.${run}@northwind.example`;
    const fieldEmail = `optout.field.${run}@northwind.example`;
    await settledConsent(await submit("sf_objects", { email: objectsEmail, consent_marketing: "on" }));
    await settledConsent(await submit("sf_field", { email: fieldEmail, consent_marketing: "on" }));
    const [objectsLead] = await byEmail("Lead", objectsEmail);
    const [fieldLead] = await byEmail("Lead", fieldEmail);
    await deliverChanges(); // our own writes' echoes: nothing is withdrawn by them

    await salesforceEmulator.uiUpdate("Lead", objectsLead.Id, { HasOptedOutOfEmail: true });
    await salesforceEmulator.uiUpdate("Lead", fieldLead.Id, { HasOptedOutOfEmail: true });
    await deliverChanges();
    const objectsKey = `salesforce:${ORG}:lead:${objectsLead.Id}`;
    const [withdrawal] = await settledWithdrawal(objectsKey);
    const consents = await consentsOf(objectsLead.IndividualId);
    expect(consents.map((c: any) => c.PrivacyConsentStatus)).toEqual(["OptIn", "OptOut"]);
    const optOut = consents[1];
    expect(withdrawal!.externalId).toBe(optOut.Id);
    expect(optOut).toMatchObject({
      DataUsePurposeId: purposeId,
      ContactPointType: "Email",
      CaptureSource: `withdrawn: HasOptedOutOfEmail = true on ${objectsKey}`,
    });
    expect(optOut.Name).toMatch(/ \| marketing \| consent \| opted out \| withdrawn:[0-9a-f]{32}$/);
    // The proof in D1 says the same: every consent the person gave, withdrawn (privacy has no Salesforce mapping).
    expect((await withdrawnRows(objectsEmail)).map((r: any) => r.consentId).sort()).toEqual(["marketing", "privacy"]);

    await settledWithdrawal(`salesforce:${ORG}:lead:${fieldLead.Id}`);
    const [cleared] = await byEmail("Lead", fieldEmail);
    expect(cleared.Marketing_Consent__c).toBe(false);

    // Delivered again, the same change writes nothing more.
    const again = (await salesforceEmulator.records("ContactPointTypeConsent")).length;
    await salesforceEmulator.uiUpdate("Lead", objectsLead.Id, { Description: "unrelated edit" });
    await deliverChanges();
    await eventually(async () => expect((await leadSnapshot(objectsKey)).body.pendingWakeups.map((w: any) => w.name)).not.toContain("rules"), 20_000);
    expect((await salesforceEmulator.records("ContactPointTypeConsent")).length).toBe(again);
    expect(await withdrawalsOf(objectsKey)).toHaveLength(1);
  });

  it("an opt-out written by this integration itself (its echo) withdraws nothing", { timeout: 120_000 }, async () => {
    const email = `optout.echo.${run}@northwind.example`;
    await settledConsent(await submit("sf_objects", { email, consent_marketing: "on" }));
    const [lead] = await byEmail("Lead", email);
    await deliverChanges();
    const key = `salesforce:${ORG}:lead:${lead.Id}`;
    // As the integration user, through the API: the change event names it as the committer.
    const patched = await fetch(`${env.SALESFORCE_INSTANCE_URL}/services/data/v62.0/composite/sobjects`, {
      method: "PATCH",
      headers: { authorization: "Bearer salesforce-dev-token", "content-type": "application/json" },
      body: JSON.stringify({ allOrNone: false, records: [{ attributes: { type: "Lead" }, Id: lead.Id, HasOptedOutOfEmail: true }] }),
    });
    expect(patched.status).toBe(200);
    await deliverChanges();
    await eventually(async () => {
      const { body } = await leadSnapshot(key);
      expect(body.events.some((e: any) => e.kind === "propertyChanged" && e.properties.HasOptedOutOfEmail !== undefined)).toBe(true);
      expect(body.pendingWakeups.map((w: any) => w.name)).not.toContain("rules");
    }, 20_000);
    expect(await withdrawnRows(email)).toEqual([]);
    expect(await withdrawalsOf(key)).toEqual([]);
  });
});

describe("SalesforceCrm.recordConsents (the adapter the effect runs)", () => {
  const crm = () => new SalesforceCrm({ auth: { accessToken: "salesforce-dev-token" }, instanceUrl: env.SALESFORCE_INSTANCE_URL });
  const name = (suffix: string) => `Adapter test ${run} | ${suffix}`;

  it("a withdrawal writes the opposite: the checkbox false, a ContactPointTypeConsent with OptOut for the same Individual", async () => {
    const email = `withdraws.${run}@northwind.example`;
    const lead = await salesforceEmulator.uiCreate("Lead", { LastName: "Withdraws", Company: "Northwind", Email: email, Marketing_Consent__c: true });
    const person = { objectType: "lead" as const, id: lead.id };
    const write = (status: "OptIn" | "OptOut", at: string, target: ConsentWrite["target"]): ConsentWrite => ({
      key: `${status}-${at}`,
      email,
      person,
      status,
      at,
      target,
    });
    const objects = (suffix: string) =>
      ({ kind: "consentObject", dataUsePurposeId: purposeId, contactPointType: "Email", name: name(suffix), captureSource: "admin" }) as const;

    const outcomes = await crm().recordConsents([
      write("OptOut", "2026-03-12T09:00:00.000Z", { kind: "field", field: "marketing_consent__c", dateField: "Marketing_Consent_Date__c" }),
      write("OptIn", "2026-03-10T15:00:00.000Z", objects("given")),
      write("OptOut", "2026-03-12T09:00:00.000Z", objects("withdrawn")),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    const [after] = await byEmail("Lead", email);
    expect(after).toMatchObject({ Marketing_Consent__c: false, Marketing_Consent_Date__c: "2026-03-12" });
    expect((await consentsOf(after.IndividualId)).map((c: any) => [c.Name, c.PrivacyConsentStatus, c.EffectiveFrom])).toEqual([
      [name("given"), "OptIn", "2026-03-10T15:00:00.000+0000"],
      [name("withdrawn"), "OptOut", "2026-03-12T09:00:00.000+0000"],
    ]);
  });

  it("two consents of one person run at once make one Individual: the second waits for the first, then joins it", async () => {
    const org = "00D5g000004ExmplEAA";
    const email = `together.${run}@northwind.example`;
    const lead = await salesforceEmulator.uiCreate("Lead", { LastName: "Together", Company: "Northwind", Email: email });
    const { executors } = portsFor(env).consumer;
    const pending = (suffix: string): PendingEffect<"recordSalesforceConsent"> => ({
      id: `together-${suffix}-${run}`,
      effect: {
        type: "recordSalesforceConsent",
        crm: "salesforce",
        accountId: org,
        email,
        person: `salesforce:${org}:lead:${lead.id}`,
        status: "OptIn",
        at: "2026-03-10T15:00:00.000Z",
        target: {
          kind: "consentObject",
          dataUsePurposeId: purposeId,
          contactPointType: "Email",
          name: name(`together ${suffix}`),
          captureSource: "form demo",
        },
      },
    });
    const individualsBefore = (await salesforceEmulator.records("Individual")).length;
    const write = (suffix: string) => effectExecutors.recordSalesforceConsent(`salesforce:${org}`, [pending(suffix)], executors);
    const outcomes = (await Promise.all([write("a"), write("b")])).flat();
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([
      { ok: false, waiting: { reason: "another consent of this person is being written", retryAfterMs: 2_000 } },
    ]);
    // Let go of once the run ends: the one that waited goes ahead on its next try, for the same Individual.
    const waited = outcomes[0]!.ok ? "b" : "a";
    expect(await write(waited)).toEqual([expect.objectContaining({ ok: true })]);
    expect((await salesforceEmulator.records("Individual")).length).toBe(individualsBefore + 1);
    const [linked] = await byEmail("Lead", email);
    expect((await consentsOf(linked.IndividualId)).map((c: any) => c.Name).sort()).toEqual([name("together a"), name("together b")]);
    // Held by address and by record, and let go of both.
    const holds = await env.DB.prepare("SELECT person FROM consent_write_holds WHERE person IN (?, ?)")
      .bind(`email:${email}`, `lead:${lead.id.slice(0, 15)}`)
      .all();
    expect(holds.results).toEqual([]);
  });

  it("written twice, the same consent is one record; a person nobody has is retried, a field of the wrong type is refused for good", async () => {
    const email = `twice.${run}@northwind.example`;
    await salesforceEmulator.uiCreate("Lead", { LastName: "Twice", Company: "Northwind", Email: email });
    const once: ConsentWrite = {
      key: "twice",
      email,
      status: "OptIn",
      at: RECEIVED_AT,
      target: { kind: "consentObject", dataUsePurposeId: purposeId, contactPointType: "Email", name: name("twice"), captureSource: "form x" },
    };
    const [first] = await crm().recordConsents([once]);
    const [second] = await crm().recordConsents([once]);
    expect(first).toMatchObject({ ok: true, externalId: expect.stringMatching(/^0ZY/) });
    expect(second).toEqual(first);
    expect((await salesforceEmulator.records("ContactPointTypeConsent")).filter((c: any) => c.Name === name("twice"))).toHaveLength(1);

    const [nobody, wrongType] = await crm().recordConsents([
      { ...once, key: "nobody", email: `nobody.${run}@northwind.example`, target: { kind: "field", field: "Marketing_Consent__c" } },
      { ...once, key: "wrong", target: { kind: "field", field: "Marketing_Consent__c", dateField: "Company" } },
    ]);
    expect(nobody).toMatchObject({ ok: false, failure: { kind: "transient", message: "no Salesforce lead or contact has this address yet" } });
    expect(wrongType).toMatchObject({
      ok: false,
      failure: { kind: "permanent", message: "Lead.Company is a string field, not a date or date/time" },
    });
  });
});

describe("CRM setup: what the consent mappings need of the org", () => {
  const auth = { accessToken: "salesforce-dev-token" };
  const only = (...forms: object[]) => Policy.parse({ ...DEFAULT_POLICY, forms: [...DEFAULT_POLICY.forms!, ...forms] });

  it("POST /admin/crm/setup names the field the active policy maps and the org lacks", async () => {
    const { salesforceConsents } = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
    expect(salesforceConsents).toMatchObject({ ok: false, action: "missing" });
    expect(salesforceConsents.detail).toBe(
      "create Checkbox field Lead.Newsletter_Consent__c and give the integration user edit access (forms.3.consents.1.crm.salesforce); " +
        "create Checkbox field Contact.Newsletter_Consent__c and give the integration user edit access (forms.3.consents.1.crm.salesforce)",
    );
  });

  it("passes when the fields and the Data Use Purpose are there; an unknown purpose is named", async () => {
    const good = only(
      salesforceForm("sf_field", { field: "Marketing_Consent__c", dateField: "Marketing_Consent_Date__c" }),
      salesforceForm("sf_objects", { dataUsePurposeId: purposeId }),
    );
    expect(await checkSalesforceConsents(auth, env.SALESFORCE_INSTANCE_URL, good)).toMatchObject({ ok: true, action: "exists" });
    const unknown = only(salesforceForm("sf_objects", { dataUsePurposeId: "0ZWTe0000000X7FOAU" }));
    expect(await checkSalesforceConsents(auth, env.SALESFORCE_INSTANCE_URL, unknown)).toMatchObject({
      ok: false,
      action: "missing",
      detail: "no Data Use Purpose 0ZWTe0000000X7FOAU in this org (forms.1.consents.1.crm.salesforce)",
    });
    expect(await checkSalesforceConsents(auth, env.SALESFORCE_INSTANCE_URL, Policy.parse(DEFAULT_POLICY))).toMatchObject({
      ok: true,
      action: "skipped",
    });
  });
});

describe("holds on a person's consent writes (D1)", () => {
  it("one holder at a time; a lapsed hold is taken over, a released one is free again", async () => {
    const [ann, bob] = [`hold.ann.${run}@example.com`, `hold.bob.${run}@example.com`];
    const t = (s: number) => new Date(Date.UTC(2026, 2, 10, 15, 0, s));
    expect(await holdPeople(env.DB, [ann, ann, bob], "first", t(0), t(90))).toEqual(new Set([ann, bob]));
    expect(await holdPeople(env.DB, [ann], "second", t(10), t(100))).toEqual(new Set());
    // A consumer that died holding it delays the person's next write until the hold lapses, no longer.
    expect(await holdPeople(env.DB, [ann], "second", t(90), t(180))).toEqual(new Set([ann]));
    await releasePeople(env.DB, "first");
    expect(await holdPeople(env.DB, [bob], "third", t(91), t(181))).toEqual(new Set([bob]));
    expect(await holdPeople(env.DB, [ann], "third", t(91), t(181))).toEqual(new Set());
  });
});
