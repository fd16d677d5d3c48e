import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import type { Decision } from "../../src/core/rules/decide";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import type { EffectOf } from "../../src/core/model/effects";
import { Policy, type PolicyInput } from "../../src/core/policy/policy";
import { effectId } from "../../src/core/model/effect-id";
import type { TaskState } from "../../src/core/rules/rule";
import { stepTaskKey } from "../../src/core/rules/cadence/cadence-config";
import { RecordUnderTest } from "../support/rule-harness";

const KEY = "hubspot:62515:contact:42";
const ALEX = "84213371"; // America/New_York, Slack U05REPONE01
const SAM = "84213372"; // Europe/London
/** Tuesday 2026-11-10, 10:00 in New York. */
const ARRIVED = "2026-11-10T15:00:00.000Z";

function policyWith(change: (p: PolicyInput) => void = () => {}): Policy {
  const input = structuredClone(DEFAULT_POLICY);
  // Only the cadence rule under test: the stale-lead rule would add its own audit lines.
  delete input.rules.staleLead;
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
const created = (at = ARRIVED): CrmEvent => ({ ...base(), occurredAt: at, kind: "created", properties: {} });
const changed = (at: string, properties: Record<string, string | null>): CrmEvent => ({
  ...base(),
  occurredAt: at,
  kind: "propertyChanged",
  properties,
  snapshot: false,
});
const reply = (at: string): CrmEvent => ({
  ...base(),
  occurredAt: at,
  kind: "emailReceived",
  messageId: "<r1@mail.example.com>",
  from: "jane@example.com",
  subject: "Re: demo",
  via: "postmark",
});
const click = (at: string, action: "done" | "snooze" | "pause", stepId: string, cadenceId = "inbound-sales"): CrmEvent => ({
  ...base(),
  occurredAt: at,
  kind: "slackAction",
  action,
  cadenceId,
  stepId,
  userId: "U05REPONE01",
  responseUrl: "https://hooks.slack.com/actions/T1/1/abc",
  via: "slack",
});

const LEAD = {
  lead_source: "demo_request",
  firstname: "Jane",
  company: "Acme",
  hubspot_owner_id: ALEX,
  phone: "+1 212 555 0100",
  lead_follow_up_score: "10",
};

/** A lead created at ARRIVED whose rules run through decide(); fresh reads answer from its CRM properties. */
class Lead extends RecordUnderTest {
  constructor(policy: Policy, crmProperties: Record<string, string | null> = LEAD) {
    super(policy, created(), { ...crmProperties });
  }
  get crmProperties(): Record<string, string | null> {
    return this.crm!;
  }
  /** The creation (or any event already folded) is handed to the rules; later events fold first. */
  override event(event: CrmEvent, now = event.occurredAt): Promise<Decision> {
    return event.kind === "created" ? this.replay(event, now) : super.event(event, now);
  }
  /** A rule timer fires at `now`; the CRM holds `tasks` of ours. */
  at(timer: "step" | "sla", now: string, tasks: TaskState[] = []): Promise<Decision> {
    this.tasks = tasks;
    return this.timer(`cadence:${timer}`, now);
  }
}

/** The key the CRM holds for a step's task: its createTask effect's id. */
const taskId = (stepId: string) => effectId(stepTaskKey(KEY, "inbound-sales", stepId));

const tasks = (d: Decision) => d.effects.filter((e) => e.effect.type === "createTask").map((e) => e.effect as EffectOf<"createTask">);

describe("cadence enrollment", () => {
  it("enrolls a demo request in the sales cadence and plans seed 000's steps in the lead's business hours", async () => {
    const lead = new Lead(policyWith());
    const d = await lead.event(created());
    expect(d.state.cadence).toMatchObject({ cadenceId: "inbound-sales", source: "demo_request", zone: "America/New_York", status: "active" });
    expect(d.state.cadence!.steps.map((s) => s.dueAt)).toEqual([
      "2026-11-10T15:05:00.000Z",
      "2026-11-12T15:05:00.000Z",
      "2026-11-16T15:05:00.000Z",
      "2026-11-17T15:05:00.000Z",
      "2026-11-23T15:05:00.000Z",
      "2026-11-24T15:05:00.000Z",
    ]);
    expect(d.timers["cadence:step"]).toBe("2026-11-10T15:05:00.000Z");
    expect(d.audit.find((a) => a.outcome === "enrolled")?.reason).toContain('cadence "Inbound sales (demo request)"');
  });

  it.each([
    ["content_download_pricing_guide", "content-nurture"],
    ["Webinar-2026-11", "webinar"],
    ["trade_show", "triage"],
    [null, "triage"],
  ])("chooses the cadence by source (%s → %s)", async (source, cadence) => {
    const lead = new Lead(policyWith(), { ...LEAD, lead_source: source });
    expect((await lead.event(created())).state.cadence?.cadenceId).toBe(cadence);
  });

  it("does not enroll a lead that has already unsubscribed", async () => {
    const lead = new Lead(policyWith(), { ...LEAD, hs_email_optout: "true" });
    const d = await lead.event(created());
    expect(d.state.cadence).toBeUndefined();
    expect(d.audit[0]).toMatchObject({ outcome: "not enrolled", reason: expect.stringContaining("unsubscribed") });
  });

  it("works in the lead's zone from its phone number, not its owner's, 12 hours apart", async () => {
    // Owner Alex in New York; the lead's phone is in Shanghai (UTC+8, 13 h ahead in November).
    const lead = new Lead(policyWith(), { ...LEAD, phone: "+86 21 5555 0100" });
    const d = await lead.event(created());
    expect(d.state.cadence?.zone).toBe("Asia/Shanghai");
    // Arrived 23:00 in Shanghai → first touch the next morning there (09:05 = 01:05Z).
    expect(d.state.cadence!.steps[0]!.dueAt).toBe("2026-11-11T01:05:00.000Z");
  });

  it("keeps to the lead's hours when lead and owner are exactly 12 hours apart", async () => {
    // Owner Sam in London (UTC+0 in November); the lead in Kamchatka (UTC+12), per the CRM.
    const lead = new Lead(policyWith(), { ...LEAD, hubspot_owner_id: SAM, hs_timezone: "asia_slash_kamchatka" });
    const steps = (await lead.event(created())).state.cadence!.steps;
    // Arrived Tue 15:00 London = Wed 03:00 Kamchatka → Wed 09:05 there (Tue 21:05 London).
    expect(steps[0]!.dueAt).toBe("2026-11-10T21:05:00.000Z");
    for (const step of steps) {
      const local = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Asia/Kamchatka",
        weekday: "short",
        hour: "2-digit",
        hourCycle: "h23",
      }).formatToParts(new Date(step.dueAt));
      expect(Number(local.find((p) => p.type === "hour")!.value)).toBeGreaterThanOrEqual(9);
      expect(Number(local.find((p) => p.type === "hour")!.value)).toBeLessThan(17);
      expect(["Sat", "Sun"]).not.toContain(local.find((p) => p.type === "weekday")!.value);
    }
  });

  it("prefers the CRM's time-zone property, and falls back to the owner's zone", async () => {
    const crmZone = await new Lead(policyWith(), { ...LEAD, hs_timezone: "europe_slash_berlin" }).event(created());
    expect(crmZone.state.cadence?.zone).toBe("Europe/Berlin");
    const ownerZone = await new Lead(policyWith(), { ...LEAD, phone: null, hubspot_owner_id: SAM }).event(created());
    expect(ownerZone.state.cadence).toMatchObject({ zone: "Europe/London", zoneReason: expect.stringContaining("owner") });
  });

  it("keeps the addresses it read at enrollment, for matching replies", async () => {
    const lead = new Lead(policyWith(), { ...LEAD, email: "jane@acme.example", hs_additional_emails: "j.doe@gmail.com;jd@acme.example" });
    expect((await lead.event(created())).state.cadence?.addresses).toEqual(["jane@acme.example", "j.doe@gmail.com;jd@acme.example"]);
  });

  it("enrolls once, however often the creation is delivered", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    const again = await lead.event(created());
    expect(lead.asked).toEqual([]);
    expect(again.audit).toEqual([]);
  });
});

