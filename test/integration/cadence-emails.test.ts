import { env } from "cloudflare:workers";
import { DateTime } from "luxon";
import { beforeAll, describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { effectId } from "../../src/core/model/effect-id";
import type { EffectOf } from "../../src/core/model/effects";
import { stepEmailKey } from "../../src/core/rules/cadence/cadence-email";
import { MailgunSender } from "../../src/email/mailgun-sender";
import { PostmarkSender } from "../../src/email/postmark-sender";
import { emailSending, type SendingDeps } from "../../src/outreach/send-emails";
import { signMailgun } from "../../src/platform/signatures/mailgun-signature";
import { autoEmailPolicy, deliverMailgunWebhooks, deliverPostmarkWebhooks, mailgunEmulator, postmarkEmulator } from "../support/emails";
import { hubspotEmulator, salesforceEmulator } from "../support/emulators";
import { DEMO, intakeHarness } from "../support/intake";
import { call, eventually, leadSnapshot, ORIGIN, send } from "../support/requests";
import { admin, auditEntries, effectsFor, runDue } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";

const PORTAL = "62515";
const ORG = TEST_BINDINGS.SALESFORCE_ORG_ID;
const ZONE = "America/Chicago";
const REPS: Record<string, { name: string; address: string }> = {
  "84213371": { name: "Alex Rivera", address: "alex@mail.example.com" },
  "84213372": { name: "Sam Chen", address: "sam@mail.example.com" },
  "0055g00000RepOnAAA": { name: "Alex Rivera", address: "alex@mail.example.com" },
};

let seq = 0;
/** A fresh address on a domain the DNS emulator says takes mail (example.com has an MX). */
const fresh = (name: string) => `${name}.${Date.now().toString(36)}${++seq}@example.com`;

/** A Saturday at 02:00 in Chicago at least three days ahead: its first touch is the Monday after. */
function nextSaturdayNight(): DateTime {
  let day = DateTime.now().setZone(ZONE).plus({ days: 3 }).startOf("day");
  while (day.weekday !== 6) day = day.plus({ days: 1 });
  return day.set({ hour: 2 });
}

/** The instants of a record's planned steps (its enrolment entry lists them as "id instant"). */
const stepTimes = (enrolled: any): number[] => enrolled.data.steps.map((s: string) => Date.parse(s.split(" ")[1]!));

/** What the Worker's outbox does after a form write: the record hears of the submission (which enrols it). */
async function submitted(key: string, at: string, timeZone = ZONE) {
  const [crm, accountId, objectType, objectId] = key.split(":") as ["hubspot" | "salesforce", string, string, string];
  const event: CrmEvent = {
    kind: "submitted",
    dedupeKey: `intake:test-${key}`,
    recordKey: key,
    crm,
    accountId,
    objectType,
    objectId,
    occurredAt: at,
    changedBy: { source: "intake", id: "demo" },
    fromThisIntegration: false,
    via: "intake",
    submissionId: `test-${objectId}`,
    formKey: "demo",
    source: "demo_request",
    timeZone,
    createdRecord: true,
  };
  await env.RECORDS.getByName(key).record([event], new Date().toISOString());
  const { entries } = await auditEntries(key, "enrolled");
  return entries[0];
}

/** A HubSpot contact of Alex's, as the demo form would leave it, enrolled from a submission at `at`. */
async function hubspotLead(name: string, at = new Date().toISOString()) {
  const email = fresh(name);
  const contact = await hubspotEmulator.uiCreate("contacts", {
    email,
    firstname: name[0]!.toUpperCase() + name.slice(1),
    company: "Acme",
    lead_source: "demo_request",
    hubspot_owner_id: "84213371",
  });
  const key = `hubspot:${PORTAL}:contact:${contact.id}`;
  const enrolled = await submitted(key, at);
  return { email, contact, key, steps: stepTimes(enrolled) };
}

/** The messages the Postmark emulator holds for an address, once there are `count`. */
const mailTo = (address: string, count = 1) =>
  eventually(async () => {
    const messages = await postmarkEmulator.messagesTo(address);
    if (messages.length < count) throw new Error(`${address}: ${messages.length} of ${count} messages`);
    return messages;
  }, 20_000);

const header = (message: any, name: string) => message.headers.find((h: any) => h.name.toLowerCase() === name.toLowerCase())?.value;

/** Waits for the record's effect of this type and says what it came to. */
const effectOf = (key: string, type: string, status = "done") =>
  eventually(async () => {
    const effect = (await effectsFor(key)).find((e) => e.type === type);
    if (effect?.status !== status) throw new Error(`${type}: ${JSON.stringify(effect && [effect.status, effect.lastError, effect.externalId])}`);
    return effect;
  }, 20_000);

const tasksOf = async (contactId: string) =>
  ((await hubspotEmulator.objects("tasks")) as any[]).filter((t) => JSON.stringify(t.associations ?? {}).includes(`"${contactId}"`));

beforeAll(async () => {
  const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(autoEmailPolicy()) });
  expect(put.status, await put.clone().text()).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspot.ok, JSON.stringify(setup.hubspot)).toBe(true);
  await hubspotEmulator.webhooks();
  await postmarkEmulator.webhooks();
  await mailgunEmulator.webhooks();
});

