import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EffectRequest } from "../../src/core/model/effects";
import { ensureHubSpotLeadSource, ensureHubSpotProductProperties, ensureHubSpotTaskKey } from "../../src/crm/crm-setup";
import { HubSpotCrm } from "../../src/crm/hubspot-crm";
import { listHubSpotOwners } from "../../src/crm/owners";
import { enqueueEffects } from "../../src/outbox/effect-queue";
import { hubspotEmulator } from "../support/emulators";
import { eventually } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * HubSpot's numeric paths (/crm/v3, /crm/v4, /communication-preferences/v3) lose support in
 * 2027. With the emulator told they are already retired (it answers them 410), everything the
 * Worker asks of HubSpot still works: every call it makes is on the dated 2026-09 paths.
 */
const access = { accessToken: TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, basePath: env.HUBSPOT_API_BASE };
const portal = TEST_BINDINGS.HUBSPOT_PORTAL_ID;
const run = Date.now().toString(36);

beforeAll(async () => {
  await hubspotEmulator.retire(new Date(Date.now() - 60_000).toISOString());
  await hubspotEmulator.clearCalls();
});

afterAll(async () => {
  await hubspotEmulator.retire(null);
});

async function apiCalls(): Promise<{ method: string; path: string; status: number }[]> {
  return hubspotEmulator.calls();
}

describe("every HubSpot call of the Worker is on a dated path", () => {
  it("the emulator refuses a retired numeric path", async () => {
    const refused = await fetch(`${env.HUBSPOT_API_BASE}/crm/v3/objects/contacts?limit=1`, {
      headers: { authorization: `Bearer ${TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN}` },
    });
    expect(refused.status).toBe(410);
    const dated = await fetch(`${env.HUBSPOT_API_BASE}/crm/objects/2026-09/contacts?limit=1`, {
      headers: { authorization: `Bearer ${TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN}` },
    });
    expect(dated.status).toBe(200);
    await hubspotEmulator.clearCalls();
  });

  it("setup, owners, connection check, people, records, tasks and subscriptions all work", async () => {
    expect(await ensureHubSpotTaskKey(access.accessToken, access.basePath)).toMatchObject({ ok: true });
    expect(await ensureHubSpotLeadSource(access.accessToken, access.basePath, "lead_follow_up_source")).toMatchObject({ ok: true });
    expect(await ensureHubSpotProductProperties(access.accessToken, access.basePath)).toMatchObject({ ok: true });
    const owners = await listHubSpotOwners(access);
    expect(owners.ok && owners.value.length).toBeGreaterThan(0);

    const crm = new HubSpotCrm(access);
    expect(await crm.checkConnection()).toMatchObject({ ok: true });
    const email = `dated-${run}@example.com`;
    const [written] = await crm.upsertPeople([{ email, objectType: "contact", properties: { firstname: "Dee" } }]);
    expect(written).toMatchObject({ ok: true, created: true });
    const id = (written as { id: string }).id;
    expect(await crm.findPeople([email])).toMatchObject({ ok: true, value: [{ id, email }] });
    expect(await crm.updateRecords([{ objectType: "contact", objectId: id, properties: { lastname: "Dated" } }])).toEqual([
      { ok: true, externalId: id },
    ]);
    expect(await crm.getRecord("contact", id, ["lastname"], ["lastname"])).toMatchObject({
      ok: true,
      value: { id, properties: { lastname: "Dated" }, previous: { lastname: null } },
    });
    const key = `dated-${run}-task`;
    const [task] = await crm.createTasks([
      {
        key,
        task: {
          type: "createTask",
          crm: "hubspot",
          accountId: portal,
          objectType: "contact",
          objectId: id,
          ownerId: "84213371",
          subject: "Call",
          body: "",
          dueAt: "2026-11-24T14:00:00.000Z",
          priority: "MEDIUM",
          channel: "CALL",
        },
      },
    ]);
    expect(task).toMatchObject({ ok: true });
    expect(await crm.updateTasks([key], { kind: "complete" })).toMatchObject({ ok: true, tasks: [{ key, result: "changed" }] });
    expect(await crm.subscribeEmails([{ email, subscriptionId: "7005", legalBasis: "CONSENT_WITH_NOTICE", legalBasisExplanation: "form" }])).toEqual([
      { ok: true, externalId: "7005:SUBSCRIBED" },
    ]);
  });

  it("the outbox writes through the Worker's own ports on dated paths", async () => {
    const contact = (await hubspotEmulator.uiCreate("contacts", { email: `dated-outbox-${run}@example.com` })).id;
    const request: EffectRequest = {
      idempotencyKey: `dated:${run}:task`,
      leadKey: `hubspot:${portal}:contact:${contact}`,
      rule: "test",
      effect: {
        type: "createTask",
        crm: "hubspot",
        accountId: portal,
        objectType: "contact",
        objectId: contact,
        ownerId: "84213371",
        subject: "Dated",
        body: "",
        dueAt: "2026-11-24T14:00:00.000Z",
        priority: "HIGH",
        channel: "TODO",
      },
    };
    const [effect] = await enqueueEffects(env, [request], new Date());
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status FROM effects WHERE id = ?").bind(effect).first<{ status: string }>();
      expect(row?.status).toBe("done");
    }, 30_000);
  });

  it("no call went to a numeric path, and none was refused", async () => {
    const calls = await apiCalls();
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.filter((c) => c.path.split("/").some((segment) => /^v\d+$/.test(segment)))).toEqual([]);
    expect(calls.filter((c) => c.status === 410 || c.status >= 500)).toEqual([]);
  });
});
