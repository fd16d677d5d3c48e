import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { RecordUnderTest } from "../support/rule-harness";

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

const MON_10 = "2026-11-23T15:00:00.000Z"; // Monday 10:00 in New York
const REVERT_AT = "2026-11-23T19:00:00.000Z";
/** The deal as the CRM has it: in the gated stage without its next step. */
const MISSING_NEXT_STEP = { dealstage: "contractsent", hs_next_step: null, amount: "5000", hubspot_owner_id: "84213371" };
// The gate's fields, the stage, the owner, and the deal's name (so the console knows the deal by it).
const READS = ["hs_next_step", "amount", "dealstage", "hubspot_owner_id", "dealname"];

/** A deal the Worker knows (owned by Alex) whose events are driven through the rules. */
function deal(crm: Record<string, string | null> | null = MISSING_NEXT_STEP) {
  const owner = { value: "84213371", occurredAt: "2026-11-23T14:00:00.000Z", changedBy: {}, fromThisIntegration: false };
  return new RecordUnderTest(policy, stage("appointmentscheduled", "2026-11-23T14:00:00.000Z"), crm, {
    record: { properties: { hubspot_owner_id: owner } },
  });
}

/** Known in qualifiedtobuy, then moved into contractsent without its next step: nudged. */
async function enteredWithoutNextStep() {
  const d = deal();
  await d.event(stage("qualifiedtobuy", "2026-11-23T14:30:00.000Z"), MON_10);
  const nudged = await d.event(stage("contractsent", MON_10), MON_10);
  return { deal: d, nudged };
}

const textOf = (effect: { effect: unknown }) => (effect.effect as { text: string }).text;

describe("stage-gate rule", () => {
  it("reads the required fields fresh when a deal enters a gated stage, then nudges the owner", async () => {
    const { deal: d, nudged } = await enteredWithoutNextStep();
    expect(d.asked).toEqual([{ kind: "read", properties: READS }]);
    expect(nudged.effects).toHaveLength(1);
    expect(nudged.effects[0]!.effect).toMatchObject({ type: "postSlackMessage", channel: "U05REPONE01" });
    expect(textOf(nudged.effects[0]!)).toContain("hs_next_step");
    expect(textOf(nudged.effects[0]!)).toContain("https://app.hubspot.com/contacts/62515/record/0-3/9");
    // Grace: 4 business hours from Monday 10:00 New York.
    expect(nudged.timers).toEqual({ "stage-gate:revert": REVERT_AT });
    expect(nudged.audit[0]).toMatchObject({ outcome: "nudged", data: { missing: ["hs_next_step"], previousStage: "qualifiedtobuy" } });
  });

  it("moves the stage back after the grace period when the fields are still empty", async () => {
    const { deal: d } = await enteredWithoutNextStep();
    const reverted = await d.timer("stage-gate:revert", REVERT_AT);
    expect(d.asked).toEqual([{ kind: "read", properties: READS }]);
    expect(reverted.effects.map((e) => e.effect)).toEqual([
      expect.objectContaining({ type: "updateProperties", properties: { dealstage: "qualifiedtobuy" } }),
      expect.objectContaining({ type: "postSlackMessage", channel: "U05REPONE01" }),
    ]);
    expect(reverted.audit[0]).toMatchObject({ outcome: "reverted", data: { from: "contractsent", to: "qualifiedtobuy" } });

    // Our revert echoes back: remembered, never gated or nudged again.
    const echo = await d.event(stage("qualifiedtobuy", "2026-11-23T19:00:05.000Z", true), "2026-11-23T19:00:06.000Z");
    expect(echo.effects).toEqual([]);
    expect(d.asked).toEqual([]);
    expect(echo.audit[0]).toMatchObject({ outcome: "ignored" });
  });

  it("for a deal first seen entering the gate, asks the CRM where it came from and goes back there", async () => {
    const d = deal();
    d.history = { dealstage: "qualifiedtobuy" };
    const nudged = await d.event(stage("contractsent", MON_10), MON_10);
    expect(d.asked).toEqual([{ kind: "read", properties: READS, previousOf: ["dealstage"] }]);
    expect(textOf(nudged.effects[0]!)).toContain("or it goes back to qualifiedtobuy");
    expect(nudged.audit[0]).toMatchObject({ outcome: "nudged", data: { previousStage: "qualifiedtobuy", previousStageFrom: "the CRM's history" } });
    const reverted = await d.timer("stage-gate:revert", REVERT_AT);
    // The deadline's read does not ask for history again: the stage to go back to is known.
    expect(d.asked).toEqual([{ kind: "read", properties: READS }]);
    expect(reverted.effects[0]!.effect).toMatchObject({ type: "updateProperties", properties: { dealstage: "qualifiedtobuy" } });
  });

  it("a deal created in a gated stage has no earlier stage: nudged, never reverted", async () => {
    const d = deal();
    d.history = { dealstage: null };
    const nudged = await d.event(stage("contractsent", MON_10), MON_10);
    expect(textOf(nudged.effects[0]!)).not.toContain("goes back");
    const due = await d.timer("stage-gate:revert", REVERT_AT);
    expect(due.effects).toEqual([]);
    expect(due.audit[0]).toMatchObject({ outcome: "not reverted", reason: "no known previous stage to go back to" });
  });

  it("cancels the revert when the fields are filled in time", async () => {
    const { deal: d } = await enteredWithoutNextStep();
    const filled = { ...stage("x", "2026-11-23T16:00:00.000Z"), properties: { hs_next_step: "Send the contract" } } as CrmEvent;
    const cancelled = await d.event(filled);
    expect(cancelled.timers).toEqual({ "stage-gate:revert": null });
    expect(cancelled.audit[0]).toMatchObject({ outcome: "cancelled" });
  });

  it("re-evaluates cleanly when a human moves the deal twice", async () => {
    const { deal: d } = await enteredWithoutNextStep();
    const onward = await d.event(stage("closedwon", "2026-11-23T15:30:00.000Z"));
    expect(onward.timers).toEqual({ "stage-gate:revert": null });
    expect(onward.audit[0]).toMatchObject({ outcome: "cancelled" });
    await d.event(stage("contractsent", "2026-11-23T16:00:00.000Z"));
    expect(d.asked).toHaveLength(1);
    expect(d.state.gate?.pending).toMatchObject({ stage: "contractsent", previousStage: "closedwon" });
  });

  it("does not revert before the grace period ends, nor treat a repeated stage as a move", async () => {
    const { deal: d } = await enteredWithoutNextStep();
    await d.timer("stage-gate:revert", "2026-11-23T18:59:59.000Z");
    expect(d.asked).toEqual([]);
    await d.event(stage("contractsent", "2026-11-23T16:00:00.000Z"));
    expect(d.asked).toEqual([]);
    expect(d.state.gate?.pending).toMatchObject({ previousStage: "qualifiedtobuy", revertAt: REVERT_AT });
  });

  it("passes a deal whose required fields are present", async () => {
    const d = deal({ dealstage: "contractsent", hs_next_step: "Call", amount: "10" });
    const ok = await d.event(stage("contractsent", MON_10), MON_10);
    expect(ok.effects).toEqual([]);
    expect(ok.audit[0]).toMatchObject({ outcome: "passed" });
  });

  it("stops following a deal the fresh read finds gone", async () => {
    const d = deal(null);
    const gone = await d.event(stage("contractsent", MON_10), MON_10);
    expect(gone.state.gate).toBeUndefined();
    expect(gone.audit[0]).toMatchObject({ outcome: "stopped", reason: "the record no longer exists" });
  });
});
