import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import type { RecordObject } from "../../src/records/record-object";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app";
import { OBJECT_TYPE_IDS } from "../../src/ingest/hubspot-webhook";
import fixture from "../fixtures/hubspot-webhook-batch.json";
import shapes from "../fixtures/hubspot-webhook-shapes.json";
import { hubspotEmulator } from "../support/emulators";
import { parkedEvents, parkedRows, parkedWith } from "../support/ingest";
import { adminGet, eventually, ORIGIN, leadSnapshot, recordWithDuplicates, recordWithEvents, send, signedHubSpot } from "../support/requests";
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
    expect(await response.json()).toEqual({ kept: 6, ignored: 0, parked: 0, reasons: [] });

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
    // The projection waits PROJECTION_DELAY_MS (10 ms in tests): it is still due, or its alarm has run.
    if (before.projection.d1RowsWritten === 0) expect(before.pendingWakeups.map((w) => w.name)).toContain("project-to-d1");
    await runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.runDue(Date.now() + 60_000));
    const row = await env.DB.prepare("SELECT status, event_count FROM records WHERE record_key = ?").bind(key).first();
    expect(row).toEqual({ status: "active", event_count: 3 });
    const { body } = await leadSnapshot(key);
    // Only the stale-lead deadline (14 days out) is left.
    expect(body.pendingWakeups.map((w: any) => w.name)).toEqual(["stale-lead:check"]);
    expect(body.projection.d1RowsWritten).toBeGreaterThan(0);
  });

  it("a burst of five changes to a record D1 already has costs one D1 row write (0.2 per event)", async () => {
    const [created, ...changes] = contactEvents();
    const key = `hubspot:62515:contact:${created!.objectId}`;
    const project = () => runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.runDue(Date.now() + 60_000));
    const written = async () =>
      (await runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.snapshot()))!.projection.d1RowsWritten;
    await send(await signedHubSpot([created, ...changes]));
    await recordWithEvents(key, 3);
    await project();
    const before = await written();
    // Five changes in one delivery, none of them to what the console searches by.
    const burst = ["CONNECTED", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT"].map((value, i) => ({
      ...changes[0]!,
      eventId: 10 + i,
      occurredAt: changes[1]!.occurredAt + 1_000 * (i + 1),
      propertyValue: value,
    }));
    await send(await signedHubSpot(burst));
    await recordWithEvents(key, 8);
    await project();
    expect((await written()) - before).toBe(1);
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

  it("is off until HUBSPOT_PORTAL_ID says which portal it serves (503 naming the var)", async () => {
    const ctx = createExecutionContext();
    const response = await createApp().fetch(await signedHubSpot(contactEvents()), { ...env, HUBSPOT_PORTAL_ID: "" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: "not_configured", message: expect.stringContaining("HUBSPOT_PORTAL_ID") });
  });

  it("names the failing field of a parked event", async () => {
    const events = contactEvents();
    const response = await send(await signedHubSpot([events[0], { ...events[1], occurredAt: "yesterday" }]));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      kept: 1,
      parked: 1,
      reasons: [{ index: 1, outcome: "parked", reason: expect.stringMatching(/^occurredAt: /) }],
    });
  });
});

const contactKey = (id: number | string) => `hubspot:62515:contact:${id}`;

