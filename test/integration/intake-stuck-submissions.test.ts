import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import entry from "../../src/index";
import { evaluateAlerts } from "../../src/alerts/alerts-chore";
import { DEFAULT_ALERT_SETTINGS } from "../../src/core/alerts/alerts";
import { loadConfig } from "../../src/env/config";
import { PRODUCT_FIELDS } from "../../src/core/model/product-fields";
import { loadSubmission, setSubmissionStatus } from "../../src/storage/intake-submissions";
import { savePolicy } from "../../src/storage/policies";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { hubspotEmulator } from "../support/emulators";
import { adminHeaders, DEMO, intakeHarness } from "../support/intake";
import { eventually, ORIGIN } from "../support/requests";
import { admin } from "../support/rule-flows";
import { alertPorts } from "../support/alert-ports";

/*
 * A submission never stays stuck: an owner the CRM refuses falls back (the team's fallback owner,
 * then none) and is reported; a submission that cannot go on ends dead, with its reason, alerted
 * about and retried by an admin (issue 23, intake 1).
 */
const harness = intakeHarness();
const run = Date.now().toString(36);
const worker = entry as unknown as Required<Pick<ExportedHandler<Env>, "scheduled">>;
const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;
/** A custom property the portal does not have yet (an admin mapped the form before creating it). */
const NOTES = `demo_notes_${run}`;
const NOTES_FORM = {
  ...demo,
  key: "notes_demo",
  fields: demo.fields.map((f) => (f.name === "message" ? { ...f, crm: { hubspot: NOTES } } : f)),
};

/** The demo team's only rep left: HubSpot no longer has their owner id. */
function policyWith(fallbackOwner: string) {
  return Policy.parse({
    ...DEFAULT_POLICY,
    reps: [...DEFAULT_POLICY.reps!, { id: "gone", name: "Rep Who Left", owners: { hubspot: "207" }, timeZone: "America/New_York" }],
    teams: DEFAULT_POLICY.teams!.map((t) => ({ ...t, members: ["gone"], fallbackOwners: { ...t.fallbackOwners, hubspot: fallbackOwner } })),
    forms: [...DEFAULT_POLICY.forms!, NOTES_FORM],
  });
}

async function submit(formKey: string, fields: Record<string, unknown>) {
  const response = await harness.post(formKey, { ...DEMO, ...fields });
  expect(response.status).toBe(202);
  return ((await response.json()) as { submissionId: string }).submissionId;
}

