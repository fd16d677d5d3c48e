import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import cdcFixture from "../fixtures/salesforce-cdc-batch.json";
import cdcShapes from "../fixtures/salesforce-cdc-shapes.json";
import outboundFixture from "../fixtures/salesforce-outbound-message.xml?raw";
import {
  call,
  ORIGIN,
  eventually,
  leadSnapshot,
  outboundMessage,
  recordWithDuplicates,
  recordWithEvents,
  send,
  signedSalesforce,
} from "../support/requests";
import { salesforceEmulator } from "../support/emulators";
import { parkedWith } from "../support/ingest";
import { storedCounts } from "../support/store";
import { TEST_BINDINGS } from "../support/test-bindings";

const ORG = TEST_BINDINGS.SALESFORCE_ORG_ID;
let serial = 0;
const leadId = () => `00Q5g00000T${String(++serial).padStart(4, "0")}AAA`;

function leadUpdate(id: string, fields: Record<string, unknown>, at = Date.now() - 30_000, commitUser = "0055g00000RepOneAAA") {
  return {
    ChangeEventHeader: {
      entityName: "Lead",
      recordIds: [id],
      changeType: "UPDATE",
      changeOrigin: "com/salesforce/api/rest/62.0",
      transactionKey: crypto.randomUUID(),
      sequenceNumber: 1,
      commitTimestamp: at,
      commitNumber: at,
      commitUser,
      changedFields: [...Object.keys(fields), "LastModifiedDate"],
      nulledFields: [] as string[],
    },
    ...fields,
    LastModifiedDate: new Date(at).toISOString(),
  };
}

describe("POST /webhooks/salesforce (Change Data Capture, Standard Webhooks)", () => {
  it("records the fixture batch and recognises the integration user's echo", async () => {
    const response = await send(await signedSalesforce(cdcFixture));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kept: 3, ignored: 0, parked: 0, reasons: [] });

    const lead = await recordWithEvents(`salesforce:${ORG}:lead:00Q5g00000ABCDEUA3`, 1);
    expect(lead.body.state).toMatchObject({ crm: "salesforce", objectType: "lead", createdAt: "2025-11-22T10:00:00.000Z" });
    expect(lead.body.state.properties.Email.value).toBe("jane.doe@example.com");

    const opp = await recordWithEvents(`salesforce:${ORG}:opportunity:0065g00000XyZabAAF`, 2);
    expect(opp.body.events.map((e: any) => [e.properties.StageName, e.fromThisIntegration])).toEqual([
      ["Negotiation/Review", false],
      ["Proposal/Price Quote", true],
    ]);
    expect(opp.body.events[0].properties).not.toHaveProperty("LastModifiedDate");
  });

  it("applies nulled fields as cleared values and is idempotent under re-delivery", async () => {
    const id = leadId();
    const at = Date.now() - 30_000;
    const titled = leadUpdate(id, { Title: "CEO" }, at);
    const event = leadUpdate(id, { Status: "Working - Contacted" }, at + 1000);
    event.ChangeEventHeader.nulledFields = ["Title"];
    event.ChangeEventHeader.changedFields.push("Title");
    expect(await (await send(await signedSalesforce([titled, event]))).json()).toMatchObject({ kept: 2 });
    await recordWithEvents(`salesforce:${ORG}:lead:${id}`, 2);
    expect((await send(await signedSalesforce([event]))).status).toBe(200);
    const { body } = await recordWithDuplicates(`salesforce:${ORG}:lead:${id}`, 1);
    expect(body.events).toHaveLength(2);
    expect(body.state.properties.Title.value).toBeNull();
    expect(body.state.properties.Status.value).toBe("Working - Contacted");
  });

  it("splits an event naming several records into one event per record", async () => {
    const [a, b] = [leadId(), leadId()];
    const event = leadUpdate(a, { Status: "Closed - Not Converted" });
    event.ChangeEventHeader.recordIds = [a, b];
    expect(await (await send(await signedSalesforce([event]))).json()).toMatchObject({ kept: 1, parked: 0 });
    expect((await recordWithEvents(`salesforce:${ORG}:lead:${b}`, 1)).body.state.properties.Status.value).toBe("Closed - Not Converted");
  });

  const bad: [string, () => Promise<Request>, number][] = [
    [
      "no signature headers",
      async () => new Request(`${ORIGIN}/webhooks/salesforce`, { method: "POST", body: "[]", headers: { "content-type": "application/json" } }),
      401,
    ],
    ["wrong secret", () => signedSalesforce([leadUpdate(leadId(), { Status: "x" })], { secret: `whsec_${btoa("wrong")}` }), 401],
    ["stale timestamp", () => signedSalesforce([leadUpdate(leadId(), { Status: "x" })], { timestampS: Math.floor(Date.now() / 1000) - 600 }), 401],
    ["malformed JSON", () => signedSalesforce("{"), 400],
    ["not an array", () => signedSalesforce({ ChangeEventHeader: {} }), 400],
    ["empty batch", () => signedSalesforce([]), 400],
    ["more than 200 events", () => signedSalesforce(Array.from({ length: 201 }, () => leadUpdate(leadId(), { Status: "x" }))), 400],
  ];
  for (const [name, build, status] of bad) {
    it(`${name} → ${status}, nothing stored`, async () => {
      const before = await storedCounts();
      expect((await send(await build())).status).toBe(status);
      expect(await storedCounts()).toEqual(before);
    });
  }
});