describe("every documented HubSpot shape", () => {
  it("keeps sensitive changes, both ends of associations and generic events, and ignores what it does not handle", async () => {
    const response = await send(await signedHubSpot(shapes));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      kept: 5,
      ignored: 3,
      parked: 0,
      reasons: [
        { index: 5, outcome: "ignored", reason: "object type ticket is not handled" },
        { index: 6, outcome: "ignored", reason: "object type ticket is not handled" },
        { index: 7, outcome: "ignored", reason: "subscription type conversation.creation is not handled" },
      ],
    });

    // The sensitive change: kept as "changed, value unknown", with HubSpot's flag. (The contact
    // is the one of the first fixture too.)
    const contact = await eventually(async () => {
      const snapshot = await leadSnapshot(contactKey(1246965));
      if (snapshot.body.events?.filter((e: any) => e.kind === "associationChanged" || e.valuesNotSent).length !== 3) throw new Error("not yet");
      return snapshot;
    });
    const sensitive = contact.body.events.find((e: any) => e.valuesNotSent);
    expect(sensitive).toMatchObject({ properties: {}, valuesNotSent: ["passport_number"], sensitive: true });
    expect(contact.body.state.properties).not.toHaveProperty("passport_number");
    expect(contact.body.state.staleProperties).toEqual({
      passport_number: { occurredAt: "2025-11-22T10:01:40.000Z", order: "00000000001816279400" },
    });
    // Both associations reach both of their records, each told the other's type.
    expect(contact.body.state.associations).toEqual({ CONTACT_TO_COMPANY: ["5790939450"], CONTACT_TO_DEAL: ["9135621"] });
    const company = await recordWithEvents("hubspot:62515:company:5790939450", 1);
    expect(company.body.state.associations).toEqual({ COMPANY_TO_CONTACT: ["1246965"] });
    expect(company.body.events[0]).toMatchObject({ kind: "associationChanged", toObjectId: "1246965", toObjectType: "contact", removed: false });
    const deal = await recordWithEvents("hubspot:62515:deal:9135621", 2);
    expect(deal.body.state.associations).toEqual({ DEAL_TO_CONTACT: ["1246965"] });
    expect(deal.body.events.find((e: any) => e.sensitive === false)).toMatchObject({
      kind: "propertyChanged",
      properties: { dealstage: "qualifiedtobuy" },
    });
    // Generic creation: the object type from objectTypeId, changeFlag kept.
    const created = await recordWithEvents(contactKey(1246990), 1);
    expect(created.body.events[0]).toMatchObject({ kind: "created", objectType: "contact", changeFlag: "CREATED", changedBy: { source: "FORM" } });
    // Nothing of the ignored ones is stored.
    for (const key of ["hubspot:62515:ticket:8812003", "hubspot:62515:ticket:8812004", "hubspot:62515:conversation:3412212"]) {
      expect((await leadSnapshot(key)).status).toBe(404);
    }
  });

  it("never overwrites a known value with an unknown one, and reads it as stale until a newer value comes", async () => {
    const [created, first] = contactEvents();
    const key = contactKey(created!.objectId);
    const unsent = { ...first!, eventId: 7, occurredAt: first!.occurredAt + 1000, propertyValue: undefined, isSensitive: true };
    expect(await (await send(await signedHubSpot([created, first, unsent]))).json()).toMatchObject({ kept: 3, parked: 0 });
    const stale = await recordWithEvents(key, 3);
    expect(stale.body.state.properties.hs_lead_status.value).toBe("NEW");
    expect(stale.body.state.staleProperties).toHaveProperty("hs_lead_status");

    // An older value arriving late changes nothing; a newer one ends the staleness.
    const older = { ...first!, eventId: 8, occurredAt: first!.occurredAt - 500, propertyValue: "UNQUALIFIED" };
    const newer = { ...first!, eventId: 9, occurredAt: first!.occurredAt + 2000, propertyValue: "OPEN" };
    await send(await signedHubSpot([older]));
    expect((await recordWithEvents(key, 4)).body.state.properties.hs_lead_status.value).toBe("NEW");
    await send(await signedHubSpot([newer]));
    const fresh = await recordWithEvents(key, 5);
    expect(fresh.body.state.properties.hs_lead_status.value).toBe("OPEN");
    expect(fresh.body.state.staleProperties).toEqual({});
  });

  it("reads a value HubSpot did not send from HubSpot before the rules act on it", { timeout: 30_000 }, async () => {
    const contact = (await hubspotEmulator.uiCreate("contacts", { email: `unsent-${Date.now()}@example.com`, hs_lead_status: "IN_PROGRESS" })) as {
      id: string;
    };
    const [created, first] = contactEvents(Number(contact.id));
    const unsent = { ...first!, eventId: 7, occurredAt: first!.occurredAt + 1000, propertyValue: undefined, isSensitive: true };
    expect(await (await send(await signedHubSpot([created, unsent]))).json()).toMatchObject({ kept: 2, parked: 0 });
    const fresh = await eventually(async () => {
      const snapshot = await recordWithEvents(contactKey(contact.id), 2);
      if (snapshot.body.state.properties.hs_lead_status?.value !== "IN_PROGRESS") throw new Error("not read yet");
      return snapshot;
    }, 20_000);
    expect(fresh.body.state.staleProperties).toEqual({});
    expect(fresh.body.state.properties.hs_lead_status.changedBy).toEqual({ source: "read" });
  });

  it("takes generic object.* events of every standard object type id: the records it keeps, the rest ignored", async () => {
    const base = contactEvents()[0]!;
    const ids = [...Object.keys(OBJECT_TYPE_IDS), "2-4815162"];
    const events = ids.map((objectTypeId, i) => ({
      ...base,
      eventId: 100 + i,
      objectId: 7_000_000 + i,
      subscriptionType: "object.creation",
      objectTypeId,
    }));
    const body = (await (await send(await signedHubSpot(events))).json()) as any;
    const kept = ids.filter((id) => ["contact", "company", "deal", "lead"].includes(OBJECT_TYPE_IDS[id]!));
    expect(kept).toEqual(["0-1", "0-2", "0-3", "0-136"]);
    expect(body).toMatchObject({ kept: 4, ignored: ids.length - 4, parked: 0 });
    expect(body.reasons.at(-1)).toEqual({ index: ids.length - 1, outcome: "ignored", reason: "object type 2-4815162 is not handled" });
    for (const id of kept) {
      const i = ids.indexOf(id);
      await recordWithEvents(`hubspot:62515:${OBJECT_TYPE_IDS[id]}:${7_000_000 + i}`, 1);
    }
  });
});

