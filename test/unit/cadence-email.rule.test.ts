import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { effectId } from "../../src/core/model/effect-id";
import type { EffectOf } from "../../src/core/model/effects";
import { Policy, type PolicyInput } from "../../src/core/policy/policy";
import { stepEmailKey } from "../../src/core/rules/cadence/cadence-email";
import { simulate } from "../../src/core/rules/simulate";
import { RecordUnderTest } from "../support/rule-harness";

const KEY = "hubspot:62515:contact:42";
/** Tuesday 2026-11-10, 10:00 in New York. */
const ARRIVED = "2026-11-10T15:00:00.000Z";

/** The demo cadence with its first two email steps sent automatically, and only the cadence rule. */
function policyWith(change: (p: PolicyInput) => void = () => {}): Policy {
  const input = structuredClone(DEFAULT_POLICY);
  delete input.rules.staleLead;
  delete input.rules.stageGates;
  const inbound = input.rules.cadences!.cadences.find((c) => c.id === "inbound-sales")!;
  inbound.steps[0] = {
    ...inbound.steps[0]!,
    send: "auto",
    purpose: "sales-follow-up",
    subject: "Your demo request",
    body: 'Hi {{ firstName | fallback: "there" }},\n\nThanks for asking. I\'m {{ ownerFirstName }} & I look after {{ company }}.\n\n{{ ownerName }}',
  };
  inbound.steps[1] = { ...inbound.steps[1]!, send: "auto", purpose: "sales-follow-up", subject: "One resource" };
  change(input);
  return Policy.parse(input);
}

let n = 0;
const base = () => ({
  dedupeKey: `k${n++}`,
  recordKey: KEY,
  crm: "hubspot" as const,
  accountId: "62515",
  objectType: "contact",
  objectId: "42",
  changedBy: { source: "CRM_UI" },
  fromThisIntegration: false,
  via: "hubspot-webhook" as const,
});
const created = (): CrmEvent => ({ ...base(), occurredAt: ARRIVED, kind: "created", properties: {} });
const status = (at: string, s: "bounced" | "complained" | "unsubscribed", permanent = true): CrmEvent => ({
  ...base(),
  occurredAt: at,
  kind: "emailStatus",
  status: s,
  permanent,
  address: "jane@example.com",
  detail: "550 5.1.1 no such user",
  via: "postmark",
});

const LEAD = {
  lead_source: "demo_request",
  firstname: "Jane",
  company: "Acme",
  hubspot_owner_id: "84213371",
  phone: "+1 212 555 0100",
  email: "Jane@Example.com",
};

const emails = (effects: { effect: { type: string } }[]) =>
  effects.filter((e) => e.effect.type === "sendEmail").map((e) => e.effect as EffectOf<"sendEmail">);
const tasks = (effects: { effect: { type: string } }[]) =>
  effects.filter((e) => e.effect.type === "createTask").map((e) => e.effect as EffectOf<"createTask">);

async function enrolled(policy = policyWith(), properties: Record<string, string | null> = LEAD) {
  const lead = new RecordUnderTest(policy, created(), { ...properties });
  const d = await lead.replay(created());
  return { lead, steps: d.state.cadence!.steps.map((s) => s.dueAt) };
}

