import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app";
import { utf8Length } from "../../src/records/record-inbox";
import { signSlackRequest } from "../../src/platform/signatures/slack-signature";
import { eventually, ORIGIN, recordWithDuplicates, recordWithEvents, send, signedHubSpot, signedSalesforce } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

const ORG = TEST_BINDINGS.SALESFORCE_ORG_ID;
let serial = 0;
const leadId = () => `00Q5g00000H${String(++serial).padStart(4, "0")}AAA`;

function leadUpdate(id: string, fields: Record<string, unknown>, at: number, commitNumber: number, sequenceNumber = 1) {
  return {
    ChangeEventHeader: {
      entityName: "Lead",
      recordIds: [id],
      changeType: "UPDATE",
      changeOrigin: "com/salesforce/api/soap/62.0;client=SfdcInternalAPI/",
      transactionKey: crypto.randomUUID(),
      sequenceNumber,
      commitTimestamp: at,
      commitNumber,
      commitUser: "0055g00000RepOneAAA",
      changedFields: Object.keys(fields),
      nulledFields: [],
    },
    ...fields,
  };
}

describe("sizes are counted in bytes, and no event is too large to keep", () => {
  it("utf8Length counts what TextEncoder writes, surrogate pairs included", () => {
    for (const text of ["", "plain", "Grüße", "東京都港区", "emoji 🧭🚀 and 𝒳", "\ud800 lone surrogate"]) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });

  it("keeps a signed batch of one record's changes in a multibyte script (60 × 1,000 characters)", async () => {
    const objectId = 6_100_000 + serial++;
    const now = Date.now() - 60_000;
    const events = Array.from({ length: 60 }, (_, i) => ({
      eventId: 900 + i,
      subscriptionId: 11,
      portalId: 62515,
      appId: 54321,
      attemptNumber: 0,
      objectId,
      occurredAt: now + i,
      subscriptionType: "contact.propertyChange",
      propertyName: `notes_${i}`,
      propertyValue: "営業".repeat(500),
      changeSource: "CRM_UI",
    }));
    const response = await send(await signedHubSpot(events));
    // Counted in UTF-16 units this is one 60,000-unit message of 180 KB: the queue refuses it.
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kept: 60, parked: 0 });
    const { body } = await recordWithEvents(`hubspot:62515:contact:${objectId}`, 60);
    expect(body.state.properties.notes_59.value).toHaveLength(1_000);
  });

  it("keeps a change event larger than a queue message: a Long Text Area of 131,072 characters", async () => {
    const id = leadId();
    const description = "x".repeat(131_072);
    const event = leadUpdate(id, { Description: description }, Date.now() - 30_000, 1);
    const response = await send(await signedSalesforce([event]));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kept: 1, parked: 0 });
    // Its body waits in D1; the message names it, and the delivery reads it back.
    const stored = await env.DB.prepare("SELECT length(body) AS n FROM large_record_events WHERE record_key = ?")
      .bind(`salesforce:${ORG}:lead:${id}`)
      .first<{ n: number }>();
    expect(stored!.n).toBeGreaterThan(131_072);
    const { body } = await recordWithEvents(`salesforce:${ORG}:lead:${id}`, 1);
    expect(body.state.properties.Description.value).toBe(description);
    // Delivered again (HubSpot and the forwarder re-send), it is the same event.
    expect((await send(await signedSalesforce([event]))).status).toBe(200);
    expect((await recordWithDuplicates(`salesforce:${ORG}:lead:${id}`, 1)).body.events).toHaveLength(1);
  });
});