describe("a mixed HubSpot batch", () => {
  it("keeps the valid events, ignores what is not handled, parks what is malformed, and loses nothing", async () => {
    const [created, status] = contactEvents();
    const marker = `mixed-${created!.objectId}`;
    const batch = [
      created,
      { ...status, objectId: "abc", sourceId: marker },
      { ...status, subscriptionType: "contact.teleported" },
      42,
      { ...status, occurredAt: undefined, sourceId: marker },
      { ...status, portalId: 99999 },
      status,
      { ...status, subscriptionType: "contact.", sourceId: marker },
    ];
    const response = await send(await signedHubSpot(batch));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      kept: 2,
      ignored: 2,
      parked: 4,
      reasons: [
        { index: 1, outcome: "parked", reason: "objectId: not a HubSpot id" },
        { index: 2, outcome: "ignored", reason: "subscription type contact.teleported is not handled" },
        { index: 3, outcome: "parked", reason: "not an event object" },
        { index: 4, outcome: "parked", reason: "occurredAt is missing" },
        { index: 5, outcome: "ignored", reason: "portal 99999 is not the one this deployment serves (HUBSPOT_PORTAL_ID)" },
        { index: 7, outcome: "parked", reason: "subscriptionType is not of the form object.action" },
      ],
    });
    // Nothing lost: the valid events are in their record, the malformed ones in the parked table.
    const record = await recordWithEvents(contactKey(created!.objectId), 2);
    expect(record.body.events.map((e: any) => e.kind)).toEqual(["created", "propertyChanged"]);
    const parked = (await parkedWith(marker, "hubspot-webhook")).sort((a, b) => a.index - b.index);
    expect(parked.map((p) => [p.index, p.reason])).toEqual([
      [1, "objectId: not a HubSpot id"],
      [4, "occurredAt is missing"],
      [7, "subscriptionType is not of the form object.action"],
    ]);
    expect(JSON.parse(parked.find((p) => p.index === 1).raw)).toEqual({ ...status, objectId: "abc", sourceId: marker });
    expect(parked.every((p) => p.accountId === "62515" && !p.rawTruncated)).toBe(true);
    expect((await parkedWith("42", "hubspot-webhook")).some((p) => p.raw === "42" && p.index === 3)).toBe(true);
  });

  it("ignores another portal's events and stores nothing of them", async () => {
    const before = await storedCounts();
    const foreign = contactEvents().map((e) => ({ ...e, portalId: 777 }));
    expect(await (await send(await signedHubSpot(foreign))).json()).toMatchObject({ kept: 0, ignored: 3, parked: 0 });
    expect(await storedCounts()).toEqual(before);
  });

  it("parks an event stamped far after it was received (year 275760), and its record's rules go on", async () => {
    const [created, status] = contactEvents();
    const key = contactKey(created!.objectId);
    const future = { ...status, eventId: 77, occurredAt: 8.64e15, propertyValue: "FUTURE" };
    const soon = { ...status, eventId: 78, occurredAt: Date.now() + 60_000, propertyValue: "SOON" };
    const body = (await (await send(await signedHubSpot([created, future, soon]))).json()) as any;
    expect(body).toMatchObject({
      kept: 2,
      parked: 1,
      reasons: [{ index: 1, outcome: "parked", reason: expect.stringContaining("+275760-09-13T00:00:00.000Z") }],
    });
    const record = await recordWithEvents(key, 2);
    expect(record.body.events.map((e: any) => e.properties?.hs_lead_status)).not.toContain("FUTURE");
    expect(record.body.state.lastEventAt < "3000").toBe(true);
    // The rules still run for this record: its new-lead deadline was set.
    await runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.runDue(Date.now() + 60_000));
    expect((await leadSnapshot(key)).body.pendingWakeups.map((w: any) => w.name)).toContain("stale-lead:check");
  });

  it("caps what one request parks one by one; the same events parked again add nothing", async () => {
    const [created] = contactEvents();
    const garbage = Array.from({ length: 30 }, (_, i) => ({ ...created, objectId: `bad-${created!.objectId}-${i}` }));
    const before = await parkedRows();
    expect(await (await send(await signedHubSpot(garbage))).json()).toMatchObject({ kept: 0, parked: 30 });
    expect((await parkedRows()) - before).toBe(21);
    const overflow = (await parkedEvents("hubspot-webhook")).find((p) => p.index === null);
    expect(overflow.reason).toMatch(/^10 more malformed events/);
    expect(JSON.parse(overflow.raw).map((r: any) => r.index)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    // HubSpot re-sends a batch it got no 2xx for: parking it again is the same rows.
    expect(await (await send(await signedHubSpot(garbage))).json()).toMatchObject({ parked: 30 });
    expect((await parkedRows()) - before).toBe(21);
  });
  it("keeps at most 8 KiB of a parked event, cut between characters, and says so", async () => {
    const [created] = contactEvents();
    const marker = `long-${created!.objectId}`;
    await send(await signedHubSpot([{ ...created, objectId: "not-an-id", sourceId: `${marker}${"ü".repeat(6000)}` }]));
    const [row] = await parkedWith(marker);
    expect(row).toMatchObject({ rawTruncated: true, rawBytes: expect.any(Number) });
    expect(row.rawBytes).toBeGreaterThan(12_000);
    expect(new TextEncoder().encode(row.raw).length).toBeLessThanOrEqual(8 * 1024);
    expect(row.raw.endsWith("ü")).toBe(true);
  });
});