describe("cadence steps that send email", () => {
  it("renders the email as the owner (text and HTML, escaped), with its purpose, caps and the lead's calendar", async () => {
    const { lead, steps } = await enrolled();
    const d = await lead.timer("cadence:step", steps[0]!);
    const [email] = emails(d.effects);
    expect(tasks(d.effects)).toEqual([]);
    expect(email).toMatchObject({
      from: { address: "alex@mail.example.com", name: "Alex Rivera" },
      to: { address: "jane@example.com" },
      subject: "Your demo request",
      text: "Hi Jane,\n\nThanks for asking. I'm Alex & I look after Acme.\n\nAlex Rivera",
      messageId: `<${effectId(stepEmailKey(KEY, "inbound-sales", "day-0-acknowledge"))}@mail.example.com>`,
      references: [],
      purpose: { id: "sales-follow-up", consents: ["privacy", "marketing"], legitimateInterest: true },
      caps: { perPersonPerDay: 1, perSenderPerDay: 200 },
      dueAt: steps[0],
      leadCalendar: { zone: "America/New_York" },
    });
    expect(email!.html).toContain("<p>Hi Jane,</p>");
    expect(email!.html).toContain("I&#39;m Alex &amp; I look after Acme.");
    expect(d.effects[0]!.idempotencyKey).toBe(stepEmailKey(KEY, "inbound-sales", "day-0-acknowledge"));
    expect(d.audit.find((a) => a.outcome === "step written")?.data).toMatchObject({ sent: "email" });
  });

  it("threads the next email on the first: Re: its subject, In-Reply-To and References", async () => {
    const { lead, steps } = await enrolled();
    const [first] = emails((await lead.timer("cadence:step", steps[0]!)).effects);
    const [second] = emails((await lead.timer("cadence:step", steps[1]!)).effects);
    expect(second).toMatchObject({ subject: "Re: Your demo request", inReplyTo: first!.messageId, references: [first!.messageId] });
    // The call step after them stays a task.
    expect(tasks((await lead.timer("cadence:step", steps[2]!)).effects)[0]).toMatchObject({ channel: "CALL" });
  });

  it("a step with thread: false starts its own thread", async () => {
    const { lead, steps } = await enrolled(
      policyWith((p) => {
        p.rules.cadences!.cadences[0]!.steps[1]!.thread = false;
      }),
    );
    await lead.timer("cadence:step", steps[0]!);
    const [second] = emails((await lead.timer("cadence:step", steps[1]!)).effects);
    expect(second).toMatchObject({ subject: "One resource", references: [] });
    expect(second!.inReplyTo).toBeUndefined();
  });

  it("writes the step's task instead when the owner has no sender or the lead no address, saying why", async () => {
    const noSender = await enrolled(
      policyWith((p) => {
        delete p.reps[0]!.sender;
      }),
    );
    const d = await noSender.lead.timer("cadence:step", noSender.steps[0]!);
    expect(emails(d.effects)).toEqual([]);
    expect(tasks(d.effects)).toHaveLength(1);
    expect(d.audit.find((a) => a.outcome === "step written")?.reason).toContain(
      "not sent as an email: Alex Rivera has no sender address in the policy",
    );
    const noAddress = await enrolled(policyWith(), { ...LEAD, email: "not an address" });
    const d2 = await noAddress.lead.timer("cadence:step", noAddress.steps[0]!);
    expect(d2.audit.find((a) => a.outcome === "step written")?.reason).toContain("not sent as an email: the lead has no valid email address");
  });

  it("a hard bounce stops the emails, not the cadence: the next email step is the owner's task", async () => {
    const { lead, steps } = await enrolled();
    await lead.timer("cadence:step", steps[0]!);
    const bounced = await lead.event(status("2026-11-10T16:00:00.000Z", "bounced"));
    expect(bounced.state.cadence).toMatchObject({ status: "active", emailBlocked: { reason: "hard bounce at jane@example.com" } });
    const next = await lead.timer("cadence:step", steps[1]!);
    expect(emails(next.effects)).toEqual([]);
    expect(tasks(next.effects)[0]).toMatchObject({ channel: "EMAIL", ownerId: "84213371" });
    // A soft bounce changes nothing.
    const other = await enrolled();
    const soft = await other.lead.event(status("2026-11-10T16:00:00.000Z", "bounced", false));
    expect(soft.state.cadence?.emailBlocked).toBeUndefined();
  });

  it.each(["unsubscribed", "complained"] as const)("%s: the cadence stops and nothing more goes", async (what) => {
    const { lead, steps } = await enrolled();
    await lead.timer("cadence:step", steps[0]!);
    const stopped = await lead.event(status("2026-11-10T16:00:00.000Z", what));
    expect(stopped.state.cadence).toMatchObject({ status: "stopped", stop: { reason: "unsubscribed" } });
    expect((await lead.timer("cadence:step", steps[1]!)).effects).toEqual([]);
  });

  it("the dry run lists the emails it would send, rendered, at their times in the lead's zone", async () => {
    const policy = policyWith();
    const result = await simulate(
      [{ ...created(), kind: "created", properties: LEAD }],
      { version: 1, policy, createdAt: "2026-01-01T00:00:00.000Z" },
      new Date("2026-11-14T00:00:00.000Z"),
    );
    expect(result.emails.map((e) => [e.step, e.subject, e.local])).toEqual([
      ["day-0-acknowledge", "Your demo request", "Tue 10 Nov, 10:05 (America/New_York)"],
      ["day-2-resource", "Re: Your demo request", "Thu 12 Nov, 10:05 (America/New_York)"],
    ]);
    expect(result.emails[0]).toMatchObject({
      from: "Alex Rivera <alex@mail.example.com>",
      to: "jane@example.com",
      text: expect.stringContaining("Hi Jane,"),
    });
    expect(result.emails[1]!.inReplyTo).toBe(result.emails[0]!.messageId);
  });
});