describe("ties of occurredAt go by the CRM's own order, never by arrival", () => {
  it("Salesforce: commitNumber, then sequenceNumber", async () => {
    const id = leadId();
    const at = Date.now() - 30_000;
    const later = leadUpdate(id, { Status: "Working - Contacted" }, at, 5001);
    const earlier = leadUpdate(id, { Status: "Open - Not Contacted" }, at, 5000);
    const lastInTransaction = leadUpdate(id, { Rating: "Hot" }, at, 5002, 2);
    const firstInTransaction = leadUpdate(id, { Rating: "Cold" }, at, 5002, 1);
    // The later commit arrives first, then the earlier one.
    await send(await signedSalesforce([later, lastInTransaction]));
    await recordWithEvents(`salesforce:${ORG}:lead:${id}`, 2);
    await send(await signedSalesforce([firstInTransaction, earlier]));
    const { body } = await recordWithEvents(`salesforce:${ORG}:lead:${id}`, 4);
    expect(body.state.properties.Status.value).toBe("Working - Contacted");
    expect(body.state.properties.Rating.value).toBe("Hot");
  });

  it("HubSpot: eventId, the one sequence HubSpot sends", async () => {
    const objectId = 6_200_000 + serial++;
    const at = Date.now() - 60_000;
    const change = (eventId: number, value: string) => ({
      eventId,
      subscriptionId: 11,
      portalId: 62515,
      appId: 54321,
      attemptNumber: 0,
      objectId,
      occurredAt: at,
      subscriptionType: "contact.propertyChange",
      propertyName: "hs_lead_status",
      propertyValue: value,
      changeSource: "CRM_UI",
    });
    await send(await signedHubSpot([change(41, "CONNECTED")]));
    await recordWithEvents(`hubspot:62515:contact:${objectId}`, 1);
    await send(await signedHubSpot([change(40, "NEW")]));
    const { body } = await recordWithEvents(`hubspot:62515:contact:${objectId}`, 2);
    expect(body.state.properties.hs_lead_status.value).toBe("CONNECTED");
  });
});

describe("Slack clicks", () => {
  it("the same signed click sent again inside the 5-minute window, after the minute turned, changes nothing", async () => {
    // A click acts only on a record this deployment follows: the contact arrives first.
    const objectId = 6_300_000 + serial++;
    const lead = `hubspot:62515:contact:${objectId}`;
    const creation = {
      eventId: objectId,
      subscriptionId: 10,
      portalId: 62515,
      appId: 54321,
      attemptNumber: 0,
      objectId,
      occurredAt: Date.now() - 60_000,
      subscriptionType: "contact.creation",
      changeSource: "CRM_UI",
    };
    expect((await send(await signedHubSpot([creation]))).status).toBe(200);
    await eventually(async () =>
      expect(await env.DB.prepare("SELECT 1 AS known FROM records WHERE record_key = ?").bind(lead).first()).not.toBeNull(),
    );
    const payload = {
      type: "block_actions",
      user: { id: "U05REPONE01", username: "rep.one" },
      team: { id: "T05EMULATE" },
      container: { type: "message", channel_id: "D05REPONE01", message_ts: "1763805600.000100" },
      trigger_id: "t-replayed",
      actions: [
        {
          action_id: "cadence_snooze",
          block_id: "cadence",
          value: JSON.stringify({ lead, cadence: "inbound", step: "s2" }),
          action_ts: "1763805601.5",
        },
      ],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = Math.floor(Date.now() / 1000 / 60) * 60 + 50; // ten seconds before a minute turns
    const signature = await signSlackRequest(TEST_BINDINGS.SLACK_SIGNING_SECRET, ts, body);
    const deliver = async (secondsAfter: number) => {
      // The Worker's clock, as Slack's request reaches it: the signature is good for 5 minutes.
      const app = createApp({ now: () => new Date((ts + secondsAfter) * 1000) });
      const ctx = createExecutionContext();
      const request = new Request(`${ORIGIN}/slack/interactions`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(ts), "x-slack-signature": signature },
      });
      const response = await app.fetch(request, env, ctx);
      await waitOnExecutionContext(ctx);
      return response.status;
    };
    expect(await deliver(5)).toBe(200);
    await recordWithEvents(lead, 2);
    expect(await deliver(75)).toBe(200); // the minute has turned
    const { body: snapshot } = await recordWithDuplicates(lead, 1);
    expect(snapshot.stats).toEqual({ recorded: 2, duplicatesIgnored: 1 });
    expect(snapshot.events.filter((e: any) => e.kind === "slackAction")).toHaveLength(1);
  });
});
