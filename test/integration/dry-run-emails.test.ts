import { env } from "cloudflare:workers";
import { DateTime } from "luxon";
import { beforeAll, describe, expect, it } from "vitest";
import { dryRun } from "../../src/console/dry-run";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { activePolicy } from "../../src/storage/policies";
import { autoEmailPolicy, postmarkEmulator } from "../support/emails";
import { hubspotEmulator } from "../support/emulators";
import { admin, auditEntries } from "../support/rule-flows";

const PORTAL = "62515";
const ZONE = "America/Chicago";

beforeAll(async () => {
  const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(autoEmailPolicy()) });
  expect(put.status, await put.clone().text()).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspot.ok, JSON.stringify(setup.hubspot)).toBe(true);
});

describe("the console's dry run", () => {
  it("shows the cadence emails a policy would send, rendered, at their times in the lead's zone, and sends none", { timeout: 60_000 }, async () => {
    const email = `zoe.${Date.now().toString(36)}@example.com`;
    const contact = await hubspotEmulator.uiCreate("contacts", {
      email,
      firstname: "Zoe",
      company: "Acme",
      lead_source: "demo_request",
      hubspot_owner_id: "84213371",
    });
    const key = `hubspot:${PORTAL}:contact:${contact.id}`;
    const at = new Date().toISOString();
    const event: CrmEvent = {
      kind: "submitted",
      dedupeKey: `intake:test-${key}`,
      recordKey: key,
      crm: "hubspot",
      accountId: PORTAL,
      objectType: "contact",
      objectId: contact.id,
      occurredAt: at,
      changedBy: { source: "intake", id: "demo" },
      fromThisIntegration: false,
      via: "intake",
      submissionId: `test-${contact.id}`,
      formKey: "demo",
      source: "demo_request",
      timeZone: ZONE,
      createdRecord: true,
    };
    await env.RECORDS.getByName(key).record([event], at);
    const {
      entries: [enrolled],
    } = await auditEntries(key, "enrolled");
    const [first, second] = enrolled.data.steps.map((s: string) => Date.parse(s.split(" ")[1]!)) as number[];

    // As of just after the second step: the replay runs both steps the live record has not run yet.
    const active = await activePolicy(env.DB);
    const result = await dryRun(env, active, active, new Date(second! + 1), 7);
    expect(result.emailCount).toBe(2);
    const [acknowledge, followUp] = result.emails;
    expect(acknowledge).toMatchObject({
      recordKey: key,
      step: "day-0-acknowledge",
      at: new Date(first!).toISOString(),
      local: expect.stringContaining(DateTime.fromMillis(first!, { zone: ZONE }).toFormat("HH:mm")),
      from: "Alex Rivera <alex@mail.example.com>",
      to: email,
      subject: "Your demo request",
      text: expect.stringContaining("Hi Zoe,"),
    });
    expect(followUp).toMatchObject({ recordKey: key, subject: "Re: Your demo request", inReplyTo: acknowledge!.messageId });
    expect(await postmarkEmulator.messagesTo(email)).toEqual([]);
  });
});