describe("cadence steps", () => {
  it("writes a due step as a CRM task with rendered templates, and a Slack nudge with buttons", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    const d = await lead.at("step", "2026-11-10T15:05:00.000Z");
    const [task] = tasks(d);
    expect(task).toMatchObject({
      type: "createTask",
      objectId: "42",
      ownerId: ALEX,
      channel: "EMAIL",
      priority: "HIGH",
      dueAt: "2026-11-10T15:05:00.000Z",
      subject: "Reply to Jane's demo request and offer a call",
    });
    expect(task!.body).toContain("Hi Jane,");
    expect(task!.body).toContain("I'm Alex and I look after Acme.");
    expect(d.effects[0]!.idempotencyKey).toBe(stepTaskKey(KEY, "inbound-sales", "day-0-acknowledge"));
    const nudge = d.effects.find((e) => e.effect.type === "postSlackMessage")!.effect as EffectOf<"postSlackMessage">;
    expect(nudge.channel).toBe("U05REPONE01");
    expect(JSON.stringify(nudge.blocks)).toContain("cadence_snooze");
    expect(d.timers["cadence:step"]).toBe("2026-11-12T15:05:00.000Z");
  });

  it("dates a task by its owner's day: a Tokyo lead's morning is still the evening before for a rep in New York", async () => {
    const lead = new Lead(policyWith(), { ...LEAD, phone: "+81 3-1234-5678" });
    // Arrived at midnight in Tokyo: the first touch is 09:05 there, 19:05 the day before in New York.
    expect((await lead.event(created())).timers["cadence:step"]).toBe("2026-11-11T00:05:00.000Z");
    const [task] = tasks(await lead.at("step", "2026-11-11T00:05:00.000Z"));
    expect(task).toMatchObject({ ownerId: ALEX, dueAt: "2026-11-11T00:05:00.000Z", dueDate: "2026-11-10" });
  });

  it('never leaves an empty merge field: a blank first name reads "there"', async () => {
    const lead = new Lead(policyWith(), { ...LEAD, firstname: "  ", company: null });
    await lead.event(created());
    const [task] = tasks(await lead.at("step", "2026-11-10T15:05:00.000Z"));
    expect(task!.body).toMatch(/^Hi there,/);
    expect(task!.body).toContain("look after your team");
    expect(task!.subject).toBe("Reply to the new lead's demo request and offer a call");
  });

  it("does nothing on a repeated or early alarm", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    const again = await lead.at("step", "2026-11-10T15:05:01.000Z");
    expect(lead.asked).toEqual([]);
    expect(again.effects).toEqual([]);
  });

  it("checks the stop conditions before every step: a reply the webhooks missed stops it", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    lead.crmProperties.hs_sales_email_last_replied = "1731340000000";
    const d = await lead.at("step", "2026-11-12T15:05:00.000Z");
    expect(tasks(d)).toEqual([]);
    expect(d.state.cadence).toMatchObject({ status: "stopped", stop: { reason: "replied" } });
    expect(d.effects[0]!.effect).toMatchObject({
      type: "updateTasks",
      taskKeys: [taskId("day-0-acknowledge")],
      action: { kind: "complete" },
    });
  });

  it("finishes after the last step", async () => {
    const lead = new Lead(
      policyWith((p) => {
        p.rules.cadences!.routes = [];
      }),
    );
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    const last = await lead.at("step", "2026-11-11T15:05:00.000Z");
    expect(tasks(last).map((t) => t.channel)).toEqual(["EMAIL"]);
    expect(last.state.cadence?.status).toBe("finished");
    expect(last.timers["cadence:step"]).toBeNull();
  });
});

