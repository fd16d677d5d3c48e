import { runInDurableObject } from "cloudflare:test";
import type { RecordObject } from "../../src/record/record-object";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import fixture from "../fixtures/hubspot-webhook-batch.json";
import { eventually, ORIGIN, leadSnapshot, recordWithDuplicates, recordWithEvents, send, signedHubSpot } from "../support/requests";
import { storedCounts } from "../support/store";

let nextId = 5_000_000;
/** A fresh contact per test, with events shaped like HubSpot's (occurredAt recent, so signatures are fresh). */
function contactEvents(objectId = nextId++) {
  const t = Date.now() - 60_000;
  const base = { subscriptionId: 11, portalId: 62515, appId: 54321, attemptNumber: 0, objectId, changeSource: "CRM_UI", sourceId: "userId:1712" };
  return [
    { ...base, eventId: 1, occurredAt: t, subscriptionType: "contact.creation", changeFlag: "CREATED" },
    { ...base, eventId: 2, occurredAt: t + 1000, subscriptionType: "contact.propertyChange", propertyName: "hs_lead_status", propertyValue: "NEW" },
    { ...base, eventId: 3, occurredAt: t + 2000, subscriptionType: "contact.propertyChange", propertyName: "hs_lead_status", propertyValue: "OPEN" },
  ];
}

describe("POST /webhooks/hubspot", () => {
  it("records the fixture batch per record, in occurredAt order, flags our own echo and answers 200", async () => {
    const response = await send(await signedHubSpot(fixture));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 7, records: 3 });

    const contact = await recordWithEvents("hubspot:62515:contact:1246965", 4);
    expect(contact.status).toBe(200);
    expect(contact.body.events.map((e: any) => e.kind)).toEqual(["created", "propertyChanged", "propertyChanged", "merged"]);
    expect(contact.body.state.properties.hubspot_owner_id.value).toBe("84213371");
    expect(contact.body.state.mergedIds).toEqual(["1246970"]);

    const absorbed = await recordWithEvents("hubspot:62515:contact:1246970", 1);
    expect(absorbed.body.state).toMatchObject({ status: "merged", mergedInto: "1246965" });

    const deal = await recordWithEvents("hubspot:62515:deal:9135621", 2);
    const [human, echo] = deal.body.events;
    expect(human).toMatchObject({ fromThisIntegration: false, changedBy: { source: "CRM_UI", id: "userId:1712" } });
    expect(echo).toMatchObject({
      fromThisIntegration: true,
      changedBy: { source: "INTEGRATION", id: "54321" },
      properties: { dealstage: "decisionmakerboughtin" },
    });
  });

  it("changes nothing when the same events are delivered again", async () => {
    const events = contactEvents();
    const key = `hubspot:62515:contact:${events[0]!.objectId}`;
    expect((await send(await signedHubSpot(events))).status).toBe(200);
    const before = await recordWithEvents(key, 3);

    const retry = events.map((e) => ({ ...e, attemptNumber: 1 }));
    const response = await send(await signedHubSpot(retry));
    expect(response.status).toBe(200);
    const after = await recordWithDuplicates(key, 3);
    expect(after.body.events).toEqual(before.body.events);
    expect(after.body.state).toEqual(before.body.state);
  });

  it("treats a reused eventId with different content as a different event", async () => {
    const [created] = contactEvents();
    const again = {
      ...created!,
      subscriptionType: "contact.propertyChange",
      propertyName: "lifecyclestage",
      propertyValue: "lead",
      occurredAt: created!.occurredAt + 5,
    };
    await send(await signedHubSpot([created, again]));
    const { body } = await recordWithEvents(`hubspot:62515:contact:${created!.objectId}`, 2);
    expect(body.stats).toEqual({ recorded: 2, duplicatesIgnored: 0 });
  });

  it("orders events by occurredAt whatever order they arrive in, and the newest value wins", async () => {
    const events = contactEvents();
    const key = `hubspot:62515:contact:${events[0]!.objectId}`;
    await send(await signedHubSpot([events[2]]));
    await send(await signedHubSpot([events[1], events[0]]));
    const { body } = await recordWithEvents(key, 3);
    expect(body.events.map((e: any) => e.occurredAt)).toEqual(events.map((e) => new Date(e.occurredAt).toISOString()));
    expect(body.state.properties.hs_lead_status.value).toBe("OPEN");
  });

  it("projects the record into D1 from the object's alarm, one row write per burst", async () => {
    const events = contactEvents();
    const key = `hubspot:62515:contact:${events[0]!.objectId}`;
    await send(await signedHubSpot(events));
    // Asked of the object itself: the admin API answers only for records already in D1.
    const before = await eventually(async () => {
      const snapshot = await runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.snapshot());
      expect(snapshot?.events).toHaveLength(3);
      return snapshot!;
    });
    expect(before.pendingWakeups.map((w) => w.name)).toContain("project-to-d1");
    await runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.runDue(Date.now() + 60_000));
    const row = await env.DB.prepare("SELECT status, event_count FROM records WHERE record_key = ?").bind(key).first();
    expect(row).toEqual({ status: "active", event_count: 3 });
    const { body } = await leadSnapshot(key);
    // Only the stale-lead deadline (14 days out) is left.
    expect(body.pendingWakeups.map((w: any) => w.name)).toEqual(["stale-lead:check"]);
    expect(body.projection.d1RowsWritten).toBeGreaterThan(0);
  });
});

