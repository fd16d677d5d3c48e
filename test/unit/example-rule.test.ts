import { describe, expect, it } from "vitest";
import { decide, type RuleShell } from "../../src/core/rules/decide";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { emptyRecordState } from "../../src/core/model/record-state";
import { afterRead, type Rule, unchanged } from "../../src/core/rules/rule";
import type { RuleState } from "../../src/core/rules/rule-state";
import { OWNER_PROPERTY, repByOwner } from "../../src/core/rules/rule-support";

/**
 * The example of docs/architecture.md: a whole rule in a few lines. A deal nobody gave a next step a
 * day after it was created gets its owner a Slack reminder. It shows each part of the contract:
 * an event handler that sets a timer, a timer handler that asks for a fresh read and names its
 * continuation, and the continuation that decides with the answer.
 */
interface NextStepMemory {
  remindAt: string;
}

const nextStepReminder: Rule<NextStepMemory, { property: string }> = {
  name: "next-step-reminder",
  slice: "nextStep",
  // The rule's part of the policy, resolved for this record's CRM; null: not for this record.
  resolve: (_policy, record) => (record.objectType === "deal" && record.crm === "hubspot" ? { property: "hs_next_step" } : null),
  on: {
    created(_memory, event) {
      const remindAt = new Date(Date.parse(event.occurredAt) + 86_400_000).toISOString();
      return { state: { remindAt }, timers: { remind: remindAt } };
    },
  },
  timers: {
    remind: (memory, _, ctx) =>
      memory && memory.remindAt <= ctx.at
        ? { state: memory, ask: { kind: "read", properties: [ctx.config.property, OWNER_PROPERTY[ctx.crm]], resume: "check" } }
        : unchanged(memory),
  },
  continuations: {
    check: afterRead<NextStepMemory, { property: string }>((memory, fresh, ctx) => {
      if (!fresh || fresh.properties[ctx.config.property])
        return { state: undefined, audit: [{ outcome: "no reminder", reason: "the deal has a next step" }] };
      const rep = repByOwner(ctx.policy, ctx.crm, fresh.properties[OWNER_PROPERTY[ctx.crm]]);
      const effects = rep?.slackUserId
        ? [
            ctx.effect(`${ctx.record.key}:next-step:${memory?.remindAt}`, {
              type: "postSlackMessage",
              channel: rep.slackUserId,
              text: "This deal has no next step yet.",
            }),
          ]
        : [];
      return { state: undefined, effects, audit: [{ outcome: "reminded", reason: "no next step a day after the deal was created", effects }] };
    }),
  },
};

const policy = { version: 1, policy: Policy.parse(DEFAULT_POLICY), createdAt: "2026-01-01T00:00:00.000Z" };
const created: CrmEvent = {
  kind: "created",
  dedupeKey: "d1",
  recordKey: "hubspot:62515:deal:7",
  crm: "hubspot",
  accountId: "62515",
  objectType: "deal",
  objectId: "7",
  occurredAt: "2026-11-23T15:00:00.000Z",
  changedBy: {},
  fromThisIntegration: false,
  via: "hubspot-webhook",
  properties: {},
};
const record = emptyRecordState(created);
/** The deal as the CRM has it a day later: Alex's, still without a next step. */
const crm: RuleShell = {
  read: async (properties) => ({ properties: Object.fromEntries(properties.map((p) => [p, p === "hubspot_owner_id" ? "84213371" : null])) }),
  route: () => Promise.reject(new Error("not asked")),
  tasks: () => Promise.reject(new Error("not asked")),
};

describe("a rule written to the contract (the docs/architecture.md example)", () => {
  it("sets its timer on the event, asks for a fresh read when it fires, and reminds the owner", async () => {
    const ctx = (now: string) => ({ record, now: new Date(now), policy, random: () => 0 });
    const first = await decide({}, { kind: "event", event: created }, ctx(created.occurredAt), crm, [nextStepReminder]);
    expect(first.timers).toEqual({ "next-step-reminder:remind": "2026-11-24T15:00:00.000Z" });

    const state: RuleState = first.state;
    const due = await decide(state, { kind: "timer", name: "next-step-reminder:remind" }, ctx("2026-11-24T15:00:00.000Z"), crm, [nextStepReminder]);
    expect(due.effects.map((e) => e.effect)).toEqual([{ type: "postSlackMessage", channel: "U05REPONE01", text: "This deal has no next step yet." }]);
    expect(due.audit).toMatchObject([{ rule: "next-step-reminder", outcome: "reminded", policyVersion: 1 }]);
    expect(due.state).toEqual({});
  });
});
