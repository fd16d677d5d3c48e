import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { signMailgun } from "../../src/platform/signatures/mailgun-signature";
import { signSlackRequest } from "../../src/platform/signatures/slack-signature";
import { hubspotEmulator, salesforceEmulator, slackEmulator } from "../support/emulators";
import { eventually, leadSnapshot, ORIGIN, send, signedHubSpot, signedSalesforce } from "../support/requests";
import { admin, allDone, auditEntries, deliverHubSpotWebhooks, runDue } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";

/** Cadences only, so the audit and the CRM show what they do and nothing else. */
const CADENCE_POLICY = { ...DEFAULT_POLICY, rules: { cadences: DEFAULT_POLICY.rules.cadences } };

const tasksOf = async (contactId: string) =>
  ((await hubspotEmulator.objects("tasks")) as any[]).filter((t) => JSON.stringify(t.associations ?? {}).includes(`"${contactId}"`));

function postmark(from: string, subject: string, messageId: string, password: string = TEST_BINDINGS.POSTMARK_INBOUND_PASSWORD) {
  return send(
    new Request(`${ORIGIN}/webhooks/email/postmark`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${btoa(`${TEST_BINDINGS.POSTMARK_INBOUND_USERNAME}:${password}`)}` },
      body: JSON.stringify({
        From: from,
        FromFull: { Email: from.replace(/.*<|>.*/g, ""), Name: "Jane" },
        To: "rep@ours.example",
        ToFull: [{ Email: "rep@ours.example" }],
        Subject: subject,
        MessageID: "pm-1",
        Date: new Date().toUTCString(),
        TextBody: "Sounds good, call me Thursday.",
        StrippedTextReply: "Sounds good, call me Thursday.",
        Headers: [{ Name: "Message-ID", Value: messageId }],
      }),
    }),
  );
}

async function slackClick(actionId: string, value: object, responseUrl: string, secret: string = TEST_BINDINGS.SLACK_SIGNING_SECRET) {
  const payload = {
    type: "block_actions",
    user: { id: "U05REPONE01", username: "rep.one" },
    team: { id: "T05EMULATE" },
    trigger_id: `t-${Date.now()}`,
    response_url: responseUrl,
    actions: [{ action_id: actionId, block_id: "cadence", value: JSON.stringify(value), action_ts: `${Date.now() / 1000}` }],
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
        "x-slack-signature": await signSlackRequest(secret, ts, body),
      },
    }),
  );
}

/** A HubSpot contact created in the CRM and delivered to the Worker; its key and enrollment entry. */
async function enrolledContact(emailTag: string, properties: Record<string, string>) {
  const contact = await hubspotEmulator.uiCreate("contacts", { email: `${emailTag}.${Date.now()}@example.com`, ...properties });
  await deliverHubSpotWebhooks();
  const key = `hubspot:62515:contact:${contact.id}`;
  const {
    entries: [enrolled],
  } = await auditEntries(key, "enrolled");
  return { contact, key, enrolled };
}

/** Runs the lead's first planned step (the enrollment entry lists them as "id instant"). */
const runFirstStep = (key: string, enrolled: any) => runDue(key, Date.parse(enrolled.data.steps[0].split(" ")[1]) + 1);

beforeAll(async () => {
  const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(CADENCE_POLICY) });
  expect(put.status).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspot.ok).toBe(true);
  expect(setup.hubspotLeadSource.ok).toBe(true);
  await hubspotEmulator.webhooks();
});

describe("cadences, HubSpot", () => {
  it("enrolls by source, writes each step once at its time, and stops on a reply", { timeout: 90_000 }, async () => {
    const email = `jane.${Date.now()}@example.com`;
    const contact = await hubspotEmulator.uiCreate("contacts", {
      email,
      firstname: "Jane",
      company: "Acme",
      lead_source: "demo_request",
      hubspot_owner_id: "84213371",
      phone: "+49 30 1234567",
    });
    const creation = await deliverHubSpotWebhooks();
    const key = `hubspot:62515:contact:${contact.id}`;
    const {
      entries: [enrolled],
      body,
    } = await auditEntries(key, "enrolled");
    expect(enrolled.data).toMatchObject({ cadence: "inbound-sales", source: "demo_request", zone: "Europe/Berlin", zoneSource: "phone" });
    const steps = body.pendingWakeups;
    expect(steps.map((w: any) => w.name)).toEqual(expect.arrayContaining(["cadence:step", "cadence:sla"]));
    const [first, second] = enrolled.data.steps.map((s: string) => Date.parse(s.split(" ")[1]!));

    // The first step: a task through the outbox, at its time, with the lead's name in it.
    await runDue(key, first + 1);
    await auditEntries(key, "step written");
    await allDone(key, 2); // the task and the Slack nudge
    let tasks = await tasksOf(contact.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].properties).toMatchObject({
      hs_task_type: "EMAIL",
      hs_task_priority: "HIGH",
      hubspot_owner_id: "84213371",
      hs_task_status: "NOT_STARTED",
      hs_task_subject: "Reply to Jane's demo request and offer a call",
    });
    expect(Date.parse(tasks[0].properties.hs_timestamp)).toBe(first);
    expect(tasks[0].properties.hs_task_body).toContain("Hi Jane,");

    // Duplicate webhooks and a repeated alarm change nothing.
    expect((await send(await signedHubSpot(creation))).status).toBe(200);
    await runDue(key, first + 2);
    await eventually(async () => expect((await leadSnapshot(key)).body.stats.duplicatesIgnored).toBeGreaterThan(0));
    expect(await tasksOf(contact.id)).toHaveLength(1);

    // The lead replies (plus-address, other case): the cadence stops and the open task is closed.
    const matched = await eventually(async () => {
      const response = await postmark(
        `Jane <${email.replace("@", "+re@").toUpperCase()}>`,
        "Re: your demo request",
        `<reply-${contact.id}@mail.example.com>`,
      );
      const result = (await response.json()) as any;
      if (result.matched !== 1) throw new Error(JSON.stringify(result));
      return result;
    }, 10_000);
    expect(matched.records).toEqual([key]);
    const {
      entries: [stopped],
    } = await auditEntries(key, "stopped");
    expect(stopped.reason).toMatch(/^replied: email "Re: your demo request"/);
    await allDone(key, 3);
    tasks = await tasksOf(contact.id);
    expect(tasks[0].properties.hs_task_status).toBe("COMPLETED");

    // The next step's time comes: no later task appears.
    await runDue(key, second + 1);
    expect((await leadSnapshot(key)).body.audit.filter((a: any) => a.outcome === "step written")).toHaveLength(1);
    expect(await tasksOf(contact.id)).toHaveLength(1);
  });

  it("stops when the lead unsubscribes", { timeout: 60_000 }, async () => {
    const { contact, key, enrolled } = await enrolledContact("unsub", { firstname: "Uma", lead_source: "webinar", hubspot_owner_id: "84213372" });
    expect(enrolled.data).toMatchObject({ cadence: "webinar", zone: "Europe/London", zoneSource: "owner" });
    await runFirstStep(key, enrolled);
    await allDone(key, 1);

    await hubspotEmulator.uiUpdate("contacts", contact.id, { hs_email_optout: "true" });
    await deliverHubSpotWebhooks();
    const {
      entries: [stopped],
    } = await auditEntries(key, "stopped");
    expect(stopped.data).toMatchObject({ reason: "unsubscribed", evidence: "hs_email_optout = true" });
    await allDone(key, 2);
    expect((await tasksOf(contact.id)).map((t) => t.properties.hs_task_status)).toEqual(["COMPLETED"]);
  });

  it("handles Slack buttons: mark done completes the CRM task and answers; bad signatures and payloads are refused", {
    timeout: 60_000,
  }, async () => {
    const { contact, key, enrolled } = await enrolledContact("slack", { firstname: "Sol", lead_source: "trade_show", hubspot_owner_id: "84213371" });
    expect(enrolled.data.cadence).toBe("triage");
    await runFirstStep(key, enrolled);
    await allDone(key, 2);
    const nudge = ((await slackEmulator.messages()) as any[]).findLast((m) => JSON.stringify(m.blocks ?? []).includes(key));
    expect(nudge).toBeDefined();
    const button = nudge.blocks.find((b: any) => b.type === "actions").elements.find((e: any) => e.action_id === "cadence_done");
    const responseUrl = await slackEmulator.responseUrl(nudge.channel, nudge.ts);

    expect((await slackClick("cadence_done", JSON.parse(button.value), responseUrl, "not-the-secret")).status).toBe(401);
    expect((await slackClick("some_other_button", JSON.parse(button.value), responseUrl)).status).toBe(400);
    expect((await slackClick("cadence_done", { lead: "nonsense" }, responseUrl)).status).toBe(400);
    expect((await leadSnapshot(key)).body.audit.some((a: any) => a.outcome === "step done")).toBe(false);

    expect((await slackClick("cadence_done", JSON.parse(button.value), responseUrl)).status).toBe(200);
    await auditEntries(key, "step done");
    await allDone(key, 4);
    expect((await tasksOf(contact.id))[0].properties.hs_task_status).toBe("COMPLETED");
    const responses = (await slackEmulator.responses()) as any[];
    expect(responses.some((r) => JSON.stringify(r).includes("Marked done by <@U05REPONE01>"))).toBe(true);
  });
});

describe("cadences, Salesforce", () => {
  it("enrolls a Salesforce lead and writes its step as a Task on the lead", { timeout: 60_000 }, async () => {
    const lead = await salesforceEmulator.uiCreate("Lead", {
      LastName: "Kumar",
      FirstName: "Priya",
      Company: "Globex",
      LeadSource: "content_download_pricing",
      Phone: "+91 22 5555 0100",
      Email: `priya.${Date.now()}@example.com`,
      OwnerId: "0055g00000RepOnAAA",
    });
    const events = await salesforceEmulator.webhooks();
    expect((await send(await signedSalesforce(events))).status).toBe(200);
    const key = `salesforce:00D5g000004ExmplEAA:lead:${lead.id}`;
    const {
      entries: [enrolled],
    } = await auditEntries(key, "enrolled");
    expect(enrolled.data).toMatchObject({ cadence: "content-nurture", zone: "Asia/Kolkata" });
    await runFirstStep(key, enrolled);
    await allDone(key, 1);
    const task = ((await salesforceEmulator.records("Task")) as any[]).find((t) => t.WhoId === lead.id);
    expect(task).toMatchObject({ OwnerId: "0055g00000RepOnAAA", Subject: "Follow up on our guide with Priya" });
    expect(task.Description).toContain("Thanks for downloading our guide");
  });
});

describe("inbound email webhooks", () => {
  it("refuses Postmark without the right credentials and Mailgun without a valid signature", async () => {
    expect((await postmark("x@example.com", "hi", "<a@b>", "wrong-password-0000000")).status).toBe(401);
    const form = new URLSearchParams({
      sender: "x@example.com",
      from: "x@example.com",
      recipient: "rep@ours.example",
      subject: "hi",
      "body-plain": "hi",
      timestamp: String(Math.floor(Date.now() / 1000)),
      token: "t".repeat(50),
      signature: "0".repeat(64),
    });
    const response = await send(
      new Request(`${ORIGIN}/webhooks/email/mailgun`, {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(response.status).toBe(401);
  });

  it("does not take an out-of-office answer for a reply", async () => {
    const response = await send(
      new Request(`${ORIGIN}/webhooks/email/postmark`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${btoa(`${TEST_BINDINGS.POSTMARK_INBOUND_USERNAME}:${TEST_BINDINGS.POSTMARK_INBOUND_PASSWORD}`)}`,
        },
        body: JSON.stringify({
          From: "jane@example.com",
          Subject: "Out of Office: back Monday",
          MessageID: "oof-1",
          TextBody: "I am away.",
          Headers: [{ Name: "Auto-Submitted", Value: "auto-replied" }],
        }),
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ matched: 0, records: [], ignored: "automatic reply" });
  });

  it("accepts a signed Mailgun reply once, answering 200 even when no lead has the address", async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = "k".repeat(50);
    const form = new URLSearchParams({
      sender: "nobody@example.org",
      from: "Nobody <nobody@example.org>",
      recipient: "rep@ours.example",
      subject: "Re: hello",
      "body-plain": "hi",
      "Message-Id": "<mg-1@example.org>",
      timestamp,
      token,
      signature: await signMailgun(TEST_BINDINGS.MAILGUN_SIGNING_KEY, timestamp, token),
    });
    const response = await send(
      new Request(`${ORIGIN}/webhooks/email/mailgun`, {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ matched: 0, records: [] });
    // The same signed request again is a replay: Mailgun's signature does not cover the message.
    const replay = await send(
      new Request(`${ORIGIN}/webhooks/email/mailgun`, {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(replay.status).toBe(401);
  });
});
