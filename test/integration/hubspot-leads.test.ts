import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureHubSpotTaskKey } from "../../src/crm/crm-setup";
import type { EffectRequest } from "../../src/core/model/effects";
import { HubSpotCrm } from "../../src/crm/hubspot-crm";
import { enqueueEffects } from "../../src/outbox/effect-queue";
import { hubspotEmulator } from "../support/emulators";
import { eventually, recordWithEvents, send, signedHubSpot } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * HubSpot's Lead object (0-136): a lead is associated with a contact; its changes come as generic
 * `object.*` webhooks. Its events are kept as the lead's record; a task written on a lead is on
 * the lead and on its contact; the lead's owner can be changed (the stale-lead rule's write).
 */
const portal = TEST_BINDINGS.HUBSPOT_PORTAL_ID;
const run = Date.now().toString(36);

beforeAll(async () => {
  expect(await ensureHubSpotTaskKey(TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, env.HUBSPOT_API_BASE)).toMatchObject({ ok: true });
});

async function uiLead(contactId: string, properties: Record<string, string>) {
  const response = await fetch(`${env.HUBSPOT_API_BASE}/_emulator/ui/leads`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      properties,
      associations: [{ to: { id: contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 578 }] }],
    }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; associations: Record<string, { id: string }[]> };
}

describe("HubSpot leads", () => {
  it("a lead's generic webhooks are kept as the lead's own record", async () => {
    await hubspotEmulator.webhooks();
    const contact = (await hubspotEmulator.uiCreate("contacts", { email: `lead-${run}@example.com` })).id;
    const lead = await uiLead(contact, { hs_lead_name: "Ada Lead", hubspot_owner_id: "84213371", hs_pipeline_stage: "new-stage-id" });
    const events = ((await hubspotEmulator.webhooks()) as any[]).filter((e) => e.objectTypeId === "0-136");
    expect(events.map((e) => e.subscriptionType)).toEqual(["object.creation", "object.propertyChange", "object.propertyChange"]);
    const response = await send(await signedHubSpot(events));
    expect(await response.json()).toMatchObject({ kept: 3, ignored: 0, parked: 0 });
    const record = await recordWithEvents(`hubspot:${portal}:lead:${lead.id}`, 3);
    expect(record.body.state.properties.hs_pipeline_stage.value).toBe("new-stage-id");
    expect(record.body.state.properties.hubspot_owner_id.value).toBe("84213371");
  });

  it("a task on a lead is associated with the lead and its contact; the lead's owner can be changed", { timeout: 30_000 }, async () => {
    const contact = (await hubspotEmulator.uiCreate("contacts", { email: `lead-task-${run}@example.com` })).id;
    const lead = await uiLead(contact, { hs_lead_name: "Bo Lead", hubspot_owner_id: "84213371" });
    const request: EffectRequest = {
      idempotencyKey: `leads:${run}:task`,
      leadKey: `hubspot:${portal}:lead:${lead.id}`,
      rule: "test",
      effect: {
        type: "createTask",
        crm: "hubspot",
        accountId: portal,
        objectType: "lead",
        objectId: lead.id,
        ownerId: "84213371",
        subject: "Call the lead",
        body: "",
        dueAt: "2026-11-24T14:00:00.000Z",
        priority: "HIGH",
        channel: "CALL",
      },
    };
    const [id] = await enqueueEffects(env, [request], new Date());
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status, last_error FROM effects WHERE id = ?")
        .bind(id)
        .first<{ status: string; last_error: string }>();
      expect(row).toMatchObject({ status: "done", last_error: null });
    }, 20_000);
    const [task] = (await hubspotEmulator.objects("tasks")).filter((t: any) => t.properties.lead_follow_up_key === id);
    expect(task.associations.contacts.map((a: any) => a.id)).toEqual([contact]);
    expect(task.associations.leads.map((a: any) => a.id)).toEqual([lead.id]);

    // The same write again (a retry after a lost answer) finds the task and ties nothing twice.
    const crm = new HubSpotCrm({ accessToken: TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, basePath: env.HUBSPOT_API_BASE });
    const [again] = await crm.createTasks([{ key: id!, task: request.effect as Extract<EffectRequest["effect"], { type: "createTask" }> }]);
    expect(again).toEqual({ ok: true, externalId: task.id });
    expect((await hubspotEmulator.objects("tasks")).filter((t: any) => t.properties.lead_follow_up_key === id)).toHaveLength(1);

    expect(await crm.updateRecords([{ objectType: "lead", objectId: lead.id, properties: { hubspot_owner_id: "84213372" } }])).toEqual([
      { ok: true, externalId: lead.id },
    ]);
    const [stored] = (await hubspotEmulator.objects("leads")).filter((l: any) => l.id === lead.id);
    expect(stored.properties.hubspot_owner_id).toBe("84213372");
  });
});