describe("stop conditions", () => {
  async function writtenTwoSteps() {
    const lead = new Lead(policyWith());
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    await lead.at("step", "2026-11-12T15:05:00.000Z");
    return lead;
  }

  it("stops on an inbound reply and closes the open tasks", async () => {
    const lead = await writtenTwoSteps();
    const d = await lead.event(reply("2026-11-13T09:00:00.000Z"));
    expect(d.state.cadence).toMatchObject({ status: "stopped", stop: { reason: "replied" } });
    expect(d.effects).toHaveLength(1);
    expect(d.effects[0]!.effect).toMatchObject({
      type: "updateTasks",
      taskKeys: expect.arrayContaining([taskId("day-2-resource")]),
      action: { kind: "complete" },
    });
    expect(d.timers).toEqual({ "cadence:step": null, "cadence:sla": null });
    expect(d.audit[0]!.reason).toContain('replied: email "Re: demo"');
    // Nothing later is written, however the alarm fires.
    expect((await lead.at("step", "2026-11-16T15:05:00.000Z")).effects).toEqual([]);
  });

  it.each([
    [{ hs_email_optout: "true" }, "unsubscribed"],
    [{ engagements_last_meeting_booked: "1731340000000" }, "meeting booked"],
    [{ hs_lead_status: "UNQUALIFIED" }, "disqualified"],
    [{ lifecyclestage: "opportunity" }, "stage moved on"],
  ])("stops when %o (%s)", async (properties, reason) => {
    const lead = await writtenTwoSteps();
    const d = await lead.event(changed("2026-11-13T09:00:00.000Z", properties));
    expect(d.state.cadence?.stop?.reason).toBe(reason);
  });

  it("does not stop on a lifecycle stage that is still a lead stage, or an opt-out set to false", async () => {
    const lead = await writtenTwoSteps();
    expect(
      (await lead.event(changed("2026-11-13T09:00:00.000Z", { lifecyclestage: "marketingqualifiedlead", hs_email_optout: "false" }))).effects,
    ).toEqual([]);
    expect(lead.state.cadence?.status).toBe("active");
  });

  it("hands the open tasks to a new owner when the lead changes hands", async () => {
    const lead = await writtenTwoSteps();
    const d = await lead.event(changed("2026-11-13T09:00:00.000Z", { hubspot_owner_id: SAM }));
    expect(d.effects[0]!.effect).toMatchObject({ type: "updateTasks", action: { kind: "reassign", ownerId: SAM } });
    const { taskKeys, action } = d.effects[0]!.effect as EffectOf<"updateTasks">;
    expect(taskKeys).toHaveLength(2);
    // Each task's due day on the new owner's calendar (Sam works in London).
    expect(action).toEqual({
      kind: "reassign",
      ownerId: SAM,
      dueDates: Object.fromEntries(taskKeys.map((key, i) => [key, lead.state.cadence!.steps[i]!.dueAt.slice(0, 10)])),
    });
    expect(d.state.cadence!.steps.slice(0, 2).map((s) => s.ownerId)).toEqual([SAM, SAM]);
    expect(d.audit[0]).toMatchObject({ outcome: "tasks reassigned" });
    // The same owner again moves nothing.
    expect((await lead.event(changed("2026-11-13T10:00:00.000Z", { hubspot_owner_id: SAM }))).effects).toEqual([]);
  });

  it("deletes instead of completing when the policy says so", async () => {
    const lead = new Lead(
      policyWith((p) => {
        p.rules.cadences!.onStop = "delete";
      }),
    );
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    expect((await lead.event(reply("2026-11-11T09:00:00.000Z"))).effects[0]!.effect).toMatchObject({ action: { kind: "delete" } });
  });
});

