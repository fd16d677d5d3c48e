import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import type { AuditEntry } from "../../src/core/rules/rule";
import { factsFromAudit, factsFromEvent } from "../../src/core/facts/record-facts";

const KEY = "hubspot:62515:contact:42";
const AT = "2026-11-24T15:00:00.000Z";

const entry = (rule: AuditEntry["rule"], outcome: string, data: AuditEntry["data"] = {}, effects: string[] = []): AuditEntry => ({
  at: AT,
  rule,
  outcome,
  reason: "because",
  data,
  policyVersion: 3,
  effects,
});

const facts = (...entries: AuditEntry[]) => factsFromAudit(KEY, "hubspot", "contact", entries);

describe("facts from the rules' audit", () => {
  it("maps each outcome the rules write to its fact, with the dimensions the entry knows", () => {
    const stepKey = `${KEY}:cadence:inbound:day-0-email`;
    expect(
      facts(
        entry("cadence", "enrolled", { cadence: "inbound", source: "demo_request", zone: "Europe/Berlin" }),
        entry("cadence", "step written", { step: "day-0-email", channel: "EMAIL", ownerId: "84213371", dueAt: AT }, [stepKey, `${stepKey}:nudge`]),
        entry("stale-lead", "reassigned", { routing_reason: "weighted round robin in SDRs: Sam", from: "84213371", to: "84213372" }, [
          `${KEY}:stale:x:assign`,
        ]),
        entry("stage-gate", "reverted", { from: "contractsent", to: "qualifiedtobuy", missing: ["hs_next_step"] }, [`${KEY}:gate:revert`]),
        entry("cadence", "stopped", {
          reason: "replied",
          evidence: "email",
          onStop: "complete",
          tasks: [`${KEY}:cadence:inbound:day-0-email`, stepKey.replace("day-0-email", "day-2-resource")],
        }),
        entry("cadence", "SLA breached", { dueAt: "2026-11-24T14:30:00.000Z", ownerId: "84213371" }),
      ),
    ).toEqual([
      {
        kind: "enrolled",
        key: `${KEY}:enrolled:inbound`,
        at: AT,
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
        cadence: "inbound",
        source: "demo_request",
      },
      {
        kind: "stepWritten",
        key: `${KEY}:step-written:${stepKey}`,
        at: AT,
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
        step: "day-0-email",
        rep: "84213371",
        data: { channel: "EMAIL", dueAt: AT },
      },
      {
        kind: "reassigned",
        key: `${KEY}:reassigned:${KEY}:stale:x:assign`,
        at: AT,
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
        rep: "84213372",
        reason: "round robin",
        data: { from: "84213371", routingReason: "weighted round robin in SDRs: Sam" },
      },
      {
        kind: "gateReverted",
        key: `${KEY}:gate-reverted:${KEY}:gate:revert`,
        at: AT,
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
        gate: "contractsent",
        stage: "qualifiedtobuy",
      },
      {
        kind: "cadenceStopped",
        key: `${KEY}:cadence-stopped`,
        at: AT,
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
        reason: "replied",
        step: "day-2-resource",
        data: { evidence: "email" },
      },
      {
        kind: "slaBreached",
        key: `${KEY}:sla-breached:2026-11-24T14:30:00.000Z`,
        at: AT,
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
        rep: "84213371",
      },
    ]);
  });

  it("gives a repeated run of the same decisions the same keys, so they are stored once", () => {
    const run = [entry("cadence", "SLA met"), entry("stale-lead", "fallback", { routing_reason: "nobody eligible", to: "999" }, ["k:assign"])];
    const again = run.map((e) => ({ ...e, at: "2026-11-24T15:00:30.000Z" }));
    expect(facts(...again).map((f) => f.key)).toEqual(facts(...run).map((f) => f.key));
    expect(facts(...run)[1]).toMatchObject({ kind: "reassigned", reason: "fallback", rep: "999" });
  });

  it("counts a rep's activity at its own time, and ignores what is not a lifecycle fact", () => {
    expect(
      facts(
        entry("stale-lead", "clock reset", { activityAt: "2026-11-24T14:10:00.000Z" }),
        entry("stale-lead", "clock started", { deadline: AT }),
        entry("stage-gate", "ignored"),
        entry("cadence", "step snoozed", { step: "x" }),
      ),
    ).toEqual([
      {
        kind: "activityLogged",
        key: `${KEY}:activity:2026-11-24T14:10:00.000Z`,
        at: "2026-11-24T14:10:00.000Z",
        recordKey: KEY,
        crm: "hubspot",
        objectType: "contact",
      },
    ]);
  });
});

describe("facts from events", () => {
  const base = {
    recordKey: "hubspot:62515:deal:7",
    crm: "hubspot" as const,
    accountId: "62515",
    objectType: "deal",
    objectId: "7",
    occurredAt: "2026-11-24T10:00:00.000Z",
    changedBy: { source: "CRM_UI" },
    fromThisIntegration: false,
    via: "hubspot-webhook" as const,
  };
  const moved = (dedupeKey: string, stage: string, fromThisIntegration = false): CrmEvent => ({
    ...base,
    dedupeKey,
    kind: "propertyChanged",
    properties: { dealstage: stage },
    snapshot: false,
    fromThisIntegration,
  });

  it("creates the record once, at its first event, and counts the stages a person moved it into", () => {
    expect(factsFromEvent(moved("e1", "qualifiedtobuy"), true).map((f) => [f.kind, f.key, f.stage ?? null])).toEqual([
      ["recordCreated", "hubspot:62515:deal:7:created", null],
      ["stageEntered", "hubspot:62515:deal:7:stage:e1", "qualifiedtobuy"],
    ]);
    // Our own revert echoing back is not a move; a later creation event names the same fact.
    expect(factsFromEvent(moved("e2", "qualifiedtobuy", true), false)).toEqual([]);
    expect(factsFromEvent({ ...base, dedupeKey: "e3", kind: "created", properties: {} }, false).map((f) => f.key)).toEqual([
      "hubspot:62515:deal:7:created",
    ]);
  });
});
