import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PRODUCT_FIELDS } from "../../src/core/model/product-fields";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { hubspotEmulator, salesforceEmulator } from "../support/emulators";
import { adminHeaders, DEMO, intakeHarness } from "../support/intake";
import { eventually, leadSnapshot, ORIGIN } from "../support/requests";
import { admin, auditEntries, deliverHubSpotWebhooks } from "../support/rule-flows";

/**
 * A form submission all the way: stored and answered, then matched in the CRM, scored, routed,
 * written through the outbox with the real SDKs against the emulators, and enrolled by its record.
 */
const harness = intakeHarness();
const run = Date.now().toString(36);
const HS = PRODUCT_FIELDS.hubspot;
const SF = PRODUCT_FIELDS.salesforce;

/** The demo form with its marketing consent kept in HubSpot's "Marketing Information" subscription type. */
const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;
const SUBSCRIBING_FORM = {
  ...demo,
  key: "news_demo",
  consents: demo.consents!.map((c) => (c.id === "marketing" ? { ...c, crm: { hubspot: { subscriptionId: "7005" } } } : c)),
};

/** The demo form's twin on Salesforce. */
const SALESFORCE_FORM = { ...DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!, key: "sf_demo", crm: "salesforce" as const };

async function submit(formKey: string, fields: Record<string, unknown>) {
  const response = await harness.post(formKey, { ...DEMO, ...fields });
  expect(response.status).toBe(202);
  return ((await response.json()) as { submissionId: string }).submissionId;
}