const submissionOf = async (id: string) =>
  (await (await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${id}`, { headers: adminHeaders }))).json()) as any;
const inStatus = (id: string, status: string) =>
  eventually(async () => {
    const submission = await submissionOf(id);
    if (submission.status !== status) throw new Error(`${id} is ${submission.status}: ${submission.steps.map((s: any) => s.step).join(", ")}`);
    return submission;
  }, 45_000);
const contactOf = async (email: string) => (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email);

beforeAll(async () => {
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotProductProperties.ok, setup.hubspotProductProperties.detail).toBe(true);
});

describe("an owner the CRM refuses", () => {
  it("a rep HubSpot no longer has: the lead goes to the team's fallback owner, and the submission says so", { timeout: 90_000 }, async () => {
    await savePolicy(env.DB, policyWith("84213372"), new Date());
    const email = `left-rep.${run}@northwind.example`;
    const id = await submit("demo", { email });
    const submission = await inStatus(id, "processed");
    expect(submission.steps.find((s: any) => s.step === "routed").detail).toMatchObject({ ownerId: "207" });
    expect(submission.steps.find((s: any) => s.step === "owner refused").detail).toMatchObject({
      refused: [{ ownerId: "207", reason: expect.stringContaining("INVALID_OPTION") }],
      ownerId: "84213372",
    });
    expect(submission.steps.find((s: any) => s.step === "written to the CRM").detail).toMatchObject({ created: true, ownerId: "84213372" });
    const contact = await contactOf(email);
    expect(contact.properties.hubspot_owner_id).toBe("84213372");
    expect(contact.properties[PRODUCT_FIELDS.hubspot.routingReason]).toContain(
      "HubSpot refused owner 207: written with the team's fallback owner 84213372",
    );
  });

  it("the fallback owner refused too: the lead is written without an owner, and both refusals are reported", { timeout: 90_000 }, async () => {
    await savePolicy(env.DB, policyWith("208"), new Date());
    const email = `no-owner.${run}@northwind.example`;
    const submission = await inStatus(await submit("demo", { email }), "processed");
    expect(submission.steps.find((s: any) => s.step === "owner refused").detail).toMatchObject({
      refused: [{ ownerId: "207" }, { ownerId: "208" }],
      ownerId: null,
    });
    const contact = await contactOf(email);
    expect(contact.properties.hubspot_owner_id ?? "").toBe("");
    expect(contact.properties[PRODUCT_FIELDS.hubspot.routingReason]).toContain("HubSpot refused owner 208: written with no owner");
  });
});

describe("a submission that cannot go on ends dead, is alerted about and retried", () => {
  it("its lead's write refused for good (a property the portal lacks): dead with the reason, an alert, and after the fix a retry goes through", {
    timeout: 120_000,
  }, async () => {
    await savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, forms: [...DEFAULT_POLICY.forms!, NOTES_FORM] }), new Date());
    const email = `write-dies.${run}@northwind.example`;
    const id = await submit("notes_demo", { email });
    const dead = await inStatus(id, "dead");
    expect(dead.steps.at(-1)).toMatchObject({
      detail: {
        reason: "its lead's write to the CRM failed for good",
        error: expect.stringContaining(NOTES),
        retry: `POST /admin/submissions/${id}/retry`,
      },
    });
    expect(await contactOf(email)).toBeUndefined();

    // The alert says so (and which), until it is dealt with.
    const config = loadConfig(env);
    const deps = { settings: DEFAULT_ALERT_SETTINGS, checkConnections: async () => [] };
    const alerted = await evaluateAlerts(env, alertPorts(env, config), new Date(), deps);
    expect(alerted.firing).toContain("dead-submissions");
    const [alert] = (await env.DB.prepare("SELECT detail FROM alerts WHERE id = 'dead-submissions'").all<{ detail: string }>()).results;
    expect(alert!.detail).toContain(id);

    // The admin creates the property, and retries: the write that died is written anew.
    const created = await fetch(`${env.HUBSPOT_API_BASE}/crm/properties/2026-09/contacts`, {
      method: "POST",
      headers: { authorization: "Bearer hubspot-dev-token", "content-type": "application/json" },
      body: JSON.stringify({ name: NOTES, label: "Demo notes", type: "string", fieldType: "textarea", groupName: "contactinformation" }),
    });
    expect(created.status).toBe(201);
    const retry = await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${id}/retry`, { method: "POST", headers: adminHeaders }));
    expect(retry.status).toBe(200);
    await inStatus(id, "processed");
    expect((await contactOf(email)).properties[NOTES]).toBe(DEMO.message);
    await evaluateAlerts(env, alertPorts(env, config), new Date(Date.now() + 60_000), deps);
    const [after] = (await env.DB.prepare("SELECT detail FROM alerts WHERE id = 'dead-submissions'").all<{ detail: string }>()).results;
    expect(after!.detail).not.toContain(id);
  });

  it("one nothing moves on (left processing) is given up by the cron after six hours, and an admin can retry it", async () => {
    // Six hours (src/intake/dead-submissions.ts STUCK_AFTER_MS) and a minute ago.
    const then = Date.now() - 6 * 60 * 60_000 - 60_000;
    const old = intakeHarness({ now: () => new Date(then) });
    const response = await old.post("demo", { ...DEMO, email: `stuck.${run}@northwind.example` });
    const { submissionId: id } = (await response.json()) as { submissionId: string };
    // As a consumer that died after taking it: processing, and no message left to move it on.
    await setSubmissionStatus(env.DB, id, "processing", new Date(then), { from: ["received"] });
    expect((await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${id}/retry`, { method: "POST", headers: adminHeaders }))).status).toBe(409);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, createExecutionContext());
    const dead = await loadSubmission(env.DB, id);
    expect(dead?.status).toBe("dead");
    expect(dead?.steps.at(-1)?.detail).toMatchObject({
      reason: expect.stringContaining("processing since"),
      retry: `POST /admin/submissions/${id}/retry`,
    });
    const retry = await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${id}/retry`, { method: "POST", headers: adminHeaders }));
    expect(await retry.json()).toEqual({ submissionId: id, status: "received", queued: true });
  });
});