describe("GET /admin/ingest/parked", () => {
  it("lists parked events newest first, page by page, of one source; admins only", async () => {
    const marker = `paging-${nextId}`;
    for (let i = 0; i < 3; i++) {
      await send(await signedHubSpot([{ ...contactEvents()[0], objectId: "x", sourceId: `${marker}-${i}` }]));
    }
    const first = (await (await adminGet("/admin/ingest/parked?source=hubspot-webhook&limit=2")).json()) as any;
    expect(first.events).toHaveLength(2);
    expect(first.events[0].raw).toContain(`${marker}-2`);
    expect(first.events[1].raw).toContain(`${marker}-1`);
    expect(first.events[0].parkedAt >= first.events[1].parkedAt).toBe(true);
    const second = (await (
      await adminGet(`/admin/ingest/parked?source=hubspot-webhook&limit=2&cursor=${encodeURIComponent(first.next)}`)
    ).json()) as any;
    expect(second.events[0].raw).toContain(`${marker}-0`);
    expect((await (await adminGet("/admin/ingest/parked?source=salesforce-cdc")).json()) as any).toMatchObject({ events: [] });
    expect((await adminGet("/admin/ingest/parked?source=nope")).status).toBe(400);
    expect((await adminGet("/admin/ingest/parked", "not-the-admin-token")).status).toBe(401);
  });
});
