import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { RecordUnderTest } from "../support/rule-harness";

/** Only the rule under test: the others would add their own asks and audit lines. */
const policy = Policy.parse({ ...DEFAULT_POLICY, rules: { staleLead: DEFAULT_POLICY.rules.staleLead } });
const KEY = "hubspot:62515:contact:42";
const T0 = "2026-11-02T15:00:00.000Z";
const DEADLINE = "2026-11-16T15:00:00.000Z";

let n = 0;
function event(
  occurredAt: string,
  kind: "created" | "propertyChanged",
  properties: Record<string, string | null> = {},
  fromThisIntegration = false,
): CrmEvent {
  const base = {
    dedupeKey: `k${n++}`,
    recordKey: KEY,
    crm: "hubspot" as const,
    accountId: "62515",
    objectType: "contact",
    objectId: "42",
    occurredAt,
    changedBy: { source: "CRM_UI" },
    fromThisIntegration,
    via: "hubspot-webhook" as const,
  };
  return kind === "created" ? { ...base, kind, properties } : { ...base, kind, properties, snapshot: false };
}

/** A lead created at T0, its rules run on the creation; the CRM answers fresh reads with `crm`. */
async function createdLead(crm: Record<string, string | null> = {}) {
  const created = event(T0, "created");
  const lead = new RecordUnderTest(policy, created, crm, { policyVersion: 7 });
  const decision = await lead.replay(created, T0);
  return { lead, decision };
}

const SAM = { kind: "rep" as const, repId: "sam", ownerId: "84213372", slackUserId: "U05REPTWO02", reason: "weighted round robin" };