describe("POST /webhooks/salesforce/outbound/:token (Outbound Messages)", () => {
  it("acknowledges with the SOAP Ack and records the notification as a snapshot", async () => {
    const response = await send(outboundMessage(outboundFixture));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/xml");
    expect(await response.text()).toContain("<Ack>true</Ack>");

    const { body } = await eventually(async () => {
      const snapshot = await leadSnapshot(`salesforce:${ORG}:lead:00Q5g00000ABCDEUA3`);
      if (!snapshot.body.events?.some((e: any) => e.via === "salesforce-outbound")) throw new Error("not recorded yet");
      return snapshot;
    });
    const event = body.events.find((e: any) => e.via === "salesforce-outbound");
    expect(event).toMatchObject({
      kind: "propertyChanged",
      snapshot: true,
      properties: { Status: "Working - Contacted", LastActivityDate: "2025-11-08" },
    });

    // Salesforce re-sends until acknowledged: the same notification Id changes nothing.
    const again = await send(outboundMessage(outboundFixture));
    expect(await again.text()).toContain("<Ack>true</Ack>");
    const after = await recordWithDuplicates(`salesforce:${ORG}:lead:00Q5g00000ABCDEUA3`, body.stats.duplicatesIgnored + 1);
    expect(after.body.events).toHaveLength(body.events.length);
  });

  const bad: [string, () => Request, number][] = [
    ["wrong token", () => outboundMessage(outboundFixture, "not-the-token-000000"), 401],
    ["another org", () => outboundMessage(outboundFixture.replace("00D5g000004ExmplEAA", "00D000000000001AAA")), 401],
    ["not XML", () => outboundMessage("hello"), 400],
    ["no notifications", () => outboundMessage(outboundFixture.replace(/<Notification>[\s\S]*<\/Notification>/, "")), 400],
    ["a DTD", () => outboundMessage(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${outboundFixture.replace(/^<\?xml[^>]*>/, "")}`), 400],
    ["JSON content type", () => new Request(outboundMessage(outboundFixture), { headers: { "content-type": "application/json" } }), 415],
  ];
  for (const [name, build, status] of bad) {
    it(`${name} → ${status}, nothing stored`, async () => {
      const before = await storedCounts();
      expect((await send(build())).status).toBe(status);
      expect(await storedCounts()).toEqual(before);
    });
  }
});

describe("every documented Salesforce change-event shape", () => {
  it("reads a record a gap event names before its rules act, and clears the mark", { timeout: 30_000 }, async () => {
    const lead = (await salesforceEmulator.uiCreate("Lead", { LastName: "Gapped", Company: "Example", Status: "Working - Contacted" })) as {
      id: string;
    };
    const gap = structuredClone(cdcShapes[0]) as any;
    gap.ChangeEventHeader.recordIds = [lead.id];
    gap.ChangeEventHeader.commitTimestamp = Date.now() - 5_000;
    expect(await (await send(await signedSalesforce([gap]))).json()).toMatchObject({ kept: 1, parked: 0 });
    const read = await eventually(async () => {
      const snapshot = await recordWithEvents(`salesforce:${ORG}:lead:${lead.id}`, 1);
      if (snapshot.body.state.refreshNeeded) throw new Error("not read yet");
      return snapshot;
    }, 20_000);
    expect(read.body.state).toMatchObject({ refreshNeeded: false, refreshNeededSince: null });
    expect(read.body.state.properties.Status).toMatchObject({ value: "Working - Contacted", changedBy: { source: "read" } });
  });

  it("takes null header fields, clears nulled fields, marks gap events for a fresh read, and ignores objects it does not follow", async () => {
    // The overflow and the wildcard (indexes 3 and 4) start reconciliations: see reconciliation.test.ts.
    const batch = [cdcShapes[0], cdcShapes[1], cdcShapes[2], cdcShapes[5]];
    const response = await send(await signedSalesforce(batch));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      kept: 3,
      ignored: 1,
      parked: 0,
      reasons: [{ index: 3, outcome: "ignored", reason: "change events of Case are not handled" }],
    });

    const gap = await recordWithEvents(`salesforce:${ORG}:lead:00Q5g00000GAPUPAA1`, 1);
    expect(gap.body.events[0]).toMatchObject({ kind: "gap", change: "update", changedBy: { id: "0055g00000RepOneAAA" } });
    expect(gap.body.events[0].changedBy).not.toHaveProperty("source");
    // The gap's fields are all null in the event: they are not values, nothing is set from them.
    expect(gap.body.state).toMatchObject({ refreshNeeded: true, refreshNeededSince: { occurredAt: "2025-11-22T10:03:20.000Z" }, properties: {} });

    const nulls = await recordWithEvents(`salesforce:${ORG}:lead:00Q5g00000NULLSAA2`, 1);
    expect(nulls.body.events[0]).toMatchObject({ kind: "propertyChanged", properties: { Title: "CTO", Phone: null } });
    expect(nulls.body.events[0].order).toBe(`${"0".repeat(20)}.${"1".padStart(20, "0")}`);
    expect(nulls.body.state.properties.Phone.value).toBeNull();

    const deleted = await recordWithEvents(`salesforce:${ORG}:lead:00Q5g00000GAPDLAA3`, 1);
    expect(deleted.body.state).toMatchObject({ status: "deleted", refreshNeeded: true });
    expect((await leadSnapshot(`salesforce:${ORG}:case:5005g00000CaseXAAA`)).status).toBe(404);
  });
});

describe("a mixed Salesforce batch", () => {
  it("keeps the valid change events, ignores what it does not follow, parks what is malformed, and loses nothing", async () => {
    const [good, other] = [leadId(), leadId()];
    const marker = `mixed-${good}`;
    const withHeader = (patch: Record<string, unknown>) => {
      const event = leadUpdate(leadId(), { Status: "x" });
      return { ...event, Description: marker, ChangeEventHeader: { ...event.ChangeEventHeader, ...patch } };
    };
    const batch = [
      leadUpdate(good, { Status: "Working - Contacted" }),
      { ...leadUpdate("not-an-id", { Status: "x" }), Description: marker },
      { Status: "x", Description: marker },
      "text",
      withHeader({ entityName: "Task" }),
      withHeader({ changeType: "EXPLODE" }),
      withHeader({ commitTimestamp: 8.64e15 }),
      leadUpdate(other, { Status: "Open - Not Contacted" }),
    ];
    const response = await send(await signedSalesforce(batch));
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ kept: 2, ignored: 1, parked: 5 });
    expect(body.reasons.map((r: any) => [r.index, r.outcome])).toEqual([
      [1, "parked"],
      [2, "parked"],
      [3, "parked"],
      [4, "ignored"],
      [5, "parked"],
      [6, "parked"],
    ]);
    expect(body.reasons[0].reason).toBe('ChangeEventHeader.recordIds: "not-an-id" is not a 15- or 18-character Salesforce id');
    expect(body.reasons[1].reason).toBe("ChangeEventHeader is missing");
    expect(body.reasons[4].reason).toMatch(/^ChangeEventHeader\.changeType: /);
    expect(body.reasons[5].reason).toMatch(/^occurredAt \+275760-09-13T00:00:00\.000Z is more than 5 minutes after/);

    // Nothing lost.
    expect((await recordWithEvents(`salesforce:${ORG}:lead:${good}`, 1)).body.state.properties.Status.value).toBe("Working - Contacted");
    expect((await recordWithEvents(`salesforce:${ORG}:lead:${other}`, 1)).body.state.properties.Status.value).toBe("Open - Not Contacted");
    const parked = (await parkedWith(marker, "salesforce-cdc")).sort((a, b) => a.index - b.index);
    expect(parked.map((p) => p.index)).toEqual([1, 2, 5, 6]);
    expect((await parkedWith('"text"', "salesforce-cdc")).some((p) => p.index === 3)).toBe(true);
  });
});

describe("Outbound Messages event by event, and their token", () => {
  const notification = (id: string, sobject: string, recordId: string, fields = "") =>
    `<Notification><Id>${id}</Id><sObject xsi:type="sf:${sobject}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${recordId}</sf:Id>${fields}</sObject></Notification>`;
  const envelope = (notifications: string[]) => outboundFixture.replace(/<Notification>[\s\S]*<\/Notification>/, notifications.join(""));

  it("acknowledges a message with a bad notification: the good one is kept, the bad one parked", async () => {
    const lead = leadId();
    const message = envelope([
      notification("04l5g00000MixOKAAZ", "Lead", lead, "<sf:Status>Open - Not Contacted</sf:Status>"),
      notification("not an id", "Lead", leadId()),
      notification("04l5g00000MixTkAAZ", "Task", "00T5g00000TaskXAAA"),
    ]);
    const response = await send(outboundMessage(message));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<Ack>true</Ack>");
    expect((await recordWithEvents(`salesforce:${ORG}:lead:${lead}`, 1)).body.state.properties.Status.value).toBe("Open - Not Contacted");
    const parked = await parkedWith("not an id", "salesforce-outbound");
    expect(parked).toMatchObject([{ index: 1, reason: "Id: not a notification id", accountId: ORG }]);
    expect((await leadSnapshot(`salesforce:${ORG}:task:00T5g00000TaskXAAA`)).status).toBe(404);
  });

  it("accepts the previous token during a rotation, and no other", async () => {
    const previous = await send(outboundMessage(outboundFixture, TEST_BINDINGS.SALESFORCE_OUTBOUND_TOKEN_PREVIOUS));
    expect(previous.status).toBe(200);
    expect((await send(outboundMessage(outboundFixture, `${TEST_BINDINGS.SALESFORCE_OUTBOUND_TOKEN}x`))).status).toBe(401);
  });

  it("never writes the token in the Worker's logs or error messages", async () => {
    const token = TEST_BINDINGS.SALESFORCE_OUTBOUND_TOKEN;
    const logged: string[] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" "));
      }),
    );
    try {
      // An unknown path under the token: the 404 names the path.
      const notFound = await call(`/webhooks/salesforce/outbound/${token}/extra`, { method: "POST" });
      expect(notFound.status).toBe(404);
      const answer = await notFound.text();
      expect(answer).toContain("/webhooks/salesforce/outbound/[token]/extra");
      // A failure inside the route (D1 cannot park): logged with the path, answered 503.
      await env.DB.exec("ALTER TABLE parked_events RENAME TO parked_events_away");
      try {
        const failing = await send(outboundMessage(envelope([notification("still not an id", "Lead", leadId())])));
        expect(failing.status).toBe(503);
        expect(await failing.text()).not.toContain(token);
      } finally {
        await env.DB.exec("ALTER TABLE parked_events_away RENAME TO parked_events");
      }
      expect(logged.some((line) => line.includes("/webhooks/salesforce/outbound/[token] failed"))).toBe(true);
      expect(logged.filter((line) => line.includes(token))).toEqual([]);
      expect(answer).not.toContain(token);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
