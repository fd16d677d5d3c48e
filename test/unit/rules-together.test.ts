import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { effectId } from "../../src/core/model/effect-id";
import type { EffectOf } from "../../src/core/model/effects";
import { Policy } from "../../src/core/policy/policy";
import { stepTaskKey } from "../../src/core/rules/cadence/cadence-config";
import { RecordUnderTest } from "../support/rule-harness";

const KEY = "hubspot:62515:contact:77";
const ARRIVED = "2026-11-10T15:00:00.000Z";
const created: CrmEvent = {
  kind: "created",
  dedupeKey: "c77",
  recordKey: KEY,
  crm: "hubspot",
  accountId: "62515",
  objectType: "contact",
  objectId: "77",
  occurredAt: ARRIVED,
  changedBy: { source: "CRM_UI" },
  fromThisIntegration: false,
  via: "hubspot-webhook",
  properties: {},
};
const LEAD = { lead_source: "demo_request", firstname: "Jane", hubspot_owner_id: "84213371", lead_follow_up_score: "80", phone: "+1 212 555 0100" };

describe("rules acting together in one run", () => {
  it("a stale-lead reassignment takes the cadence's open tasks to the new owner at once, and the CRM's echo moves nothing", async () => {
    const lead = new RecordUnderTest(Policy.parse(DEFAULT_POLICY), created, { ...LEAD });
    await lead.replay(created, ARRIVED);
    await lead.timer("cadence:step", "2026-11-10T15:05:00.000Z");
    lead.routes = [{ kind: "rep", repId: "sam", ownerId: "84213372", slackUserId: "U05REPTWO02", reason: "weighted round robin" }];

    const reassigned = await lead.timer("stale-lead:check", lead.state.stale!.deadline!);
    const moved = reassigned.effects.find((e) => e.effect.type === "updateTasks")?.effect as EffectOf<"updateTasks">;
    expect(moved).toMatchObject({
      taskKeys: [effectId(stepTaskKey(KEY, "inbound-sales", "day-0-acknowledge"))],
      action: { kind: "reassign", ownerId: "84213372" },
    });
    expect(reassigned.audit.map((a) => `${a.rule}: ${a.outcome}`)).toEqual(["stale-lead: reassigned", "cadence: tasks reassigned"]);
    expect(lead.state.cadence!.steps[0]).toMatchObject({ state: "written", ownerId: "84213372" });

    // HubSpot echoes our owner change back as a webhook: the tasks are already with the new owner.
    const echo = await lead.event({
      ...created,
      kind: "propertyChanged",
      dedupeKey: "echo",
      occurredAt: "2026-11-24T15:00:02.000Z",
      properties: { hubspot_owner_id: "84213372" },
      snapshot: false,
      fromThisIntegration: true,
      changedBy: { source: "INTEGRATION", id: "54321" },
    });
    expect(echo.effects).toEqual([]);
  });
});
