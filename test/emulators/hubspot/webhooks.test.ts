import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Signature } from "@hubspot/api-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signV3, type WebhookEvent } from "./index.ts";
import { http, startHubSpot, type Running } from "./test-support.ts";

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/hubspot-webhook-batch.json", import.meta.url), "utf8")) as Record<string, unknown>[];
const keysOf = (subscriptionType: string) => Object.keys(fixture.find((e) => e.subscriptionType === subscriptionType)!);

let run: Running;
beforeAll(async () => {
  run = await startHubSpot();
});
afterAll(async () => {
  await run.close();
});
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
});

const drain = async () => (await http(run.url, "GET", "/_emulator/webhooks")).body as WebhookEvent[];

describe("HubSpot emulator: webhook events", () => {
  it("reports a human's UI change as CRM_UI and this integration's API change as INTEGRATION", async () => {
    const ui = await http(run.url, "POST", "/_emulator/ui/contacts", { properties: { email: "rep@example.com", hubspot_owner_id: "84213371" } });
    expect(ui.status).toBe(201);
    const id = ui.body.id as string;
    const created = await drain();
    expect(created.map((e) => [e.subscriptionType, e.propertyName])).toEqual([
      ["contact.creation", undefined],
      ["contact.propertyChange", "email"],
      ["contact.propertyChange", "hubspot_owner_id"],
    ]);
    expect(created[0]).toMatchObject({
      portalId: 62515,
      appId: 54321,
      objectId: Number(id),
      attemptNumber: 0,
      changeFlag: "CREATED",
      changeSource: "CRM_UI",
      sourceId: "userId:1712",
    });
    expect(Object.keys(created[0]!)).toEqual(keysOf("contact.creation"));
    expect(Object.keys(created[2]!)).toEqual(keysOf("contact.propertyChange"));

    await run.client.crm.contacts.basicApi.update(id, { properties: { hs_lead_status: "IN_PROGRESS", firstname: "Not subscribed" } });
    const [echo, ...rest] = await drain();
    expect(rest).toEqual([]);
    expect(echo).toMatchObject({
      subscriptionType: "contact.propertyChange",
      propertyName: "hs_lead_status",
      propertyValue: "IN_PROGRESS",
      changeSource: "INTEGRATION",
      sourceId: "54321",
    });
    expect(echo!.occurredAt).toBeGreaterThan(0);

    await http(run.url, "PATCH", `/_emulator/ui/contacts/${id}`, { properties: { hs_lead_status: "IN_PROGRESS" }, userId: 1713 });
    expect(await drain()).toEqual([]); // no change, no event
    await http(run.url, "PATCH", `/_emulator/ui/contacts/${id}`, { properties: { hs_lead_status: "CONNECTED" }, userId: 1713 });
    expect((await drain())[0]).toMatchObject({ propertyValue: "CONNECTED", changeSource: "CRM_UI", sourceId: "userId:1713" });

    await http(run.url, "DELETE", `/_emulator/ui/contacts/${id}`);
    expect((await drain()).map((e) => [e.subscriptionType, e.changeFlag])).toEqual([["contact.deletion", "DELETED"]]);
    const stored = (await http(run.url, "GET", "/_emulator/objects/contacts")).body;
    expect(stored[0]).toMatchObject({ id, archived: true });
  });

  it("emits deal stage changes, company creation, and nothing for tasks", async () => {
    const deal = await run.client.crm.deals.basicApi.create({ properties: { dealname: "D", dealstage: "appointmentscheduled" }, associations: [] });
    await run.client.crm.companies.basicApi.create({ properties: { name: "Acme" }, associations: [] });
    await run.client.crm.objects.tasks.basicApi.create({ properties: { hs_timestamp: "0" }, associations: [] });
    run.hs.ui.update("deals", deal.id, { dealstage: "contractsent" });
    await run.client.crm.deals.batchApi.archive({ inputs: [{ id: deal.id }] });
    const events = await drain();
    expect(events.map((e) => `${e.subscriptionType}:${e.propertyValue ?? ""}:${e.changeSource}`)).toEqual([
      "deal.creation::INTEGRATION",
      "deal.propertyChange:appointmentscheduled:INTEGRATION",
      "company.creation::INTEGRATION",
      "deal.propertyChange:contractsent:CRM_UI",
      "deal.deletion::INTEGRATION",
    ]);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events[1]!.subscriptionId).toBe(events[3]!.subscriptionId);
  });
});

describe("HubSpot emulator: signed webhook delivery", () => {
  it("computes v3 signatures like crm-facts' test vector", () => {
    expect(
      signV3(
        "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
        "POST",
        "https://www.example.com/webhook_uri",
        '{"example_field":"example_value"}',
        "1700000000000",
      ),
    ).toBe("rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=");
  });

  it("POSTs batches signed with v3 (and v1) that the SDK's Signature accepts", async () => {
    const received: { headers: IncomingHttpHeaders; body: string; path: string }[] = [];
    let arrived!: () => void;
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const target = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), path: req.url ?? "" });
        res.writeHead(204).end();
        arrived();
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/webhooks/hubspot?portal=62515`;
    const clientSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const sender = await startHubSpot({ webhookTargetUrl: targetUrl, clientSecret, appId: "777" });
    try {
      const deal = await sender.client.crm.deals.basicApi.create({
        properties: { dealname: "Signed", dealstage: "qualifiedtobuy" },
        associations: [],
      });
      await delivered;
      const [request] = received;
      expect(request!.headers["content-type"]).toBe("application/json");
      const events = JSON.parse(request!.body) as WebhookEvent[];
      expect(events.map((e) => e.subscriptionType)).toEqual(["deal.creation", "deal.propertyChange"]);
      expect(events[0]).toMatchObject({ objectId: Number(deal.id), appId: 777, changeSource: "INTEGRATION", sourceId: "777" });

      const timestamp = Number(request!.headers["x-hubspot-request-timestamp"]);
      expect(
        Signature.isValid({
          signatureVersion: "v3",
          method: "POST",
          url: targetUrl,
          requestBody: request!.body,
          clientSecret,
          timestamp,
          signature: String(request!.headers["x-hubspot-signature-v3"]),
        }),
      ).toBe(true);
      expect(
        Signature.isValid({
          signatureVersion: "v3",
          method: "POST",
          url: targetUrl,
          requestBody: request!.body,
          clientSecret: "wrong",
          timestamp,
          signature: String(request!.headers["x-hubspot-signature-v3"]),
        }),
      ).toBe(false);
      expect(request!.headers["x-hubspot-signature-version"]).toBe("v1");
      expect(
        Signature.isValid({
          signatureVersion: "v1",
          requestBody: request!.body,
          clientSecret,
          signature: String(request!.headers["x-hubspot-signature"]),
        }),
      ).toBe(true);
      // Delivered events are no longer pending.
      expect(sender.hs.drainWebhooks()).toEqual([]);
    } finally {
      await sender.close();
      target.closeAllConnections();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });
});
