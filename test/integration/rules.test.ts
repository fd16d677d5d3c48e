import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { hubspotEmulator, salesforceEmulator, slackEmulator } from "../support/emulators";
import { eventually, leadSnapshot, send, signedSalesforce } from "../support/requests";
import { admin, allDone, auditEntries, deliverHubSpotWebhooks, runDue } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";

/** A policy with short, calendar-time thresholds, so deadlines can be driven explicitly. */
const TEST_POLICY = {
  ...DEFAULT_POLICY,
  rules: {
    staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: "PT1H" },
    stageGates: { ...DEFAULT_POLICY.rules.stageGates!, gracePeriod: "PT30M" },
  },
};

async function auditOf(key: string, outcome: string) {
  const { entries, body } = await auditEntries(key, outcome);
  return { entry: entries[0], body };
}

/** The revert is due at `revertAt`: run it, and see the deal back in `stage` in the CRM. */
async function revertedInHubSpot(key: string, revertAt: string, dealId: string, stage: string) {
  await runDue(key, Date.parse(revertAt) + 1_000);
  await auditOf(key, "reverted");
  await eventually(async () => {
    const crmDeal = (await hubspotEmulator.objects("deals")).find((d: any) => d.id === dealId);
    expect(crmDeal.properties.dealstage).toBe(stage);
  }, 30_000);
}

beforeAll(async () => {
  const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(TEST_POLICY) });
  expect(put.status).toBe(201);
  expect(((await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any).hubspot.ok).toBe(true);
  await hubspotEmulator.webhooks();
});

/** A contact of Alex's made in the HubSpot UI and heard of through its webhook: its key and its stale-lead deadline. */
async function staleCandidate(name: string, score: string) {
  const contact = await hubspotEmulator.uiCreate("contacts", {
    email: `${name}-${Date.now()}@example.com`,
    hubspot_owner_id: "84213371",
    lead_follow_up_score: score,
  });
  await deliverHubSpotWebhooks();
  const key = `hubspot:62515:contact:${contact.id}`;
  const { entry } = await auditOf(key, "clock started");
  return { contact, key, deadline: Date.parse(entry.data.deadline) };
}

