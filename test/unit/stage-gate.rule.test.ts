import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/domain/crm-event";
import { decide } from "../../src/domain/decide";
import type { RuleInput, RuleState } from "../../src/domain/decision";
import { DEFAULT_POLICY } from "../../src/domain/default-policy";
import { Policy } from "../../src/domain/policy";
import { applyEvent, emptyRecordState, type RecordState } from "../../src/domain/record-state";

const policy = Policy.parse({ ...DEFAULT_POLICY, rules: { stageGates: DEFAULT_POLICY.rules.stageGates } });
const KEY = "hubspot:62515:deal:9";
let n = 0;
const stage = (value: string, at: string, ours = false): CrmEvent => ({
  kind: "propertyChanged",
  dedupeKey: `g${n++}`,
  recordKey: KEY,
  crm: "hubspot",
  accountId: "62515",
  objectType: "deal",
  objectId: "9",
  occurredAt: at,
  changedBy: { source: ours ? "INTEGRATION" : "CRM_UI" },
  fromThisIntegration: ours,
  via: "hubspot-webhook",
  properties: { dealstage: value },
  snapshot: false,
});

class Deal {
  record: RecordState = {
    ...emptyRecordState(stage("appointmentscheduled", "2026-11-23T14:00:00.000Z")),
    properties: { hubspot_owner_id: { value: "84213371", occurredAt: "2026-11-23T14:00:00.000Z", changedBy: {}, fromThisIntegration: false } },
  };
  state: RuleState = {};
  step(input: RuleInput, now: string) {
    if (input.kind === "crmEvent") this.record = applyEvent(this.record, input.event);
    const d = decide(this.state, input, { record: this.record, now: new Date(now), policy, policyVersion: 3, random: () => 0 });
    this.state = d.state;
    return d;
  }
}

const MON_10 = "2026-11-23T15:00:00.000Z"; // Monday 10:00 in New York
const missingFields = {
  kind: "freshRead",
  purpose: "gate-revert",
  properties: { dealstage: "contractsent", hs_next_step: null, amount: "5000", hubspot_owner_id: "84213371" },
} as const;