describe("Slack actions", () => {
  async function firstStepWritten() {
    const lead = new Lead(policyWith());
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    return lead;
  }

  it("mark done completes the task, meets the SLA and answers in Slack", async () => {
    const lead = await firstStepWritten();
    const d = await lead.event(click("2026-11-10T16:00:00.000Z", "done", "day-0-acknowledge"));
    expect(d.effects.map((e) => e.effect.type)).toEqual(["updateTasks", "respondInSlack"]);
    expect(d.state.cadence?.sla?.state).toBe("met");
    expect(d.timers).toEqual({ "cadence:sla": null, "cadence:step": "2026-11-12T15:05:00.000Z" });
  });

  it("snooze moves the overdue task to a day from now and the later steps by a working day", async () => {
    const lead = await firstStepWritten();
    const d = await lead.event(click("2026-11-10T16:00:00.000Z", "snooze", "day-0-acknowledge"));
    expect(d.effects[0]!.effect).toMatchObject({ type: "updateTasks", action: { kind: "reschedule", dueAt: "2026-11-11T16:00:00.000Z" } });
    expect(d.state.cadence!.steps[1]!.dueAt).toBe("2026-11-13T15:05:00.000Z");
    // The reply replaces the message with its buttons: it says what was done, to which step, for whom.
    expect((d.effects[1]!.effect as EffectOf<"respondInSlack">).text).toBe(
      ':zzz: Snoozed by <@U05REPONE01>: "Reply to Jane\'s demo request and offer a call" for Jane, now due Wed 11 Nov, 11:00 (America/New_York).',
    );
  });

  it("pause stops further steps but leaves open tasks alone", async () => {
    const lead = await firstStepWritten();
    const d = await lead.event(click("2026-11-10T16:00:00.000Z", "pause", "day-0-acknowledge"));
    expect(d.effects.map((e) => e.effect.type)).toEqual(["respondInSlack"]);
    expect(d.state.cadence?.status).toBe("paused");
    expect((await lead.at("step", "2026-11-12T15:05:00.000Z")).effects).toEqual([]);
  });

  it("a paused cadence still closes its open tasks when the lead replies", async () => {
    const lead = await firstStepWritten();
    await lead.event(click("2026-11-10T16:00:00.000Z", "pause", "day-0-acknowledge"));
    const d = await lead.event(reply("2026-11-11T09:00:00.000Z"));
    expect(d.state.cadence).toMatchObject({ status: "stopped", stop: { reason: "replied" } });
    expect(d.effects[0]!.effect).toMatchObject({ type: "updateTasks", action: { kind: "complete" } });
  });

  it("snoozing the first touch keeps its SLA allowance: a hot lead's 30 minutes stay 30 minutes", async () => {
    const lead = new Lead(policyWith(), { ...LEAD, lead_follow_up_score: "90" });
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    const d = await lead.event(click("2026-11-10T15:10:00.000Z", "snooze", "day-0-acknowledge"));
    // Snoozed at 10:10 → due tomorrow 10:10 → SLA 10:40.
    expect(d.state.cadence?.sla).toMatchObject({ state: "pending", dueAt: "2026-11-11T15:40:00.000Z" });
  });

  it("marking a planned step done moves the timer to the next step", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    const d = await lead.event(click("2026-11-10T15:01:00.000Z", "done", "day-0-acknowledge"));
    expect(d.timers["cadence:step"]).toBe("2026-11-12T15:05:00.000Z");
    expect(tasks(await lead.at("step", "2026-11-12T15:05:00.000Z")).map((t) => t.subject)).toEqual(["Send Jane one relevant resource"]);
  });

  it("answers a click on a cadence that is no longer running without changing anything", async () => {
    const lead = await firstStepWritten();
    await lead.event(reply("2026-11-10T15:30:00.000Z"));
    const d = await lead.event(click("2026-11-10T16:00:00.000Z", "snooze", "day-0-acknowledge"));
    expect(d.effects.map((e) => e.effect.type)).toEqual(["respondInSlack"]);
    expect(d.state.cadence?.status).toBe("stopped");
  });
});

