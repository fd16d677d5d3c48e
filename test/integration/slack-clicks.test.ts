import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signSlackRequest } from "../../src/platform/signatures/slack-signature";
import { hubspotEmulator } from "../support/emulators";
import { eventually, ORIGIN, recordWithEvents, send } from "../support/requests";
import { deliverHubSpotWebhooks } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";

/** A signed block_actions payload, as Slack posts it, with one action per record key. */
async function click(leads: string[], action = "cadence_snooze") {
  const payload = {
    type: "block_actions",
    user: { id: "U05REPONE01", username: "rep.one" },
    team: { id: "T05EMULATE" },
    container: { type: "message", channel_id: "D05REPONE01", message_ts: "1763805600.000100" },
    trigger_id: `t-${crypto.randomUUID()}`,
    actions: leads.map((lead, i) => ({
      action_id: action,
      block_id: "cadence",
      value: JSON.stringify({ lead, cadence: "inbound-sales", step: "day-2-resource" }),
      action_ts: `1763805601.${i}`,
    })),
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = Math.floor(Date.now() / 1000);
  return send(
    new Request(`${ORIGIN}/slack/interactions`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": String(ts),
        "x-slack-signature": await signSlackRequest(TEST_BINDINGS.SLACK_SIGNING_SECRET, ts, body),
      },
    }),
  );
}

/** Which of these keys have a row in D1's records (asked 50 at a time: D1 binds at most 100 values). */
async function recordRows(keys: string[]): Promise<string[]> {
  const rows: string[] = [];
  for (let i = 0; i < keys.length; i += 50) {
    const part = keys.slice(i, i + 50);
    const { results } = await env.DB.prepare(`SELECT record_key FROM records WHERE record_key IN (${part.map(() => "?").join(", ")})`)
      .bind(...part)
      .all<{ record_key: string }>();
    rows.push(...results.map((r) => r.record_key));
  }
  return rows;
}

/**
 * Which of these keys have a record object. The listing is of the runtime's object files, which
 * the worker files share and a file's reset empties without removing: keys asked about here must
 * be this file's own (hubspot-webhook.test.ts numbers its contacts from 5,000,000).
 */
async function objectsOf(keys: string[]): Promise<string[]> {
  const ids = new Set((await listDurableObjectIds(env.RECORDS)).map((id) => id.toString()));
  return keys.filter((key) => ids.has(env.RECORDS.idFromName(key).toString()));
}

const ORG = TEST_BINDINGS.SALESFORCE_ORG_ID;
/** Contact ids nobody else uses: a range of this run's own. */
const strangers = Date.now() * 1_000;
let ours: string;

beforeAll(async () => {
  // A contact this deployment follows: created in "HubSpot", delivered, projected to D1.
  const contact = await hubspotEmulator.uiCreate("contacts", { email: `clicks.${Date.now()}@example.com`, firstname: "Ada" });
  await deliverHubSpotWebhooks();
  ours = `hubspot:62515:contact:${contact.id}`;
  await eventually(async () => expect(await recordRows([ours])).toEqual([ours]), 15_000);
});

describe("Slack clicks act only on records this deployment follows", () => {
  it.each([
    ["another HubSpot portal", "hubspot:99999:contact:1", "the record is in another HubSpot portal"],
    ["another Salesforce org", "salesforce:00D000000000001AAA:lead:00Q5g00000H0001AAA", "the record is in another Salesforce org"],
    ["an object type we do not keep", "hubspot:62515:widget:1", "widget is not a record type this app follows"],
    ["a record we never saw", "hubspot:62515:contact:987654321", "this app has no such record"],
    ["a Salesforce lead we never saw", `salesforce:${ORG}:lead:00Q5g00000H9999AAA`, "this app has no such record"],
  ])("a signed click naming %s changes nothing: 200 with an ephemeral reason, no record object, no row", async (_, key, reason) => {
    const response = await click([key]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_type: "ephemeral", replace_original: false, text: `Nothing was changed: ${reason}.` });
    // A click on our own record after it: once that one has arrived, anything queued before it has too.
    const before = (await recordWithEvents(ours, 1)).body.events.length;
    expect((await click([ours])).status).toBe(200);
    await recordWithEvents(ours, before + 1);
    expect(await objectsOf([key])).toEqual([]);
    expect(await recordRows([key])).toEqual([]);
  });

  it("a payload of 500 actions is refused whole (400, saying why), and 6 are too many; nothing is created", async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `hubspot:62515:contact:${strangers + i}`);
    for (const many of [keys, keys.slice(0, 6)]) {
      const response = await click(many);
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).message).toBe(`a click is one button: this payload has ${many.length} actions, at most 5 are accepted`);
    }
    const before = (await recordWithEvents(ours, 1)).body.events.length;
    expect((await click([ours])).status).toBe(200);
    await recordWithEvents(ours, before + 1);
    expect(await objectsOf(keys)).toEqual([]);
    expect(await recordRows(keys)).toEqual([]);
  });

  it("in one payload, the click on our record goes through and the one on a stranger is refused", async () => {
    const before = (await recordWithEvents(ours, 1)).body.events.length;
    const stranger = "hubspot:62515:contact:123123123";
    const response = await click([ours, stranger]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      response_type: "ephemeral",
      text: "Nothing was changed for some of these buttons: this app has no such record.",
    });
    const { body } = await recordWithEvents(ours, before + 1);
    expect(body.events.filter((e: any) => e.kind === "slackAction").length).toBeGreaterThan(0);
    expect(await objectsOf([stranger])).toEqual([]);
    expect(await recordRows([stranger])).toEqual([]);
  });
});