const submissionOf = async (id: string) =>
  (await (await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${id}`, { headers: adminHeaders }))).json()) as any;

/** Waits until the submission's record has enrolled it, and returns the submission. */
const processed = (id: string) =>
  eventually(async () => {
    const submission = await submissionOf(id);
    if (submission.status !== "processed") throw new Error(`${id} is ${submission.status}: ${submission.steps.map((s: any) => s.step).join(", ")}`);
    return submission;
  }, 45_000);

beforeAll(async () => {
  const policy = { ...DEFAULT_POLICY, forms: [...DEFAULT_POLICY.forms!, SALESFORCE_FORM, SUBSCRIBING_FORM] };
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) })).status).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotProductProperties.ok, setup.hubspotProductProperties.detail).toBe(true);
});

describe("intake: consent in the CRM", () => {
  it("a consent the policy maps to a HubSpot subscription type subscribes the address, with its legal basis; again changes nothing", {
    timeout: 90_000,
  }, async () => {
    const email = `ada.${run}@northwind.example`;
    const first = await submit("news_demo", { email, consent_marketing: "on" });
    await processed(first);
    const statuses = async () => (await hubspotEmulator.preferences()).find((p) => p.recipient === email)?.subscriptionStatuses ?? [];
    const [status] = await eventually(async () => {
      const found = await statuses();
      expect(found).toHaveLength(1);
      return found;
    }, 30_000);
    expect(status).toMatchObject({ id: "7005", status: "SUBSCRIBED", legalBasis: "CONSENT_WITH_NOTICE" });
    expect(status.legalBasisExplanation).toContain("Product news and offers by email: agreed on form news_demo, text version 2026-01");
    expect(status.legalBasisExplanation).toContain(first);

    // The same person again, ticking it again: HubSpot says "already subscribed", which is the state asked for.
    const second = await submit("news_demo", { email, consent_marketing: "on", message: "Still interested." });
    await processed(second);
    const effect = await eventually(async () => {
      const { effects } = (await (await admin(`/admin/effects?status=done&limit=200`)).json()) as any;
      const done = effects.find((e: any) => e.idempotencyKey === `submission:${second}:consent:marketing`);
      if (!done) throw new Error("not done yet");
      return done;
    }, 30_000);
    expect(effect).toMatchObject({ type: "subscribeEmail", attempts: 1, externalId: "7005:SUBSCRIBED" });
    expect(await statuses()).toHaveLength(1);

    // Unticked, nothing is sent; the privacy consent has no subscription type.
    const other = `unticked.${run}@northwind.example`;
    await processed(await submit("news_demo", { email: other }));
    expect((await hubspotEmulator.preferences()).find((p) => p.recipient === other)).toBeUndefined();
  });
});

describe("intake: an unsubscribe withdraws consent", () => {
  const consentsOf = async (email: string) =>
    ((await (await admin(`/admin/consents?email=${encodeURIComponent(email)}`)).json()) as any).records as any[];

  it("an opt-out in HubSpot is recorded as the withdrawal of each consent given, the way they were given; another opt-out adds nothing", {
    timeout: 90_000,
  }, async () => {
    const email = `uma.${run}@northwind.example`;
    await processed(await submit("demo", { email, consent_marketing: "on" }));
    const contact = (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email);
    const key = `hubspot:62515:contact:${contact.id}`;
    expect((await consentsOf(email)).map((r) => `${r.consentId} ${r.action}`)).toEqual(["privacy given", "marketing given"]);

    await hubspotEmulator.uiUpdate("contacts", contact.id, { hs_email_optout: "true" });
    await deliverHubSpotWebhooks();
    await auditEntries(key, "stopped");
    // The record reports the withdrawals to intake as an effect: the outbox carries them out after the rules' run.
    let rows: any[] = [];
    await eventually(async () => {
      rows = await consentsOf(email);
      // Appended: what was given stays on record beside its withdrawal.
      expect(rows.map((r) => `${r.consentId} ${r.action}`)).toEqual(["privacy given", "marketing given", "privacy withdrawn", "marketing withdrawn"]);
    });
    const withdrawn = rows.filter((r) => r.action === "withdrawn");
    for (const row of withdrawn) {
      expect(row).toMatchObject({ email, source: "unsubscribe", detail: `hs_email_optout = true on ${key}` });
      expect(Date.parse(row.recordedAt)).toBeGreaterThan(Date.parse(rows[0].recordedAt));
    }
    expect(withdrawn.map((r) => [r.purpose, r.legalBasis])).toEqual(rows.slice(0, 2).map((r) => [r.purpose, r.legalBasis]));

    // Opted in and out again in the CRM: nothing is given any more, so nothing more is withdrawn.
    await hubspotEmulator.uiUpdate("contacts", contact.id, { hs_email_optout: "false" });
    await hubspotEmulator.uiUpdate("contacts", contact.id, { hs_email_optout: "true" });
    await deliverHubSpotWebhooks();
    await eventually(async () => {
      const { body } = await leadSnapshot(key);
      expect(body.events.filter((e: any) => e.kind === "propertyChanged" && "hs_email_optout" in e.properties)).toHaveLength(3);
      expect(body.pendingWakeups.map((w: any) => w.name)).not.toContain("rules");
    }, 20_000);
    expect(await consentsOf(email)).toHaveLength(4);

    // Given again on a form after the opt-out: it stands, whatever our own write brings back.
    await processed(await submit("demo", { email, consent_marketing: "on", message: "Back again." }));
    await deliverHubSpotWebhooks();
    await eventually(async () => expect((await leadSnapshot(key)).body.pendingWakeups.map((w: any) => w.name)).not.toContain("rules"), 20_000);
    const after = await consentsOf(email);
    expect(after.slice(4).map((r) => `${r.consentId} ${r.action}`)).toEqual(["privacy given", "marketing given"]);
  });
});

describe("intake: a submission becomes a lead", () => {
  it("in HubSpot: a new contact with its score, tier, reasons, owner and why, enrolled from the submission in the browser's zone", {
    timeout: 90_000,
  }, async () => {
    const email = `grace.${run}@northwind.example`;
    const id = await submit("demo", { email, time_zone: "Asia/Tokyo" });
    const submission = await processed(id);
    expect(submission.steps.map((s: any) => s.step)).toEqual([
      "received",
      "validated",
      "verified",
      "stored",
      "matched",
      "scored",
      "routed",
      "queued for the CRM",
      "written to the CRM",
      "enrolled",
    ]);
    const contact = (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email);
    expect(contact.properties).toMatchObject({ firstname: "Jane", lastname: "Doe", company: "Northwind", lead_source: "demo_request" });
    expect(Number(contact.properties[HS.score])).toBeGreaterThan(0);
    expect(["cold", "warm", "hot"]).toContain(contact.properties[HS.tier]);
    expect(contact.properties[HS.reasons]).toMatch(/^[+-]\d+ /);
    expect(contact.properties[HS.model]).toMatch(/@/);
    expect(contact.properties[HS.routingReason]).toContain("weighted round robin");
    expect(["84213371", "84213372"]).toContain(contact.properties.hubspot_owner_id);

    const key = `hubspot:62515:contact:${contact.id}`;
    const written = submission.steps.find((s: any) => s.step === "written to the CRM");
    expect(written.detail).toEqual({ recordKey: key, created: true });
    const { body } = await eventually(async () => {
      const snapshot = await leadSnapshot(key);
      expect(snapshot.status).toBe(200);
      return snapshot;
    });
    const enrolled = body.audit.find((a: any) => a.outcome === "enrolled");
    // The browser's zone, and the plan counts from the submission, not from when the CRM heard of it.
    expect(enrolled.data).toMatchObject({ cadence: "inbound-sales", zone: "Asia/Tokyo", zoneSource: "browser", submissionId: id });
    expect(body.audit.find((a: any) => a.rule === "stale-lead").reason).toContain("submitted demo");
  });

  it("a returning lead keeps its contact and its owner, and counts as a duplicate", { timeout: 90_000 }, async () => {
    const email = `returning.${run}@northwind.example`;
    const existing = await hubspotEmulator.uiCreate("contacts", { email, firstname: "Ret", hubspot_owner_id: "84213372" });
    await hubspotEmulator.webhooks();
    const id = await submit("demo", { email, firstName: "Retta" });
    const submission = await processed(id);
    expect(submission.steps.find((s: any) => s.step === "matched").detail.person).toMatchObject({
      objectType: "contact",
      id: existing.id,
      ownerId: "84213372",
    });
    const contacts = (await hubspotEmulator.objects("contacts")).filter((c: any) => c.properties.email === email);
    expect(contacts).toHaveLength(1);
    expect(contacts[0].properties).toMatchObject({ hubspot_owner_id: "84213372", firstname: "Retta" });
    expect(contacts[0].properties[HS.routingReason]).toContain("returning lead: keeps its owner");
    const duplicates = await env.DB.prepare("SELECT count(*) AS n FROM facts WHERE kind = 'duplicateSeen' AND key = ?")
      .bind(`submission:${id}:duplicate`)
      .first<{ n: number }>();
    expect(duplicates?.n).toBe(1);
  });

  it("in Salesforce: a business email goes to its account's owner, as a new Lead with the product's fields", { timeout: 90_000 }, async () => {
    const domain = `acme-${run}.example`;
    await salesforceEmulator.uiCreate("Account", { Name: "Acme", Website: `https://www.${domain}/`, OwnerId: "0055g00000RepTwAAA" });
    const email = `buyer@sales.${domain}`;
    const id = await submit("sf_demo", { email });
    await processed(id);
    const lead = (await salesforceEmulator.records("Lead")).find((l: any) => l.Email === email);
    expect(lead).toMatchObject({ OwnerId: "0055g00000RepTwAAA", LastName: "Doe", Company: "Northwind", LeadSource: "demo_request" });
    expect(lead[SF.routingReason]).toContain(`(${domain})`);
    expect(Number(lead[SF.score])).toBeGreaterThan(0);
  });

  it("an existing Salesforce contact is not made a lead again", { timeout: 90_000 }, async () => {
    const email = `customer.${run}@globex.example`;
    const contact = await salesforceEmulator.uiCreate("Contact", { LastName: "Customer", Email: email, OwnerId: "0055g00000RepOnAAA" });
    const id = await submit("sf_demo", { email });
    const submission = await processed(id);
    expect(submission.steps.find((s: any) => s.step === "written to the CRM").detail).toMatchObject({ created: false });
    expect((await salesforceEmulator.records("Lead")).filter((l: any) => l.Email === email)).toEqual([]);
    expect((await salesforceEmulator.records("Contact")).find((c: any) => c.Id === contact.id)).toMatchObject({ OwnerId: "0055g00000RepOnAAA" });
  });

  it("loses nothing and creates nothing twice through a CRM outage", { timeout: 120_000 }, async () => {
    const email = `outage.${run}@northwind.example`;
    // Half of HubSpot's answers fail, and some of its writes lose their answer after doing the work.
    await hubspotEmulator.faults({ rate5xx: 0.3, rateLostResponse: 0.2, seed: 7 });
    try {
      const id = await submit("demo", { email });
      await processed(id);
    } finally {
      await hubspotEmulator.faults({});
    }
    expect((await hubspotEmulator.objects("contacts")).filter((c: any) => c.properties.email === email)).toHaveLength(1);
  });
});