describe("failure modes", () => {
  it("after an outage writes only the earliest overdue step and moves the rest by the delay", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    // Nothing ran for three days: day 0 and day 2 are both overdue on Friday 13th at 10:05.
    const d = await lead.at("step", "2026-11-13T15:05:00.000Z");
    expect(tasks(d)).toHaveLength(1);
    const next = d.state.cadence!.steps[1]!;
    expect(next.state).toBe("planned");
    expect(next.dueAt > "2026-11-13T15:05:00.000Z").toBe(true);
  });

  it("moves the SLA with its step when an outage moved the step", async () => {
    // The SLA is on the call (the first contact step); a to-do comes first.
    const lead = new Lead(
      policyWith((p) => {
        const steps = p.rules.cadences!.cadences[0]!.steps;
        steps[0]!.channel = "TODO";
        steps[1]!.channel = "CALL";
      }),
    );
    await lead.event(created());
    expect(lead.state.cadence?.sla?.stepId).toBe("day-2-resource");
    const d = await lead.at("step", "2026-11-13T15:05:00.000Z");
    const call = d.state.cadence!.steps[1]!;
    expect(call.state).toBe("planned");
    expect(d.state.cadence?.sla?.dueAt).toBe(d.timers["cadence:sla"]);
    expect(d.state.cadence!.sla!.dueAt > call.dueAt).toBe(true);
  });

  it("a step nobody can own is skipped, and does not count as meeting the SLA", async () => {
    const lead = new Lead(
      policyWith((p) => {
        p.teams[0]!.fallbackOwners = {};
      }),
      { ...LEAD, hubspot_owner_id: null },
    );
    await lead.event(created());
    const written = await lead.at("step", "2026-11-10T15:05:00.000Z");
    expect(written.audit.map((a) => a.outcome)).toContain("step skipped");
    const sla = await lead.at("sla", lead.state.cadence!.sla!.dueAt);
    expect(sla.state.cadence?.sla?.state).toBe("breached");
  });
});

