import { describe, expect, it } from "vitest";
import cdcFixture from "../fixtures/salesforce-cdc-batch.json";
import outboundFixture from "../fixtures/salesforce-outbound-message.xml?raw";
import {
  ORIGIN,
  eventually,
  leadSnapshot,
  outboundMessage,
  recordWithDuplicates,
  recordWithEvents,
  send,
  signedSalesforce,
} from "../support/requests";
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
    expect(await response.json()).toEqual({ received: 3, records: 2 });

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

  it("records nulled fields as null and is idempotent under re-delivery", async () => {
    const id = leadId();
    const event = leadUpdate(id, { Status: "Working - Contacted" });
    event.ChangeEventHeader.nulledFields = ["Title"];
    expect(await (await send(await signedSalesforce([event]))).json()).toMatchObject({ received: 1 });
    await recordWithEvents(`salesforce:${ORG}:lead:${id}`, 1);
    expect((await send(await signedSalesforce([event]))).status).toBe(200);
    const { body } = await recordWithDuplicates(`salesforce:${ORG}:lead:${id}`, 1);
    expect(body.events).toHaveLength(1);
    expect(body.state.properties.Title.value).toBeNull();
  });

  it("splits an event naming several records into one event per record", async () => {
    const [a, b] = [leadId(), leadId()];
    const event = leadUpdate(a, { Status: "Closed - Not Converted" });
    event.ChangeEventHeader.recordIds = [a, b];
    expect(await (await send(await signedSalesforce([event]))).json()).toMatchObject({ received: 2, records: 2 });
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
    ["missing ChangeEventHeader", () => signedSalesforce([{ Status: "x" }]), 400],
    ["bad record id", () => signedSalesforce([leadUpdate("not-an-id", { Status: "x" })]), 400],
    ["malformed JSON", () => signedSalesforce("{"), 400],
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