describe("the email section of the policy", () => {
  const issues = (change: (p: PolicyInput) => void) => {
    const parsed = Policy.safeParse(
      (() => {
        const input = structuredClone(DEFAULT_POLICY);
        change(input);
        return input;
      })(),
    );
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  const step0 = "rules.cadences.cadences.0.steps.0";

  it("accepts the default policy's section, and an auto email step with a purpose", () => {
    expect(issues(() => {})).toEqual([]);
    expect(
      issues((p) => {
        Object.assign(p.rules.cadences!.cadences[0]!.steps[0]!, { send: "auto", purpose: "sales-follow-up" });
      }),
    ).toEqual([]);
  });

  it("refuses a merge field without a fallback: declared without one, or inline with a blank one", () => {
    expect(
      issues((p) => {
        (p.rules.cadences!.mergeFields as Record<string, unknown>).title = { property: { hubspot: "jobtitle" } };
      }),
    ).toContainEqual(expect.stringMatching(/^rules\.cadences\.mergeFields\.title\.fallback: /));
    expect(
      issues((p) => {
        Object.assign(p.rules.cadences!.cadences[0]!.steps[0]!, {
          send: "auto",
          purpose: "sales-follow-up",
          body: 'Hi {{ firstName | fallback: " " }}',
        });
      }),
    ).toContainEqual(expect.stringContaining(`${step0}.body: empty fallback`));
  });

  it("refuses an auto step that is not an email, names no purpose or an unknown one, or has no body", () => {
    expect(
      issues((p) => {
        Object.assign(p.rules.cadences!.cadences[0]!.steps[2]!, { send: "auto", purpose: "sales-follow-up" });
      }),
    ).toEqual(["rules.cadences.cadences.0.steps.2.send: only EMAIL steps can be sent automatically (this one is CALL)"]);
    expect(issues((p) => Object.assign(p.rules.cadences!.cadences[0]!.steps[0]!, { send: "auto" }))).toEqual([
      `${step0}.purpose: an automatic email names the purpose it serves`,
    ]);
    expect(issues((p) => Object.assign(p.rules.cadences!.cadences[0]!.steps[0]!, { send: "auto", purpose: "newsletter" }))).toEqual([
      `${step0}.purpose: unknown purpose "newsletter"`,
    ]);
    expect(issues((p) => Object.assign(p.rules.cadences!.cadences[0]!.steps[0]!, { send: "auto", purpose: "sales-follow-up", body: "" }))).toEqual([
      `${step0}.body: an automatic email needs a body`,
    ]);
    expect(
      issues((p) => {
        delete p.email;
        Object.assign(p.rules.cadences!.cadences[0]!.steps[0]!, { send: "auto", purpose: "sales-follow-up" });
      }),
    ).toContainEqual(`${step0}.send: automatic emails need the policy's email section (senders' caps and purposes)`);
  });

  it("refuses senders on two domains, a purpose with no lawful basis, and a sender that is not an address", () => {
    expect(issues((p) => (p.reps[1]!.sender = { address: "sam@other.example.com" }))).toEqual([
      "reps.0.sender.address: senders must share one sending domain (found mail.example.com, other.example.com)",
      "reps.1.sender.address: senders must share one sending domain (found mail.example.com, other.example.com)",
    ]);
    expect(issues((p) => p.email!.purposes.push({ id: "cold", consents: [] }))).toEqual([
      "email.purposes.2: a purpose needs a lawful basis: consents, or legitimateInterest: true",
    ]);
    expect(issues((p) => (p.reps[0]!.sender = { address: "Alex <alex@mail.example.com>" }))).toEqual([
      "reps.0.sender.address: a bare email address (rep@mail.example.com)",
    ]);
  });
});