describe("speed-to-lead SLA", () => {
  it("is one business day after the first touch, 30 business minutes for a hot lead", async () => {
    const cold = await new Lead(policyWith()).event(created());
    expect(cold.state.cadence?.sla).toEqual({
      stepId: "day-0-acknowledge",
      dueAt: "2026-11-11T15:05:00.000Z",
      state: "pending",
      within: { duration: "P1D", businessHours: true },
    });
    const hot = await new Lead(policyWith(), { ...LEAD, lead_follow_up_score: "80" }).event(created());
    expect(hot.state.cadence?.sla?.dueAt).toBe("2026-11-10T15:35:00.000Z");
  });

  it("is met when the first task was completed in the CRM", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    const key = taskId("day-0-acknowledge");
    const d = await lead.at("sla", "2026-11-11T15:05:00.000Z", [{ key, status: "completed" }]);
    expect(d.state.cadence?.sla?.state).toBe("met");
    expect(d.effects).toEqual([]);
  });

  it("reminds the owner, then escalates to the team channel, and records the breach", async () => {
    const lead = new Lead(policyWith());
    await lead.event(created());
    await lead.at("step", "2026-11-10T15:05:00.000Z");
    const key = taskId("day-0-acknowledge");
    const open = [{ key, status: "open" as const }];
    const breached = await lead.at("sla", "2026-11-11T15:05:00.000Z", open);
    expect(breached.effects.map((e) => e.effect)).toEqual([expect.objectContaining({ type: "postSlackMessage", channel: "U05REPONE01" })]);
    expect(breached.state.cadence?.sla).toMatchObject({ state: "breached", escalateAt: "2026-11-11T17:05:00.000Z" });
    expect(breached.audit[0]).toMatchObject({ outcome: "SLA breached" });
    const escalated = await lead.at("sla", "2026-11-11T17:05:00.000Z", open);
    expect(escalated.effects.map((e) => e.effect)).toEqual([expect.objectContaining({ type: "postSlackMessage", channel: "C05LEADS001" })]);
    expect(escalated.state.cadence?.sla?.state).toBe("escalated");
  });
});

describe("cadence policy validation", () => {
  const refused = (change: (p: PolicyInput) => void) => {
    const input = structuredClone(DEFAULT_POLICY);
    change(input);
    const result = Policy.safeParse(input);
    expect(result.success).toBe(false);
    return result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("refuses an unknown merge field, naming it and its place", async () => {
    const issues = refused((p) => {
      p.rules.cadences!.cadences[0]!.steps[1]!.body = "Hi {{ fristName }}";
    });
    expect(issues.join("\n")).toMatch(/rules\.cadences\.cadences\.0\.steps\.1\.body: .*fristName/);
  });

  it("refuses unknown cadences and teams, and steps out of order", async () => {
    expect(
      refused((p) => {
        p.rules.cadences!.routes![0]!.cadence = "nope";
      }),
    ).toContain('rules.cadences.routes.0.cadence: unknown cadence "nope"');
    expect(
      refused((p) => {
        p.rules.cadences!.team = "nobody";
      }),
    ).toContain('rules.cadences.team: unknown team "nobody"');
    expect(
      refused((p) => {
        p.rules.cadences!.cadences[0]!.steps[1]!.offset = 20;
      }).join("\n"),
    ).toContain("steps must be listed in the order");
  });

  it("accepts the default policy", async () => {
    expect(Policy.safeParse(DEFAULT_POLICY).success).toBe(true);
  });
});