describe("bad HubSpot requests change nothing", () => {
  const cases: [string, () => Promise<Request>, number][] = [
    [
      "no signature",
      async () =>
        new Request(`${ORIGIN}/webhooks/hubspot`, {
          method: "POST",
          body: JSON.stringify(contactEvents()),
          headers: { "content-type": "application/json" },
        }),
      401,
    ],
    ["wrong secret", () => signedHubSpot(contactEvents(), { secret: "not-the-secret" }), 401],
    ["stale timestamp", () => signedHubSpot(contactEvents(), { timestamp: Date.now() - 6 * 60_000 }), 401],
    [
      "signed for another URL",
      () => signedHubSpot(contactEvents(), { path: "/webhooks/hubspot?x=1" }).then((r) => new Request(`${ORIGIN}/webhooks/hubspot`, r)),
      401,
    ],
    [
      "tampered body",
      async () => {
        const signed = await signedHubSpot(contactEvents());
        const body = (await signed.text()).replace('"NEW"', '"WON"');
        return new Request(signed.url, { method: "POST", body, headers: signed.headers });
      },
      401,
    ],
    [
      "legacy v1 without opt-in",
      async () =>
        new Request(`${ORIGIN}/webhooks/hubspot`, {
          method: "POST",
          body: "[]",
          headers: { "content-type": "application/json", "x-hubspot-signature": "0".repeat(64) },
        }),
      401,
    ],
    ["malformed JSON", () => signedHubSpot("[{"), 400],
    ["not an array", () => signedHubSpot({ eventId: 1 }), 400],
    ["empty batch", () => signedHubSpot([]), 400],
    ["more than 100 events", () => signedHubSpot(Array.from({ length: 101 }, () => contactEvents()[0])), 400],
    ["one invalid event spoils the batch", () => signedHubSpot([...contactEvents(), { ...contactEvents()[1], propertyName: undefined }]), 400],
    ["unknown subscription type", () => signedHubSpot([{ ...contactEvents()[0], subscriptionType: "contact.teleported" }]), 400],
    ["body over 1 MiB", () => signedHubSpot(JSON.stringify(contactEvents()) + " ".repeat(1024 * 1024)), 413],
    [
      "wrong content type",
      async () => {
        const signed = await signedHubSpot(contactEvents());
        const headers = new Headers(signed.headers);
        headers.set("content-type", "text/plain");
        return new Request(signed.url, { method: "POST", body: await signed.text(), headers });
      },
      415,
    ],
    ["wrong method", async () => new Request(`${ORIGIN}/webhooks/hubspot`, { method: "GET" }), 405],
  ];

  for (const [name, build, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const before = await storedCounts();
      const response = await send(await build());
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.message.length).toBeGreaterThan(0);
      expect(await storedCounts()).toEqual(before);
    });
  }

  it("names the failing field in a validation error", async () => {
    const events = contactEvents();
    const response = await send(await signedHubSpot([events[0], { ...events[1], occurredAt: "yesterday" }]));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_payload", issues: [{ path: "1.occurredAt" }] });
  });
});