describe("stale-lead rule", () => {
  it("starts a 14-day clock when a lead is created", async () => {
    const { decision: d } = await createdLead();
    expect(d.state.stale).toEqual({ lastActivityAt: T0, deadline: DEADLINE, parked: false });
    expect(d.timers).toEqual({ "stale-lead:check": DEADLINE });
    expect(d.audit[0]).toMatchObject({ rule: "stale-lead", outcome: "clock started", policyVersion: 7 });
  });

  it("resets the clock on qualifying activity, not on other properties or our own writes", async () => {
    const { lead } = await createdLead();
    const started = lead.state;
    const other = await lead.event(event("2026-11-05T10:00:00.000Z", "propertyChanged", { firstname: "Ada" }));
    expect(other.timers).toEqual({});
    const ours = await lead.event(event("2026-11-05T10:00:00.000Z", "propertyChanged", { hs_lead_status: "OPEN" }, true));
    expect(ours.timers).toEqual({});
    expect(lead.state).toEqual(started);
    const worked = await lead.event(event("2026-11-05T10:00:00.000Z", "propertyChanged", { hs_lead_status: "OPEN" }));
    expect(worked.timers).toEqual({ "stale-lead:check": "2026-11-19T10:00:00.000Z" });
    expect(worked.audit[0]).toMatchObject({ outcome: "clock reset", reason: "activity: hs_lead_status" });
  });

  it("counts a date-valued activity property from the date it names", async () => {
    const { lead } = await createdLead();
    const noted = await lead.event(
      event("2026-11-10T12:00:00.000Z", "propertyChanged", { notes_last_updated: String(Date.parse("2026-11-09T08:00:00.000Z")) }),
    );
    expect(noted.state.stale?.lastActivityAt).toBe("2026-11-09T08:00:00.000Z");
  });

  it("reads the lead fresh at the deadline before acting", async () => {
    const { lead } = await createdLead({ hubspot_owner_id: "84213371", lead_follow_up_score: "12" });
    await lead.timer("stale-lead:check", DEADLINE);
    expect(lead.asked).toEqual([
      { kind: "read", properties: expect.arrayContaining(["hubspot_owner_id", "lead_follow_up_score", "hs_lead_status"]) },
    ]);
  });

  it("resets instead of acting when the fresh read shows activity the webhooks missed", async () => {
    const { lead } = await createdLead({
      hs_last_sales_activity_timestamp: String(Date.parse("2026-11-12T09:00:00.000Z")),
      lead_follow_up_score: "90",
    });
    const read = await lead.timer("stale-lead:check", DEADLINE);
    expect(lead.asked.map((a) => a.kind)).toEqual(["read"]);
    expect(read.effects).toEqual([]);
    expect(read.timers).toEqual({ "stale-lead:check": "2026-11-26T09:00:00.000Z" });
  });

  it("asks for a new owner for a hot lead, excluding the one who let it go stale", async () => {
    const { lead } = await createdLead({ hubspot_owner_id: "84213371", lead_follow_up_score: "75" });
    lead.routes = [SAM];
    await lead.timer("stale-lead:check", DEADLINE);
    // Keyed to this deadline: a retried run is answered with the same rep.
    expect(lead.asked[1]).toEqual({ kind: "route", teamId: "inbound", excludeOwnerId: "84213371", key: `${KEY}:stale:${DEADLINE}:route` });
  });

  it("reassigns with a HIGH priority task and a Slack nudge, each effect keyed to this deadline", async () => {
    const { lead } = await createdLead({ hubspot_owner_id: "84213371", lead_follow_up_score: "75" });
    lead.routes = [SAM];
    const routed = await lead.timer("stale-lead:check", DEADLINE);
    expect(routed.effects.map((e) => e.effect.type)).toEqual(["assignOwner", "createTask", "postSlackMessage"]);
    expect(routed.effects[0]!.effect).toMatchObject({ ownerId: "84213372", objectId: "42" });
    expect(routed.effects[1]!.effect).toMatchObject({ priority: "HIGH", ownerId: "84213372", dueAt: "2026-11-16T19:00:00.000Z" });
    expect(routed.effects.map((e) => e.idempotencyKey)).toEqual([
      `${KEY}:stale:${DEADLINE}:assign`,
      `${KEY}:stale:${DEADLINE}:task`,
      `${KEY}:stale:${DEADLINE}:slack`,
    ]);
    expect(routed.audit[0]).toMatchObject({
      outcome: "reassigned",
      data: { routing_reason: "weighted round robin", from: "84213371", to: "84213372" },
    });
    expect(routed.timers).toEqual({ "stale-lead:check": "2026-11-30T15:00:00.000Z" });
  });

  it("parks a cold lead in nurture and stops chasing it", async () => {
    const { lead } = await createdLead({ hubspot_owner_id: "84213371", lead_follow_up_score: "12" });
    const read = await lead.timer("stale-lead:check", DEADLINE);
    expect(read.effects).toHaveLength(1);
    expect(read.effects[0]!.effect).toMatchObject({ type: "updateProperties", properties: { hs_lead_status: "BAD_TIMING" } });
    expect(read.state.stale).toMatchObject({ parked: true, deadline: null });
    expect(read.timers).toEqual({ "stale-lead:check": null });
    await lead.timer("stale-lead:check", "2026-12-01T00:00:00.000Z");
    expect(lead.asked).toEqual([]);
  });

  it("ignores a timer whose deadline moved later since it was queued", async () => {
    const { lead } = await createdLead();
    const early = await lead.timer("stale-lead:check", "2026-11-16T14:59:59.000Z");
    expect(lead.asked).toEqual([]);
    expect(early).toMatchObject({ effects: [], audit: [], timers: {} });
  });

  it("with nobody to take the lead and no fallback owner, looks again in an hour instead of at once", async () => {
    const { lead } = await createdLead({ hubspot_owner_id: "84213371", lead_follow_up_score: "75" });
    lead.routes = [{ kind: "fallback", reason: "nobody eligible" }];
    const nobody = await lead.timer("stale-lead:check", DEADLINE);
    expect(nobody.effects).toEqual([]);
    expect(nobody.timers).toEqual({ "stale-lead:check": "2026-11-16T16:00:00.000Z" });
    expect(nobody.audit[0]).toMatchObject({ outcome: "fallback" });
  });

  it("stops when the fresh read finds the lead gone from the CRM", async () => {
    const { lead } = await createdLead();
    lead.crm = null;
    const gone = await lead.timer("stale-lead:check", DEADLINE);
    expect(gone.state.stale).toBeUndefined();
    expect(gone.audit[0]).toMatchObject({ outcome: "stopped", reason: "the record no longer exists in the CRM" });
  });

  it("reassigns a lead at most three times in 30 days: then the team is told once and the lead stays put", async () => {
    const weekly = Policy.parse({ ...DEFAULT_POLICY, rules: { staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: "P7D" } } });
    const lead = new RecordUnderTest(weekly, event(T0, "created"), { hubspot_owner_id: "84213371", lead_follow_up_score: "75" });
    await lead.replay(event(T0, "created"), T0);
    const owners = ["84213372", "84213371", "84213372"];
    for (const ownerId of owners) {
      lead.routes = [{ ...SAM, ownerId }];
      lead.crm = { hubspot_owner_id: lead.crm!.hubspot_owner_id!, lead_follow_up_score: "75" };
      const d = await lead.timer("stale-lead:check", lead.state.stale!.deadline!);
      expect(d.audit[0]).toMatchObject({ outcome: "reassigned" });
      lead.crm.hubspot_owner_id = ownerId;
    }
    // A two-rep team with a short threshold would pass it back and forth without end; not a fourth time.
    const fourth = lead.state.stale!.deadline!;
    const capped = await lead.timer("stale-lead:check", fourth);
    expect(lead.asked.map((a) => a.kind)).toEqual(["read"]);
    expect(capped.audit[0]).toMatchObject({ outcome: "reassignment capped", reason: expect.stringContaining("the cap is 3 within P30D") });
    expect(capped.effects.map((e) => e.effect)).toEqual([expect.objectContaining({ type: "postSlackMessage", channel: "C05LEADS001" })]);
    // Judged again once the first of those reassignments is 30 days old.
    const first = lead.state.stale!.reassignedAt![0]!;
    expect(capped.timers).toEqual({ "stale-lead:check": new Date(Date.parse(first) + 30 * 86_400_000).toISOString() });
  });

  it("ignores records of other types", async () => {
    const created = { ...event(T0, "created"), objectType: "deal" };
    const deal = new RecordUnderTest(policy, created);
    expect(await deal.replay(created, T0)).toMatchObject({ timers: {}, audit: [], effects: [] });
  });
});