describe("stage-gate rule", () => {
  it("reads the required fields fresh when a deal enters a gated stage, then nudges the owner", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("qualifiedtobuy", "2026-11-23T14:30:00.000Z") }, MON_10);
    const entered = deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    expect(entered.requests).toEqual([
      { kind: "read", purpose: "gate-revert", properties: ["hs_next_step", "amount", "dealstage", "hubspot_owner_id"] },
    ]);
    const nudged = deal.step(missingFields, MON_10);
    expect(nudged.effects).toHaveLength(1);
    expect(nudged.effects[0]!.effect).toMatchObject({ type: "postSlackMessage", channel: "U05REPONE01" });
    expect((nudged.effects[0]!.effect as { text: string }).text).toContain("hs_next_step");
    expect((nudged.effects[0]!.effect as { text: string }).text).toContain("https://app.hubspot.com/contacts/62515/record/0-3/9");
    // Grace: 4 business hours from Monday 10:00 New York.
    expect(nudged.timers).toEqual({ "gate-revert": "2026-11-23T19:00:00.000Z" });
    expect(nudged.audit[0]).toMatchObject({ outcome: "nudged", data: { missing: ["hs_next_step"], previousStage: "qualifiedtobuy" } });
  });

  it("moves the stage back after the grace period when the fields are still empty", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("qualifiedtobuy", "2026-11-23T14:30:00.000Z") }, MON_10);
    deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    deal.step(missingFields, MON_10);
    const due = deal.step({ kind: "timer", name: "gate-revert" }, "2026-11-23T19:00:00.000Z");
    expect(due.requests).toHaveLength(1);
    const reverted = deal.step(missingFields, "2026-11-23T19:00:00.000Z");
    expect(reverted.effects.map((e) => e.effect)).toEqual([
      expect.objectContaining({ type: "updateProperties", properties: { dealstage: "qualifiedtobuy" } }),
      expect.objectContaining({ type: "postSlackMessage", channel: "U05REPONE01" }),
    ]);
    expect(reverted.audit[0]).toMatchObject({ outcome: "reverted", data: { from: "contractsent", to: "qualifiedtobuy" } });

    // Our revert echoes back: remembered, never gated or nudged again.
    const echo = deal.step({ kind: "crmEvent", event: stage("qualifiedtobuy", "2026-11-23T19:00:05.000Z", true) }, "2026-11-23T19:00:06.000Z");
    expect(echo.effects).toEqual([]);
    expect(echo.requests).toEqual([]);
    expect(echo.audit[0]).toMatchObject({ outcome: "ignored" });
  });

  it("for a deal first seen entering the gate, asks the CRM where it came from and goes back there", () => {
    const deal = new Deal();
    const entered = deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    expect(entered.requests).toEqual([
      {
        kind: "read",
        purpose: "gate-revert",
        properties: ["hs_next_step", "amount", "dealstage", "hubspot_owner_id"],
        previousOf: ["dealstage"],
      },
    ]);
    const nudged = deal.step({ ...missingFields, previous: { dealstage: "qualifiedtobuy" } }, MON_10);
    expect((nudged.effects[0]!.effect as { text: string }).text).toContain("or it goes back to qualifiedtobuy");
    expect(nudged.audit[0]).toMatchObject({ outcome: "nudged", data: { previousStage: "qualifiedtobuy", previousStageFrom: "the CRM's history" } });
    deal.step({ kind: "timer", name: "gate-revert" }, "2026-11-23T19:00:00.000Z");
    // The timer's read does not ask for history again: the stage to go back to is known.
    const reverted = deal.step(missingFields, "2026-11-23T19:00:00.000Z");
    expect(reverted.effects[0]!.effect).toMatchObject({ type: "updateProperties", properties: { dealstage: "qualifiedtobuy" } });
  });

  it("a deal created in a gated stage has no earlier stage: nudged, never reverted", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    const nudged = deal.step({ ...missingFields, previous: { dealstage: null } }, MON_10);
    expect((nudged.effects[0]!.effect as { text: string }).text).not.toContain("goes back");
    deal.step({ kind: "timer", name: "gate-revert" }, "2026-11-23T19:00:00.000Z");
    const due = deal.step(missingFields, "2026-11-23T19:00:00.000Z");
    expect(due.effects).toEqual([]);
    expect(due.audit[0]).toMatchObject({ outcome: "not reverted", reason: "no known previous stage to go back to" });
  });

  it("cancels the revert when the fields are filled in time", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("qualifiedtobuy", "2026-11-23T14:30:00.000Z") }, MON_10);
    deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    deal.step(missingFields, MON_10);
    const filled = { ...stage("x", "2026-11-23T16:00:00.000Z"), properties: { hs_next_step: "Send the contract" } } as CrmEvent;
    const cancelled = deal.step({ kind: "crmEvent", event: filled }, "2026-11-23T16:00:00.000Z");
    expect(cancelled.timers).toEqual({ "gate-revert": null });
    expect(cancelled.audit[0]).toMatchObject({ outcome: "cancelled" });
  });

  it("re-evaluates cleanly when a human moves the deal twice", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("qualifiedtobuy", "2026-11-23T14:30:00.000Z") }, MON_10);
    deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    deal.step(missingFields, MON_10);
    const onward = deal.step({ kind: "crmEvent", event: stage("closedwon", "2026-11-23T15:30:00.000Z") }, "2026-11-23T15:30:00.000Z");
    expect(onward.timers).toEqual({ "gate-revert": null });
    expect(onward.audit[0]).toMatchObject({ outcome: "cancelled" });
    const again = deal.step({ kind: "crmEvent", event: stage("contractsent", "2026-11-23T16:00:00.000Z") }, "2026-11-23T16:00:00.000Z");
    expect(again.requests).toHaveLength(1);
    expect(deal.state.gate?.pending).toMatchObject({ stage: "contractsent", previousStage: "closedwon" });
  });

  it("does not revert before the grace period ends, nor treat a repeated stage as a move", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("qualifiedtobuy", "2026-11-23T14:30:00.000Z") }, MON_10);
    deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    deal.step(missingFields, MON_10);
    expect(deal.step({ kind: "timer", name: "gate-revert" }, "2026-11-23T18:59:59.000Z").requests).toEqual([]);
    const repeated = deal.step({ kind: "crmEvent", event: stage("contractsent", "2026-11-23T16:00:00.000Z") }, "2026-11-23T16:00:00.000Z");
    expect(repeated.requests).toEqual([]);
    expect(deal.state.gate?.pending).toMatchObject({ previousStage: "qualifiedtobuy", revertAt: "2026-11-23T19:00:00.000Z" });
  });

  it("passes a deal whose required fields are present", () => {
    const deal = new Deal();
    deal.step({ kind: "crmEvent", event: stage("contractsent", MON_10) }, MON_10);
    const ok = deal.step(
      { kind: "freshRead", purpose: "gate-revert", properties: { dealstage: "contractsent", hs_next_step: "Call", amount: "10" } },
      MON_10,
    );
    expect(ok.effects).toEqual([]);
    expect(ok.audit[0]).toMatchObject({ outcome: "passed" });
  });
});