describe("cadence emails", () => {
  it("a demo request at 02:00 on a Saturday gets its first email on Monday in the first-touch window, from the owner, with Reply-To and one-click unsubscribe; the next one threads", {
    timeout: 90_000,
  }, async () => {
    const saturday = nextSaturdayNight();
    const email = fresh("ada");
    const intake = intakeHarness({ now: () => saturday.toJSDate() });
    const posted = await intake.post("demo", { ...DEMO, email, firstName: "Ada", company: "Acme", time_zone: ZONE });
    expect(posted.status, await posted.clone().text()).toBe(202);

    const contact = await eventually(async () => {
      const found = ((await hubspotEmulator.objects("contacts")) as any[]).find((c) => c.properties.email === email);
      if (!found) throw new Error("the lead is not written yet");
      return found;
    }, 20_000);
    const key = `hubspot:${PORTAL}:contact:${contact.id}`;
    const {
      entries: [enrolled],
    } = await auditEntries(key, "enrolled");
    expect(enrolled.data).toMatchObject({ cadence: "inbound-sales", zone: ZONE });
    const [first, second] = stepTimes(enrolled);
    // Monday 09:00 plus the human delay (3 to 7 minutes), in the lead's zone.
    const local = DateTime.fromMillis(first!, { zone: ZONE });
    expect(local.weekday).toBe(1);
    expect(local.toISODate()).toBe(saturday.plus({ days: 2 }).toISODate());
    expect(local.hour * 60 + local.minute).toBeGreaterThanOrEqual(9 * 60 + 3);
    expect(local.hour * 60 + local.minute).toBeLessThanOrEqual(9 * 60 + 7);

    await runDue(key, first! + 1);
    const {
      entries: [written],
    } = await auditEntries(key, "step written");
    expect(written.data).toMatchObject({ step: "day-0-acknowledge", sent: "email" });
    const [message] = await mailTo(email);
    const owner = REPS[contact.properties.hubspot_owner_id]!;
    expect(message.from).toBe(`${owner.name} <${owner.address}>`);
    expect(message.replyTo).toBe(TEST_BINDINGS.EMAIL_REPLY_TO);
    expect(message.subject).toBe("Your demo request");
    expect(message.text).toContain("Hi Ada,");
    expect(message.text).toContain(`I'm ${owner.name.split(" ")[0]} and I look after Acme.`);
    expect(message.html).toContain("<p>Hi Ada,</p>");
    expect(message.messageId).toBe(`<${effectId(stepEmailKey(key, "inbound-sales", "day-0-acknowledge"))}@mail.example.com>`);
    expect(header(message, "List-Unsubscribe")).toMatch(/^<https:\/\/leads\.example\.com\/unsubscribe\/[0-9a-f]{40}\.[\w-]+>$/);
    expect(header(message, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const sent = await effectOf(key, "sendEmail");
    expect(sent.effect.dueAt).toBe(new Date(first!).toISOString());

    // The CRM shows it on the contact's timeline, as the owner's outgoing email.
    const logged = await eventually(async () => {
      const found = ((await hubspotEmulator.objects("emails")) as any[]).find((e) =>
        JSON.stringify(e.associations ?? {}).includes(`"${contact.id}"`),
      );
      if (!found) throw new Error("no email engagement yet");
      return found;
    }, 20_000);
    expect(logged.properties).toMatchObject({
      hs_email_direction: "EMAIL",
      hs_email_status: "SENT",
      hs_email_subject: "Your demo request",
      hubspot_owner_id: contact.properties.hubspot_owner_id,
    });

    // Two days later the follow-up answers it: "Re:", In-Reply-To and References the first.
    await runDue(key, second! + 1);
    const [, followUp] = await mailTo(email, 2);
    expect(followUp.subject).toBe("Re: Your demo request");
    expect(followUp.inReplyTo).toBe(message.messageId);
    expect(followUp.references).toEqual([message.messageId]);
    expect(await tasksOf(contact.id)).toEqual([]);
  });

  it("a reply in Postmark's inbound shape stops the cadence, and no later email goes out", { timeout: 60_000 }, async () => {
    const lead = await hubspotLead("bea");
    await runDue(lead.key, lead.steps[0]! + 1);
    const [message] = await mailTo(lead.email);
    await postmarkEmulator.act(message.id, "reply", { text: "Thursday works, call me." });
    const delivered = await deliverPostmarkWebhooks();
    expect(delivered.find((d) => d.kind === "Inbound")?.body).toMatchObject({ matched: 1, records: [lead.key] });
    const {
      entries: [stopped],
    } = await auditEntries(lead.key, "stopped");
    expect(stopped.reason).toMatch(/^replied: email "Re: Your demo request"/);

    await runDue(lead.key, lead.steps[1]! + 1);
    await runDue(lead.key, lead.steps[2]! + 1);
    expect((await leadSnapshot(lead.key)).body.audit.filter((a: any) => a.outcome === "step written")).toHaveLength(1);
    expect(await postmarkEmulator.messagesTo(lead.email)).toHaveLength(1);
  });

  it("a hard bounce in Postmark's bounce-webhook shape suppresses the address and turns the next step into a task", { timeout: 60_000 }, async () => {
    const lead = await hubspotLead("cal");
    await runDue(lead.key, lead.steps[0]! + 1);
    const [message] = await mailTo(lead.email);
    await postmarkEmulator.act(message.id, "bounce", { type: "HardBounce" });
    const delivered = await deliverPostmarkWebhooks();
    expect(delivered.find((d) => d.kind === "Bounce")?.body).toMatchObject({ outcome: "applied" });
    await auditEntries(lead.key, "emails stopped");
    const suppression = await env.DB.prepare("select reason, source from email_suppressions where recipient = ?1").bind(lead.email).first();
    expect(suppression).toEqual({ reason: "hard bounce", source: "postmark" });
    const verdict = await env.DB.prepare("select verdict from email_verifications where recipient = ?1").bind(lead.email).first();
    expect(verdict).toEqual({ verdict: "undeliverable" });

    // The same webhook again (Postmark retries one it thinks failed): nothing changes.
    const bounce = delivered.find((d) => d.kind === "Bounce")!.webhook;
    const again = await send(new Request(`${ORIGIN}/webhooks/email/postmark/events`, { method: "POST", headers: bounce.headers, body: bounce.body }));
    expect(await again.json()).toMatchObject({ outcome: "duplicate" });

    await runDue(lead.key, lead.steps[1]! + 1);
    const tasks = await eventually(async () => {
      const found = await tasksOf(lead.contact.id);
      if (found.length === 0) throw new Error("no task yet");
      return found;
    }, 20_000);
    expect(tasks[0].properties).toMatchObject({ hs_task_type: "EMAIL", hs_task_subject: expect.stringContaining("resource") });
    expect(await postmarkEmulator.messagesTo(lead.email)).toHaveLength(1);
  });

  it("a spam complaint in Postmark's shape, and an unsubscribe through Mailgun's own link, stop the person's cadence and suppress the address", {
    timeout: 90_000,
  }, async () => {
    const lead = await hubspotLead("eve");
    await runDue(lead.key, lead.steps[0]! + 1);
    const [message] = await mailTo(lead.email);
    await postmarkEmulator.act(message.id, "complain");
    const delivered = await deliverPostmarkWebhooks();
    expect(delivered.find((d) => d.kind === "SpamComplaint")?.body).toMatchObject({ outcome: "applied" });
    await auditEntries(lead.key, "stopped");
    expect(await env.DB.prepare("select reason, source from email_suppressions where recipient = ?1").bind(lead.email).first()).toEqual({
      reason: "complaint",
      source: "postmark",
    });
    await runDue(lead.key, lead.steps[1]! + 1);
    await runDue(lead.key, lead.steps[2]! + 1);
    expect(await postmarkEmulator.messagesTo(lead.email)).toHaveLength(1);

    const other = await hubspotLead("flo");
    const sending = emailSending(
      sendingDeps(new MailgunSender({ apiKey: TEST_BINDINGS.MAILGUN_API_KEY, domain: "mail.example.com", apiBase: env.MAILGUN_API_BASE })),
    );
    const id = effectId(stepEmailKey(other.key, "inbound-sales", "day-0-acknowledge"));
    expect(await sending.send([{ id, effect: handMadeEmail(other.key, other.email, "day-0-acknowledge") }])).toEqual([
      { ok: true, externalId: expect.stringMatching(/^sent /) },
    ]);
    const [sent] = await mailgunEmulator.messagesTo(other.email);
    await mailgunEmulator.act(sent.id, "unsubscribe");
    const events = await deliverMailgunWebhooks();
    expect(events.find((d) => d.kind === "unsubscribed")?.body).toMatchObject({ outcome: "applied" });
    await auditEntries(other.key, "stopped");
    expect(await env.DB.prepare("select reason, source from email_suppressions where recipient = ?1").bind(other.email).first()).toEqual({
      reason: "unsubscribe",
      source: "mailgun",
    });
    await runDue(other.key, other.steps[1]! + 1);
    expect(await postmarkEmulator.messagesTo(other.email)).toEqual([]);
  });

  it('a Mailgun "failed" event (permanent) suppresses the address and turns the next step into a task', { timeout: 60_000 }, async () => {
    const lead = await hubspotLead("dan");
    // The first email goes out through Mailgun (the real adapter against the emulator), as with EMAIL_PROVIDER=mailgun.
    const sending = emailSending(
      sendingDeps(new MailgunSender({ apiKey: TEST_BINDINGS.MAILGUN_API_KEY, domain: "mail.example.com", apiBase: env.MAILGUN_API_BASE })),
    );
    const effect = handMadeEmail(lead.key, lead.email, "day-0-acknowledge");
    const id = effectId(stepEmailKey(lead.key, "inbound-sales", "day-0-acknowledge"));
    expect(await sending.send([{ id, effect }])).toEqual([{ ok: true, externalId: expect.stringMatching(/^sent /) }]);
    const [message] = await eventually(async () => {
      const found = await mailgunEmulator.messagesTo(lead.email);
      if (found.length === 0) throw new Error("not sent");
      return found;
    });
    expect(message.messageId).toBe(effect.messageId);
    await mailgunEmulator.act(message.id, "bounce", { severity: "permanent" });
    const delivered = await deliverMailgunWebhooks();
    expect(delivered.find((d) => d.kind === "permanent_fail")?.body).toMatchObject({ outcome: "applied" });
    await auditEntries(lead.key, "emails stopped");
    expect(await env.DB.prepare("select reason, source from email_suppressions where recipient = ?1").bind(lead.email).first()).toEqual({
      reason: "hard bounce",
      source: "mailgun",
    });

    // The first step's time comes: a task for the owner, no email.
    await runDue(lead.key, lead.steps[0]! + 1);
    const tasks = await eventually(async () => {
      const found = await tasksOf(lead.contact.id);
      if (found.length === 0) throw new Error("no task yet");
      return found;
    }, 20_000);
    expect(tasks[0].properties.hubspot_owner_id).toBe("84213371");
    expect(await postmarkEmulator.messagesTo(lead.email)).toEqual([]);

    // An email already decided for the address (another record of the person) becomes its task too, at send time.
    const other = await admin("/admin/effects", {
      method: "POST",
      body: JSON.stringify([
        { idempotencyKey: `test:${lead.email}:other`, leadKey: lead.key, rule: "test", effect: handMadeEmail(lead.key, lead.email, "day-11-proof") },
      ]),
    });
    expect(other.status).toBe(202);
    const instead = await eventually(async () => {
      const found = (await effectsFor(lead.key)).find((e) => e.type === "sendEmail" && e.status === "done");
      if (!found) throw new Error("not settled");
      return found;
    }, 20_000);
    expect(instead.externalId).toBe("not sent (suppressed): a task instead");
    await eventually(async () => expect((await tasksOf(lead.contact.id)).length).toBe(2), 20_000);
  });

  it("the one-click POST needs no cookie: the withdrawal is recorded, the cadence stops, HubSpot shows the opt-out; a GET only asks", {
    timeout: 90_000,
  }, async () => {
    const email = fresh("eve");
    const intake = intakeHarness();
    const posted = await intake.post("demo", { ...DEMO, email, firstName: "Eve", company: "Acme", consent_marketing: "2026-01", time_zone: ZONE });
    expect(posted.status).toBe(202);
    const contact = await eventually(async () => {
      const found = ((await hubspotEmulator.objects("contacts")) as any[]).find((c) => c.properties.email === email);
      if (!found) throw new Error("the lead is not written yet");
      return found;
    }, 20_000);
    const key = `hubspot:${PORTAL}:contact:${contact.id}`;
    const { entries } = await auditEntries(key, "enrolled");
    const [first, second] = stepTimes(entries[0]);
    await runDue(key, first! + 1);
    const [message] = await mailTo(email);
    const link = header(message, "List-Unsubscribe").slice(1, -1).replace("https://leads.example.com", "");

    const page = await call(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await env.DB.prepare("select count(*) as n from email_suppressions where recipient = ?1").bind(email).first()).toEqual({ n: 0 });

    // What a mail client sends (RFC 8058): a POST with this body, no cookie, no confirmation.
    const unsubscribed = await call(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(unsubscribed.status).toBe(200);
    expect(await unsubscribed.text()).toContain("You are unsubscribed");
    const withdrawn = await eventually(async () => {
      const { results } = await env.DB.prepare(
        "select consent_id, action, source from intake_consents where email = ?1 and action = 'withdrawn' order by consent_id",
      )
        .bind(email)
        .all();
      if (results.length < 2) throw new Error(JSON.stringify(results));
      return results;
    }, 20_000);
    expect(withdrawn).toEqual([
      { consent_id: "marketing", action: "withdrawn", source: "unsubscribe" },
      { consent_id: "privacy", action: "withdrawn", source: "unsubscribe" },
    ]);
    const {
      entries: [stopped],
    } = await auditEntries(key, "stopped");
    expect(stopped.reason).toMatch(/^unsubscribed: /);
    await eventually(async () => {
      const statuses = (await hubspotEmulator.preferences()).find((p) => p.recipient === email)?.subscriptionStatuses ?? [];
      expect(statuses).toContainEqual(expect.objectContaining({ id: "7006", status: "NOT_SUBSCRIBED" }));
    }, 20_000);
    // Again (a client that retries): the same page, nothing more recorded.
    expect((await call(link, { method: "POST", body: "List-Unsubscribe=One-Click" })).status).toBe(200);
    await runDue(key, second! + 1);
    expect(await postmarkEmulator.messagesTo(email)).toHaveLength(1);
    // A forged link changes nothing.
    expect((await call(`${link.slice(0, -3)}AAA`, { method: "POST", body: "List-Unsubscribe=One-Click" })).status).toBe(404);
  });

  // Each provider's lookup: Postmark's outbound message search by the effect metadata, Mailgun's Events API by our Message-ID.
  const PROVIDERS = [
    {
      name: "Postmark",
      emulator: postmarkEmulator,
      sender: () =>
        new PostmarkSender({ serverToken: TEST_BINDINGS.POSTMARK_SERVER_TOKEN, apiBase: env.POSTMARK_API_BASE, messageStream: "outbound" }),
      lookup: "GET /messages/outbound",
    },
    {
      name: "Mailgun",
      emulator: mailgunEmulator,
      sender: () => new MailgunSender({ apiKey: TEST_BINDINGS.MAILGUN_API_KEY, domain: "mail.example.com", apiBase: env.MAILGUN_API_BASE }),
      lookup: "GET /v3/mail.example.com/events",
    },
  ];
  it.each(PROVIDERS)(
    "a consumer that dies between $name's answer and its record sends nothing twice: the retry finds the email there",
    {
      timeout: 60_000,
    },
    async ({ name, emulator, sender, lookup }) => {
      const lead = await hubspotLead(`fay${name.toLowerCase()}`);
      const effect = handMadeEmail(lead.key, lead.email, "day-0-acknowledge");
      const id = effectId(`test:${lead.key}:killed`);
      const provider = sender();
      const dying = emailSending({
        ...sendingDeps(provider),
        afterProviderAnswer: async () => {
          throw new Error("the consumer was evicted");
        },
      });
      const [died] = await dying.send([{ id, effect }]);
      expect(died).toMatchObject({ ok: false, failure: { kind: "transient" } });
      expect(await emulator.messagesTo(lead.email)).toHaveLength(1);
      expect(await env.DB.prepare("select status from email_sends where effect_id = ?1").bind(id).first()).toEqual({ status: "sending" });

      // The restarted consumer: it asks the provider (by what it put in the message) before it sends.
      await emulator.clearCalls();
      const [again] = await emailSending(sendingDeps(provider)).send([{ id, effect }]);
      expect(again).toMatchObject({ ok: true, externalId: expect.stringMatching(/^sent /) });
      expect(await emulator.messagesTo(lead.email)).toHaveLength(1);
      expect((await emulator.calls()).map((c: any) => `${c.method} ${c.path}`)).toEqual([lookup]);
      expect(await env.DB.prepare("select status, detail from email_sends where effect_id = ?1").bind(id).first()).toEqual({
        status: "sent",
        detail: "its answer was lost; found at the provider",
      });
      // A third run (a redelivered message) finds it sent and calls nobody.
      await emulator.clearCalls();
      expect(await emailSending(sendingDeps(provider)).send([{ id, effect }])).toEqual([{ ok: true, externalId: expect.stringMatching(/^sent /) }]);
      expect(await emulator.calls()).toEqual([]);
    },
  );

  it("a send whose answer is lost in the outbox is looked up, not sent again; one never sent is sent once Postmark has had time to show it", {
    timeout: 90_000,
  }, async () => {
    const lead = await hubspotLead("gus");
    // Every answer is lost: the email goes out, the outbox never hears so.
    await postmarkEmulator.faults({ rateLostResponse: 1 });
    try {
      await runDue(lead.key, lead.steps[0]! + 1);
      await mailTo(lead.email);
    } finally {
      await postmarkEmulator.faults({});
    }
    const effect = await effectOf(lead.key, "sendEmail");
    expect(effect.externalId).toMatch(/^sent /);
    expect(await postmarkEmulator.messagesTo(lead.email)).toHaveLength(1);

    // A timeout (Postmark did nothing): the retry finds nothing, waits until a "not found" is believable, then sends once.
    const other = await hubspotLead("hal");
    const id = effectId(`test:${other.key}:timeout`);
    const effectOfHal = handMadeEmail(other.key, other.email, "day-0-acknowledge");
    let clock = Date.now();
    const postmark = new PostmarkSender({
      serverToken: TEST_BINDINGS.POSTMARK_SERVER_TOKEN,
      apiBase: env.POSTMARK_API_BASE,
      messageStream: "outbound",
      timeoutMs: 300,
    });
    const deps = { ...sendingDeps(postmark), now: () => new Date(clock) };
    await postmarkEmulator.faults({ rateTimeout: 1, timeoutMs: 1_000 });
    try {
      const [timedOut] = await emailSending(deps).send([{ id, effect: effectOfHal }]);
      expect(timedOut).toMatchObject({ ok: false, failure: { kind: "transient" } });
    } finally {
      await postmarkEmulator.faults({});
    }
    const [early] = await emailSending(deps).send([{ id, effect: effectOfHal }]);
    expect(early).toMatchObject({ ok: false, waiting: { reason: expect.stringContaining("answer was lost") } });
    expect(await postmarkEmulator.messagesTo(other.email)).toEqual([]);
    clock += 61_000;
    const [later] = await emailSending(deps).send([{ id, effect: effectOfHal }]);
    expect(later).toMatchObject({ ok: true });
    expect(await postmarkEmulator.messagesTo(other.email)).toHaveLength(1);
  });

  it("two cadences for one person (a HubSpot contact and a Salesforce lead) never exceed the daily cap", { timeout: 90_000 }, async () => {
    const saturday = nextSaturdayNight().toISO()!;
    const email = fresh("ivy");
    const contact = await hubspotEmulator.uiCreate("contacts", {
      email,
      firstname: "Ivy",
      company: "Acme",
      lead_source: "demo_request",
      hubspot_owner_id: "84213371",
    });
    const lead = await salesforceEmulator.uiCreate("Lead", {
      FirstName: "Ivy",
      LastName: "Ng",
      Company: "Acme",
      Email: email,
      LeadSource: "demo_request",
      OwnerId: "0055g00000RepOnAAA",
    });
    const keys = [`hubspot:${PORTAL}:contact:${contact.id}`, `salesforce:${ORG}:lead:${lead.id}`];
    const plans = [];
    for (const key of keys) plans.push(stepTimes(await submitted(key, saturday)));
    // Both first touches fall on the same Monday.
    expect(new Set(plans.map((p) => DateTime.fromMillis(p[0]!, { zone: ZONE }).toISODate())).size).toBe(1);
    for (const [i, key] of keys.entries()) await runDue(key, plans[i]![0]! + 1);

    const settled = await eventually(async () => {
      const effects = (await Promise.all(keys.map((k) => effectsFor(k)))).flat().filter((e) => e.type === "sendEmail");
      if (effects.length < 2 || !effects.some((e) => e.status === "done") || !effects.some((e) => e.status === "retrying"))
        throw new Error(JSON.stringify(effects.map((e) => [e.status, e.lastError])));
      return effects;
    }, 30_000);
    const held = settled.find((e) => e.status === "retrying")!;
    expect(held.lastError).toMatch(/^daily cap: the lead has had 1 email\(s\) today \(at most 1\)/);
    // It goes on the lead's next working day, Tuesday, in their working hours.
    const nextTry = DateTime.fromISO(held.nextAttemptAt, { zone: ZONE });
    expect(nextTry.weekday).toBe(2);
    expect(nextTry.hour).toBe(9);
    expect(held.attempts).toBe(0);
    expect(await postmarkEmulator.messagesTo(email)).toHaveLength(1);
  });

  it("provider webhooks with bad credentials or signatures are 401 and change nothing; a malformed one is 400", async () => {
    const body = JSON.stringify({ RecordType: "Delivery", MessageID: "x", Recipient: "a@example.com", DeliveredAt: new Date().toISOString() });
    const wrong = await send(
      new Request(`${ORIGIN}/webhooks/email/postmark/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${btoa("postmark:wrong-password-0000")}` },
        body,
      }),
    );
    expect(wrong.status).toBe(401);
    expect(
      (await send(new Request(`${ORIGIN}/webhooks/email/postmark/events`, { method: "POST", headers: { "content-type": "application/json" }, body })))
        .status,
    ).toBe(401);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const mailgun = (signature: string) =>
      send(
        new Request(`${ORIGIN}/webhooks/email/mailgun/events`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            signature: { timestamp, token: "t".repeat(50), signature },
            "event-data": {
              id: "ev-1",
              event: "delivered",
              recipient: "a@example.com",
              message: { headers: { "message-id": "x@mail.example.com" } },
            },
          }),
        }),
      );
    expect((await mailgun("0".repeat(64))).status).toBe(401);
    const good = await mailgun(await signMailgun(TEST_BINDINGS.MAILGUN_SIGNING_KEY, timestamp, "t".repeat(50)));
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ outcome: "ignored" });
    const malformed = await send(
      new Request(`${ORIGIN}/webhooks/email/postmark/events`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Basic ${btoa(`${TEST_BINDINGS.POSTMARK_INBOUND_USERNAME}:${TEST_BINDINGS.POSTMARK_INBOUND_PASSWORD}`)}`,
        },
        body: JSON.stringify({ RecordType: "Bounce" }),
      }),
    );
    expect(malformed.status).toBe(400);
    await hubspotEmulator.webhooks();
    await salesforceEmulator.webhooks();
  });
});

/** What the outbox gives outreach, with the real D1 and the provider adapter given. */
function sendingDeps(sender: SendingDeps["sender"]): SendingDeps {
  return {
    db: env.DB,
    sender,
    config: {
      sendingDomain: TEST_BINDINGS.EMAIL_SENDING_DOMAIN,
      replyTo: TEST_BINDINGS.EMAIL_REPLY_TO,
      linkBase: TEST_BINDINGS.EMAIL_LINKS_BASE_URL,
      unsubscribeKey: TEST_BINDINGS.UNSUBSCRIBE_SIGNING_KEY,
    },
    now: () => new Date(),
    random: () => 0.5,
    storeEffects: async (requests) => {
      const response = await admin("/admin/effects", { method: "POST", body: JSON.stringify(requests) });
      expect(response.status).toBe(202);
    },
    verifyMany: async (addresses) =>
      addresses.map((address) => ({ address, verdict: "deliverable", reasons: [], checkedAt: new Date().toISOString() })),
  };
}

/** A step's email as the cadence rule writes it, for the adapter and executor tests that send it themselves. */
function handMadeEmail(key: string, to: string, step: string): EffectOf<"sendEmail"> {
  const [, , , objectId] = key.split(":");
  return {
    type: "sendEmail",
    crm: "hubspot",
    accountId: PORTAL,
    objectType: "contact",
    objectId: objectId!,
    ownerId: "84213371",
    from: { address: "alex@mail.example.com", name: "Alex Rivera" },
    to: { address: to },
    subject: "Your demo request",
    text: "Hi,\n\nThanks for asking for a demo.",
    html: "<p>Hi,</p><p>Thanks for asking for a demo.</p>",
    messageId: `<${effectId(`${key}:${step}:${to}`)}@mail.example.com>`,
    references: [],
    purpose: { id: "sales-follow-up", consents: [], legitimateInterest: true },
    cadence: "inbound-sales",
    step,
    source: "demo_request",
    dueAt: new Date().toISOString(),
    leadCalendar: { zone: ZONE, hours: { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" }, holidays: [] },
    caps: { perPersonPerDay: 5, perSenderPerDay: 200 },
    emailRisky: true,
    task: { priority: "MEDIUM" },
  };
}
