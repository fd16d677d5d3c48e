import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/domain/crm-event";
import { decide } from "../../src/domain/decide";
import type { DecideContext, RuleInput, RuleState } from "../../src/domain/decision";
import { DEFAULT_POLICY } from "../../src/domain/default-policy";
import { Policy } from "../../src/domain/policy";
import { emptyRecordState, type RecordState } from "../../src/domain/record-state";

const policy = Policy.parse(DEFAULT_POLICY);
const KEY = "hubspot:62515:contact:42";
const T0 = "2026-11-02T15:00:00.000Z";

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

function ctx(now: string, record?: RecordState): DecideContext {
  return { record: record ?? emptyRecordState(event(T0, "created")), now: new Date(now), policy, policyVersion: 7, random: () => 0.5 };
}

const run = (state: RuleState, input: RuleInput, now: string) => decide(state, input, ctx(now));

describe("stale-lead rule", () => {
  it("starts a 14-day clock when a lead is created", () => {
    const d = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0);
    expect(d.state.stale).toEqual({ lastActivityAt: T0, deadline: "2026-11-16T15:00:00.000Z", parked: false });
    expect(d.timers).toEqual({ "stale-check": "2026-11-16T15:00:00.000Z" });
    expect(d.audit[0]).toMatchObject({ rule: "stale-lead", outcome: "clock started", policyVersion: 7 });
  });

  it("resets the clock on qualifying activity, not on other properties or our own writes", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const other = run(
      started,
      { kind: "crmEvent", event: event("2026-11-05T10:00:00.000Z", "propertyChanged", { firstname: "Ada" }) },
      "2026-11-05T10:00:00.000Z",
    );
    expect(other.timers).toEqual({});
    const ours = run(
      started,
      { kind: "crmEvent", event: event("2026-11-05T10:00:00.000Z", "propertyChanged", { hs_lead_status: "OPEN" }, true) },
      "2026-11-05T10:00:00.000Z",
    );
    expect(ours.timers).toEqual({});
    const worked = run(
      started,
      { kind: "crmEvent", event: event("2026-11-05T10:00:00.000Z", "propertyChanged", { hs_lead_status: "OPEN" }) },
      "2026-11-05T10:00:00.000Z",
    );
    expect(worked.timers).toEqual({ "stale-check": "2026-11-19T10:00:00.000Z" });
    expect(worked.audit[0]).toMatchObject({ outcome: "clock reset", reason: "activity: hs_lead_status" });
  });

  it("counts a date-valued activity property from the date it names", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const noted = run(
      started,
      {
        kind: "crmEvent",
        event: event("2026-11-10T12:00:00.000Z", "propertyChanged", { notes_last_updated: String(Date.parse("2026-11-09T08:00:00.000Z")) }),
      },
      "2026-11-10T12:00:00.000Z",
    );
    expect(noted.state.stale?.lastActivityAt).toBe("2026-11-09T08:00:00.000Z");
  });

  it("reads the lead fresh at the deadline before acting", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const due = run(started, { kind: "timer", name: "stale-check" }, "2026-11-16T15:00:00.000Z");
    expect(due.effects).toEqual([]);
    expect(due.requests).toEqual([
      { kind: "read", purpose: "stale-check", properties: expect.arrayContaining(["hubspot_owner_id", "hubspotscore", "hs_lead_status"]) },
    ]);
  });

  it("resets instead of acting when the fresh read shows activity the webhooks missed", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const read = run(
      started,
      {
        kind: "freshRead",
        purpose: "stale-check",
        properties: { hs_last_sales_activity_timestamp: String(Date.parse("2026-11-12T09:00:00.000Z")), hubspotscore: "90" },
      },
      "2026-11-16T15:00:00.000Z",
    );
    expect(read.requests).toEqual([]);
    expect(read.timers).toEqual({ "stale-check": "2026-11-26T09:00:00.000Z" });
  });

  it("asks for a new owner for a hot lead, excluding the one who let it go stale", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const read = run(
      started,
      { kind: "freshRead", purpose: "stale-check", properties: { hubspot_owner_id: "84213371", hubspotscore: "75" } },
      "2026-11-16T15:00:00.000Z",
    );
    expect(read.requests).toEqual([{ kind: "route", purpose: "stale-reassign", teamId: "inbound", excludeOwnerId: "84213371" }]);
  });

  it("reassigns with a HIGH priority task and a Slack nudge, each effect keyed to this deadline", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const asked = run(
      started,
      { kind: "freshRead", purpose: "stale-check", properties: { hubspot_owner_id: "84213371", hubspotscore: "75" } },
      "2026-11-16T15:00:00.000Z",
    ).state;
    const routed = run(
      asked,
      {
        kind: "routed",
        purpose: "stale-reassign",
        decision: { kind: "rep", repId: "sam", ownerId: "84213372", slackUserId: "U05REPTWO02", reason: "weighted round robin" },
      },
      "2026-11-16T15:00:00.000Z",
    );
    expect(routed.effects.map((e) => e.effect.type)).toEqual(["assignOwner", "createTask", "postSlackMessage"]);
    expect(routed.effects[0]!.effect).toMatchObject({ ownerId: "84213372", objectId: "42" });
    expect(routed.effects[1]!.effect).toMatchObject({ priority: "HIGH", ownerId: "84213372", dueAt: "2026-11-16T19:00:00.000Z" });
    expect(routed.effects.map((e) => e.idempotencyKey)).toEqual([
      `${KEY}:stale:2026-11-16T15:00:00.000Z:assign`,
      `${KEY}:stale:2026-11-16T15:00:00.000Z:task`,
      `${KEY}:stale:2026-11-16T15:00:00.000Z:slack`,
    ]);
    expect(routed.audit[0]).toMatchObject({
      outcome: "reassigned",
      data: { routing_reason: "weighted round robin", from: "84213371", to: "84213372" },
    });
    expect(routed.timers).toEqual({ "stale-check": "2026-11-30T15:00:00.000Z" });
  });

  it("parks a cold lead in nurture and stops chasing it", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const read = run(
      started,
      { kind: "freshRead", purpose: "stale-check", properties: { hubspot_owner_id: "84213371", hubspotscore: "12" } },
      "2026-11-16T15:00:00.000Z",
    );
    expect(read.effects).toHaveLength(1);
    expect(read.effects[0]!.effect).toMatchObject({ type: "updateProperties", properties: { hs_lead_status: "BAD_TIMING" } });
    expect(read.state.stale).toMatchObject({ parked: true, deadline: null });
    expect(read.timers).toEqual({ "stale-check": null });
    expect(run(read.state, { kind: "timer", name: "stale-check" }, "2026-12-01T00:00:00.000Z").requests).toEqual([]);
  });

  it("ignores a timer whose deadline moved later since it was queued", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    expect(run(started, { kind: "timer", name: "stale-check" }, "2026-11-16T14:59:59.000Z").requests).toEqual([]);
  });

  it("with nobody to take the lead and no fallback owner, looks again in an hour instead of at once", () => {
    const started = run({}, { kind: "crmEvent", event: event(T0, "created") }, T0).state;
    const asked = run(
      started,
      { kind: "freshRead", purpose: "stale-check", properties: { hubspot_owner_id: "84213371", hubspotscore: "75" } },
      "2026-11-16T15:00:00.000Z",
    ).state;
    const nobody = run(
      asked,
      { kind: "routed", purpose: "stale-reassign", decision: { kind: "fallback", reason: "nobody eligible" } },
      "2026-11-16T15:00:00.000Z",
    );
    expect(nobody.effects).toEqual([]);
    expect(nobody.timers).toEqual({ "stale-check": "2026-11-16T16:00:00.000Z" });
    expect(nobody.audit[0]).toMatchObject({ outcome: "fallback" });
  });

  it("ignores records of other types", () => {
    const deal = { ...emptyRecordState(event(T0, "created")), objectType: "deal" };
    expect(decide({}, { kind: "crmEvent", event: event(T0, "created") }, ctx(T0, deal)).timers).toEqual({});
  });
});