describe("stale lead, HubSpot", () => {
  it("reassigns a hot lead nobody touched: owner changed in the CRM, HIGH task, Slack nudge", { timeout: 60_000 }, async () => {
    const { contact, key, deadline } = await staleCandidate("stale", "80");

    await runDue(key, deadline + 1_000);
    const { entry: reassigned } = await auditOf(key, "reassigned");
    expect(reassigned.data).toMatchObject({ from: "84213371", to: "84213372" });
    expect(reassigned.data.routing_reason).toContain("weighted round robin");
    expect(reassigned.policyVersion).toBeGreaterThan(0);

    await allDone(key, 3);
    const crmContact = (await hubspotEmulator.objects("contacts")).find((c: any) => c.id === contact.id);
    expect(crmContact.properties.hubspot_owner_id).toBe("84213372");
    const task = (await hubspotEmulator.objects("tasks")).find(
      (t: any) => t.associations?.contacts?.includes?.(contact.id) || JSON.stringify(t.associations ?? {}).includes(`"${contact.id}"`),
    );
    expect(task?.properties).toMatchObject({ hs_task_priority: "HIGH", hubspot_owner_id: "84213372" });
    expect((await slackEmulator.messages()).some((m: any) => m.channel?.startsWith("D") || m.text?.includes("reassigned to you"))).toBe(true);

    // The owner change echoes back as our own write: it does not count as rep activity.
    const echo = await deliverHubSpotWebhooks();
    expect(echo.some((e) => e.changeSource === "INTEGRATION" && e.sourceId === "54321")).toBe(true);
  });

  it("parks a cold lead in nurture", { timeout: 60_000 }, async () => {
    const { contact, key, deadline } = await staleCandidate("cold", "5");
    await runDue(key, deadline + 1_000);
    await auditOf(key, "parked");
    await allDone(key, 1);
    const crmContact = (await hubspotEmulator.objects("contacts")).find((c: any) => c.id === contact.id);
    expect(crmContact.properties.hs_lead_status).toBe("BAD_TIMING");
  });

  it("a deadline's decision writes the record's D1 row in the same alarm, with what it read fresh", { timeout: 60_000 }, async () => {
    const { contact, key, deadline } = await staleCandidate("cold-read", "5");
    // Changed in HubSpot without telling us: only the decision's fresh read sees it.
    await hubspotEmulator.uiUpdate("contacts", contact.id, { lead_follow_up_score: "7" });
    await hubspotEmulator.webhooks();

    await runDue(key, deadline + 1_000);
    const { body } = await leadSnapshot(key);
    expect(body.audit.map((a: any) => a.outcome)).toContain("parked");
    expect(body.pendingWakeups.map((w: any) => w.name)).not.toContain("project-to-d1");
    const row = await env.DB.prepare("SELECT state_json FROM records WHERE record_key = ?").bind(key).first<{ state_json: string }>();
    expect(JSON.parse(row!.state_json).properties.lead_follow_up_score.value).toBe("7");
  });

  it("activity resets the clock: nothing happens at the old deadline", { timeout: 60_000 }, async () => {
    const { contact, key, deadline } = await staleCandidate("busy", "80");
    await hubspotEmulator.uiUpdate("contacts", contact.id, { hs_lead_status: "IN_PROGRESS" });
    await deliverHubSpotWebhooks();
    const { entry: reset } = await auditOf(key, "clock reset");
    expect(Date.parse(reset.data.deadline)).toBeGreaterThan(deadline);
    // Exactly the old deadline: the reset moved the real one later.
    await runDue(key, deadline);
    const { body } = await leadSnapshot(key);
    expect(body.audit.map((a: any) => a.outcome)).not.toContain("reassigned");
    expect(body.pendingWakeups.map((w: any) => w.name)).toContain("stale-lead:check");
  });
});

describe("stale lead, Salesforce", () => {
  it("reassigns a hot lead: OwnerId changed, task created, Slack nudge", { timeout: 60_000 }, async () => {
    const lead = await salesforceEmulator.uiCreate("Lead", {
      LastName: "Stale",
      Company: "Acme",
      OwnerId: "0055g00000RepOnAAA",
      Lead_Score__c: "90",
    });
    const changes = await salesforceEmulator.webhooks();
    expect((await send(await signedSalesforce(changes))).status).toBe(200);
    const key = `salesforce:${TEST_BINDINGS.SALESFORCE_ORG_ID}:lead:${lead.id}`;
    const { entry } = await auditOf(key, "clock started");
    await runDue(key, Date.parse(entry.data.deadline) + 1_000);
    const { entry: reassigned } = await auditOf(key, "reassigned");
    expect(reassigned.data).toMatchObject({ from: "0055g00000RepOnAAA", to: "0055g00000RepTwAAA" });
    await allDone(key, 3);
    const record = (await salesforceEmulator.records("Lead")).find((l: any) => l.Id === lead.id);
    expect(record.OwnerId).toBe("0055g00000RepTwAAA");
    const task = (await salesforceEmulator.records("Task")).find((t: any) => t.WhoId === lead.id);
    expect(task).toMatchObject({ Priority: "High", OwnerId: "0055g00000RepTwAAA" });
  });
});

