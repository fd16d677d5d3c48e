import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { dryRun, recentHistory } from "../../src/console/dry-run";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { type DecisionDifference, decisionLine, differencesFromLive } from "../../src/core/rules/replay-parity";
import { simulate } from "../../src/core/rules/simulate";
import { activePolicy } from "../../src/storage/policies";
import { hubspotEmulator, salesforceEmulator } from "../support/emulators";
import { adminHeaders, DEMO, intakeHarness } from "../support/intake";
import { eventually, leadSnapshot, ORIGIN, send, signedSalesforce } from "../support/requests";
import { admin, auditEntries, deliverHubSpotWebhooks, runDue } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * Issue 27: the dry run predicted "stale-lead: parked" for a form lead scored 80 that the live run
 * had reassigned, because the score never reached what the replay saw. Now every rule run records
 * what it saw (the CRM's answers, the rotation's picks, its instant, its random draws, the events
 * it had received) and the replay is given the same: replaying the records of the walkthroughs
 * under the unchanged policy must reproduce every live decision.
 */
const harness = intakeHarness();
const run = Date.now().toString(36);
/** Alarms come late (a busy isolate, a retried run): the replay must run each deadline when the live record did. */
const LATE_MS = 7 * 60_000;

const POLICY = {
  ...DEFAULT_POLICY,
  rules: {
    ...DEFAULT_POLICY.rules,
    staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: "PT1H" },
    stageGates: { ...DEFAULT_POLICY.rules.stageGates!, gracePeriod: "PT30M" },
  },
};

async function deliverSalesforce() {
  const events = await salesforceEmulator.webhooks();
  if (events.length > 0) expect((await send(await signedSalesforce(events))).status).toBe(200);
}

/** Waits until no record has events its rules have not seen. */
async function settled(keys: string[]) {
  await eventually(async () => {
    for (const key of keys) {
      const { status, body } = await leadSnapshot(key);
      if (status !== 200) throw new Error(`${key} is not projected yet`);
      if (body.pendingWakeups.some((w: any) => w.name === "rules")) throw new Error(`${key} has events to run`);
    }
  }, 30_000);
}

/** Runs every rule deadline due before `horizon`, each LATE_MS after it was due, delivering the CRMs' echoes between. */
async function driveClock(keys: string[], horizon: number) {
  for (let round = 0; round < 50; round++) {
    let ran = 0;
    for (const key of keys) {
      const { body } = await leadSnapshot(key);
      const due = body.pendingWakeups.filter((w: any) => w.name.includes(":") && Date.parse(w.dueAt) <= horizon);
      for (const wakeup of due) {
        await runDue(key, Date.parse(wakeup.dueAt) + LATE_MS);
        ran++;
      }
    }
    await deliverHubSpotWebhooks();
    await deliverSalesforce();
    await settled(keys);
    if (ran === 0) return;
  }
  throw new Error("deadlines kept coming");
}

beforeAll(async () => {
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(POLICY) })).status).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotProductProperties.ok, setup.hubspotProductProperties.detail).toBe(true);
  await hubspotEmulator.webhooks();
  await salesforceEmulator.webhooks();
});

describe("the dry run replays what happened", () => {
  it("replaying the walkthroughs' records under the unchanged policy reproduces every live decision", { timeout: 240_000 }, async () => {
    // The form lead: scored hot at intake, routed, written, enrolled in a cadence (random delays).
    const response = await harness.post("demo", { ...DEMO, email: `parity.${run}@northwind.example` });
    expect(response.status).toBe(202);
    const { submissionId } = (await response.json()) as { submissionId: string };
    const submission = await eventually(async () => {
      const found = (await (
        await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${submissionId}`, { headers: adminHeaders }))
      ).json()) as any;
      if (found.status !== "processed") throw new Error(`${submissionId} is ${found.status}`);
      return found;
    }, 60_000);
    const formLead = submission.steps.find((s: any) => s.step === "written to the CRM").detail.recordKey as string;

    // Leads made in the CRMs: a hot and a cold one in HubSpot, a hot one in Salesforce; a deal moved into a gated stage.
    const hot = await hubspotEmulator.uiCreate("contacts", {
      email: `hot.${run}@example.com`,
      hubspot_owner_id: "84213371",
      lead_follow_up_score: "80",
    });
    const cold = await hubspotEmulator.uiCreate("contacts", {
      email: `cold.${run}@example.com`,
      hubspot_owner_id: "84213371",
      lead_follow_up_score: "5",
    });
    const deal = await hubspotEmulator.uiCreate("deals", {
      dealname: `Parity ${run}`,
      dealstage: "qualifiedtobuy",
      hubspot_owner_id: "84213371",
      amount: "5000",
    });
    const lead = await salesforceEmulator.uiCreate("Lead", {
      LastName: `Parity ${run}`,
      Company: "Acme",
      OwnerId: "0055g00000RepOnAAA",
      Lead_Score__c: "90",
    });
    await deliverHubSpotWebhooks();
    await deliverSalesforce();
    const dealKey = `hubspot:62515:deal:${deal.id}`;
    await eventually(async () => expect((await leadSnapshot(dealKey)).status).toBe(200));
    await hubspotEmulator.uiUpdate("deals", deal.id, { dealstage: "contractsent" });
    await deliverHubSpotWebhooks();
    const keys = [
      formLead,
      `hubspot:62515:contact:${hot.id}`,
      `hubspot:62515:contact:${cold.id}`,
      dealKey,
      `salesforce:${TEST_BINDINGS.SALESFORCE_ORG_ID}:lead:${lead.id}`,
    ];
    await auditEntries(dealKey, "nudged");
    await settled(keys);

    // A day of deadlines, every alarm late: stale checks, reassignments, the gate's revert, cadence steps and SLAs.
    const horizon = Date.now() + 26 * 3_600_000;
    await driveClock(keys, horizon);
    const { body: formLeadNow } = await leadSnapshot(formLead);
    expect(formLeadNow.audit.map((a: any) => a.outcome)).toContain("reassigned");

    const active = await activePolicy(env.DB);
    const now = new Date(horizon + LATE_MS + 60_000);
    const result = await dryRun(env, active, active, now, 30);
    expect(result.live.records).toBe(keys.length);
    expect(result.live.decisions).toBeGreaterThanOrEqual(15);
    // As lines, so a difference reads as what happened against what the replay made of it.
    const lines = (d: DecisionDifference) => ({ recordKey: d.recordKey, live: d.current.map(decisionLine), replay: d.candidate.map(decisionLine) });
    expect(result.live.differences.map(lines)).toEqual([]);
    expect(result.differences).toEqual([]);
    const outcomes = ["clock started", "reassigned", "parked", "nudged", "reverted", "enrolled", "step written"];
    const made = new Set((await Promise.all(keys.map(async (k) => (await leadSnapshot(k)).body.audit))).flat().map((a: any) => a.outcome));
    for (const outcome of outcomes) expect(made, outcome).toContain(outcome);

    // What the replay stood on: without the recorded runs, it guesses (a fresh rotation, reads from
    // the events alone, no alarm late), and disagrees with what happened.
    const history = await recentHistory(env, now, 30);
    const guessed = await simulate(history.events, active, now);
    expect(differencesFromLive(history.audit, guessed).length).toBeGreaterThan(0);
  });
});
