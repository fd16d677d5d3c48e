import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { journalDeps, backfillHubSpotGap } from "../../src/ingest/journal-gaps";
import { loadConfig } from "../../src/env/config";
import { noteWebhookArrival } from "../../src/storage/webhook-arrivals";
import { hubspotEmulator } from "../support/emulators";
import { finishedReconciliation, reconciliations } from "../support/ingest";
import { call, eventually, leadSnapshot, recordWithEvents, send, signedHubSpot } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * HubSpot gives up a delivery after its retries; the webhooks journal keeps three days. After a
 * simulated outage (webhooks HubSpot sent that never arrived), a backfill reads the journal and
 * feeds the events through the records' dedupe: what was lost arrives, what had arrived changes
 * nothing, and the progress is listed with the reconciliations.
 */
const portal = TEST_BINDINGS.HUBSPOT_PORTAL_ID;
const run = Date.now().toString(36);
const admin = (path: string, init: RequestInit = {}) =>
  call(path, { ...init, headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" } });
const key = (id: string) => `hubspot:${portal}:contact:${id}`;

beforeAll(async () => {
  await hubspotEmulator.webhooks();
  await hubspotEmulator.clearJournal();
});

describe("HubSpot backfill from the webhooks journal", () => {
  it("after an outage, nothing is lost and nothing is counted twice", { timeout: 60_000 }, async () => {
    const started = new Date(Date.now() - 1_000);
    // Delivered: a contact and its owner.
    const a = (await hubspotEmulator.uiCreate("contacts", { email: `journal-a-${run}@example.com`, hubspot_owner_id: "84213371" })).id;
    const delivered = await hubspotEmulator.webhooks();
    expect((await send(await signedHubSpot(delivered))).status).toBe(200);
    const before = await recordWithEvents(key(a), delivered.length);
    expect(before.body.events).toHaveLength(delivered.length);

    // The outage: HubSpot sent these, and they never arrived.
    await hubspotEmulator.uiUpdate("contacts", a, { hs_lead_status: "IN_PROGRESS" });
    const b = (await hubspotEmulator.uiCreate("contacts", { email: `journal-b-${run}@example.com`, hs_lead_status: "NEW" })).id;
    const lost = await hubspotEmulator.webhooks();
    expect(lost.length).toBeGreaterThanOrEqual(3);

    const response = await admin("/admin/ingest/hubspot-backfill", { method: "POST", body: JSON.stringify({ since: started.toISOString() }) });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const done = await finishedReconciliation(id, 30_000);
    expect(done).toMatchObject({ crm: "hubspot", objectType: "journal", status: "done", records: delivered.length + lost.length, lastError: null });
    expect(done.pages).toBeGreaterThan(0);

    const aAfter = await recordWithEvents(key(a), delivered.length + 1);
    expect(aAfter.body.state.properties.hs_lead_status.value).toBe("IN_PROGRESS");
    // The delivered events came again from the journal: the records' dedupe kept each once.
    expect(aAfter.body.events).toHaveLength(delivered.length + 1);
    expect(aAfter.body.stats.duplicatesIgnored).toBe(delivered.length);
    const ofB = lost.filter((e: any) => String(e.objectId) === b).length;
    const bAfter = await recordWithEvents(key(b), ofB);
    expect(bAfter.body.events).toHaveLength(ofB);
    expect(bAfter.body.state.properties.hs_lead_status.value).toBe("NEW");

    // Run again: nothing new anywhere.
    const again = (await (
      await admin("/admin/ingest/hubspot-backfill", { method: "POST", body: JSON.stringify({ since: started.toISOString() }) })
    ).json()) as {
      id: string;
    };
    await finishedReconciliation(again.id, 30_000);
    await eventually(async () => expect((await leadSnapshot(key(a))).body.stats.duplicatesIgnored).toBe(2 * delivered.length + 1));
    expect((await leadSnapshot(key(a))).body.events).toHaveLength(delivered.length + 1);
    expect((await leadSnapshot(key(b))).body.events).toHaveLength(ofB);
  });

  it("a silence while the portal changed starts a backfill from the last delivery, once per gap", async () => {
    await hubspotEmulator.uiCreate("contacts", { email: `journal-gap-${run}@example.com` });
    await hubspotEmulator.webhooks();
    // The last delivery was twenty minutes ago (the table keeps the newest time, so the test's own earlier ones go first).
    const lastDelivery = new Date(Date.now() - 20 * 60_000);
    await env.DB.prepare("delete from webhook_arrivals where source = 'hubspot'").run();
    await noteWebhookArrival(env.DB, "hubspot", lastDelivery);
    const deps = journalDeps(loadConfig(env), () => new Date());
    const id = await backfillHubSpotGap(env, deps, new Date());
    expect(id).toBeTruthy();
    expect(await backfillHubSpotGap(env, deps, new Date())).toBe(id);
    const started = (await reconciliations()).find((r) => r.id === id);
    expect(started).toMatchObject({ crm: "hubspot", reason: `no HubSpot delivery since ${lastDelivery.toISOString()}` });
    await finishedReconciliation(id!, 30_000);

    // Heard from recently: nothing to look into.
    await noteWebhookArrival(env.DB, "hubspot", new Date());
    expect(await backfillHubSpotGap(env, deps, new Date())).toBeNull();
  });

  it("only the app's client credentials read the journal: a private app's token is refused", async () => {
    const refused = await fetch(`${env.HUBSPOT_API_BASE}/webhooks-journal/journal-local/2026-03/batch/earliest/1`, {
      headers: { authorization: `Bearer ${TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN}` },
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { category: string }).category).toBe("MISSING_SCOPES");
  });
});