describe("stage gate, HubSpot", () => {
  it("nudges, reverts after the grace period, and ignores its own revert's echo", { timeout: 60_000 }, async () => {
    const deal = await hubspotEmulator.uiCreate("deals", {
      dealname: `Gate ${Date.now()}`,
      dealstage: "qualifiedtobuy",
      hubspot_owner_id: "84213371",
      amount: "5000",
    });
    await deliverHubSpotWebhooks();
    const key = `hubspot:62515:deal:${deal.id}`;
    await eventually(async () => expect((await leadSnapshot(key)).status).toBe(200));
    await hubspotEmulator.uiUpdate("deals", deal.id, { dealstage: "contractsent" });
    await deliverHubSpotWebhooks();
    const { entry: nudged } = await auditOf(key, "nudged");
    expect(nudged.data).toMatchObject({ missing: ["hs_next_step"], previousStage: "qualifiedtobuy" });
    await eventually(async () => expect((await slackEmulator.messages()).some((m: any) => m.text?.includes("hs_next_step"))).toBe(true));

    await revertedInHubSpot(key, nudged.data.revertAt, deal.id, "qualifiedtobuy");
    const echo = await deliverHubSpotWebhooks();
    expect(echo.some((e) => e.propertyName === "dealstage" && e.changeSource === "INTEGRATION")).toBe(true);
    const { entry: ignored, body } = await auditOf(key, "ignored");
    expect(ignored.reason).toContain("loop guard");
    expect(body.audit.filter((a: any) => a.outcome === "nudged")).toHaveLength(1);
  });
});

describe("stage gate, a deal first seen entering the gate (it predates the install)", () => {
  it("HubSpot: the stage to go back to comes from the property's history", { timeout: 60_000 }, async () => {
    const deal = await hubspotEmulator.uiCreate("deals", {
      dealname: `Old deal ${Date.now()}`,
      dealstage: "qualifiedtobuy",
      hubspot_owner_id: "84213371",
      amount: "5000",
    });
    await hubspotEmulator.webhooks(); // created before the Worker was subscribed: never delivered
    await hubspotEmulator.uiUpdate("deals", deal.id, { dealstage: "contractsent" });
    await deliverHubSpotWebhooks();
    const key = `hubspot:62515:deal:${deal.id}`;
    const { entry: nudged } = await auditOf(key, "nudged");
    expect(nudged.data).toMatchObject({ previousStage: "qualifiedtobuy", previousStageFrom: "the CRM's history" });

    await revertedInHubSpot(key, nudged.data.revertAt, deal.id, "qualifiedtobuy");
  });

  it("Salesforce: the stage to go back to comes from OpportunityHistory", { timeout: 60_000 }, async () => {
    const opportunity = await salesforceEmulator.uiCreate("Opportunity", {
      Name: `Old opportunity ${Date.now()}`,
      StageName: "Prospecting",
      CloseDate: "2026-12-31",
      Amount: 5000,
      OwnerId: "0055g00000RepOnAAA",
    });
    await salesforceEmulator.uiUpdate("Opportunity", opportunity.id, { Amount: 7000 }); // a snapshot with the same stage
    await salesforceEmulator.webhooks(); // before the install: never delivered
    await salesforceEmulator.uiUpdate("Opportunity", opportunity.id, { StageName: "Negotiation/Review" });
    const events = await salesforceEmulator.webhooks();
    expect((await send(await signedSalesforce(events))).status).toBe(200);
    const key = `salesforce:${TEST_BINDINGS.SALESFORCE_ORG_ID}:opportunity:${opportunity.id}`;
    const { entry: nudged } = await auditOf(key, "nudged");
    expect(nudged.data).toMatchObject({ missing: ["NextStep"], previousStage: "Prospecting", previousStageFrom: "the CRM's history" });

    await runDue(key, Date.parse(nudged.data.revertAt) + 1_000);
    await auditOf(key, "reverted");
    await eventually(async () => {
      const stored = (await salesforceEmulator.records("Opportunity")).find((o: any) => o.Id === opportunity.id);
      expect(stored.StageName).toBe("Prospecting");
    }, 30_000);
  });
});

describe("policy admin", () => {
  it("refuses an invalid policy with path-level reasons and keeps the active one", async () => {
    const before = (await (await admin("/admin/policy")).json()) as any;
    const bad = { ...TEST_POLICY, teams: [{ ...TEST_POLICY.teams[0], members: ["nobody"] }], timeZone: "Mars/Base" };
    const response = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(bad) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: "timeZone" })]));
    expect(((await (await admin("/admin/policy")).json()) as any).version).toBe(before.version);
    const schema = (await (await admin("/admin/policy/schema")).json()) as any;
    expect(schema.properties.reps).toBeDefined();
  });
});
