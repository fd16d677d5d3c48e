import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkSalesforceTaskKey } from "../../src/crm/crm-setup";
import { SalesforceCrm } from "../../src/crm/salesforce-crm";
import type { TaskWrite } from "../../src/crm/crm-port";
import { salesforceEmulator } from "../support/emulators";
import { TEST_BINDINGS } from "../support/test-bindings";

const app = { clientId: TEST_BINDINGS.SALESFORCE_CLIENT_ID, clientSecret: TEST_BINDINGS.SALESFORCE_CLIENT_SECRET };
let serial = 0;

async function newLead(): Promise<string> {
  return String((await salesforceEmulator.uiCreate("Lead", { LastName: `Sign-in ${++serial}`, Company: "Example" })).id);
}

function taskFor(leadId: string): TaskWrite {
  return {
    key: `sign-in-${Date.now()}-${++serial}`,
    task: {
      type: "createTask",
      crm: "salesforce",
      accountId: TEST_BINDINGS.SALESFORCE_ORG_ID,
      objectType: "lead",
      objectId: leadId,
      ownerId: TEST_BINDINGS.SALESFORCE_INTEGRATION_USER_ID,
      subject: "Call back",
      body: "",
      dueAt: "2026-11-24T15:00:00.000Z",
      priority: "MEDIUM",
      channel: "CALL",
    },
  };
}

const callsTo = async (path: string, since: number) => (await salesforceEmulator.calls()).slice(since).filter((c: any) => c.path === path);

describe("signing in to Salesforce with the app's client credentials", () => {
  it("signs in before the first call, and again, transparently, when Salesforce ends the session", async () => {
    let clock = Date.now();
    const crm = new SalesforceCrm({ instanceUrl: env.SALESFORCE_INSTANCE_URL, auth: app, now: () => clock });
    const before = (await salesforceEmulator.calls()).length;
    const first = taskFor(await newLead());
    expect((await crm.createTasks([first]))[0]).toMatchObject({ ok: true });

    clock += 2 * 60 * 60_000; // the org's session timeout
    await salesforceEmulator.expireSessions();
    const second = taskFor(await newLead());
    const outcome = (await crm.createTasks([second]))[0];
    expect(outcome).toMatchObject({ ok: true });

    // One refused call (401) after the expiry, answered by a new session and the same call again.
    const statuses = (await salesforceEmulator.calls())
      .slice(before)
      .filter((c: any) => c.path.endsWith("/composite/sobjects/Task/Idempotency_Key__c") || c.path === "/services/oauth2/token")
      .map((c: any) => `${c.path === "/services/oauth2/token" ? "sign-in" : "upsert"} ${c.status}`);
    expect(statuses.slice(-3)).toEqual(["upsert 401", "sign-in 200", "upsert 200"]);
    const tasks = (await salesforceEmulator.records("Task")).filter((t: any) => [first.key, second.key].includes(t.Idempotency_Key__c));
    expect(tasks).toHaveLength(2);
  });

  it("does not renew, again and again, a session refused right after it was issued", async () => {
    // Another app: its own session, on a clock that stands still, so the session is always brand new.
    const crm = new SalesforceCrm({
      instanceUrl: env.SALESFORCE_INSTANCE_URL,
      auth: { clientId: "salesforce-second-client", clientSecret: "salesforce-second-client-secret" },
      now: () => 0,
    });
    expect((await crm.createTasks([taskFor(await newLead())]))[0]).toMatchObject({ ok: true });
    const before = (await salesforceEmulator.calls()).length;
    await salesforceEmulator.expireSessions();
    const [outcome] = await crm.createTasks([taskFor(await newLead())]);
    expect(outcome).toMatchObject({
      ok: false,
      failure: { kind: "transient", message: expect.stringMatching(/refused a session it had just issued/) },
    });
    // One refused call and no sign-in loop.
    expect((await salesforceEmulator.calls()).slice(before).map((c: any) => c.status)).toEqual([401]);
  });

  it("a refused sign-in fails the call for good, says why, and never shows the secret", async () => {
    const crm = new SalesforceCrm({ instanceUrl: env.SALESFORCE_INSTANCE_URL, auth: { ...app, clientSecret: "not-the-secret" } });
    const before = (await salesforceEmulator.calls()).length;
    const [outcome] = await crm.createTasks([taskFor(await newLead())]);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: "permanent" } });
    const message = outcome!.ok ? "" : outcome!.failure.message;
    expect(message).toMatch(/refused the client credentials sign-in \(HTTP 400\): invalid_client/);
    expect(message).not.toContain("not-the-secret");
    // Nothing reached the REST API without a session.
    expect(await callsTo("/services/data/v62.0/composite/sobjects/Task/Idempotency_Key__c", before)).toEqual([]);
  });

  it("the setup check signs in the same way", async () => {
    expect(await checkSalesforceTaskKey(app, env.SALESFORCE_INSTANCE_URL)).toMatchObject({ ok: true, action: "exists" });
    expect(await checkSalesforceTaskKey({ ...app, clientId: "nobody" }, env.SALESFORCE_INSTANCE_URL)).toMatchObject({
      ok: false,
      action: "failed",
      detail: expect.stringMatching(/invalid_client_id/),
    });
  });
});
