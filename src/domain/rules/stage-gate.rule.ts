import type { AuditValue, DecideContext, Decision, RuleInput, RuleState } from "../decision";
import { noDecision } from "../decision";
import type { EffectRequest } from "../effects";
import { deadlineAfter, isEmpty, OWNER_PROPERTY, repByOwner } from "./rule-support";

/**
 * Stage gates: a deal entering a gated stage without its required fields gets its owner nudged
 * in Slack; if the fields are still empty when the grace period ends, the stage goes back to
 * where it came from. Our own revert echoes back as a webhook and is only remembered, never
 * gated again (the loop guard); a human moving the deal again is evaluated afresh.
 */
export function stageGateRule(state: RuleState, input: RuleInput, ctx: DecideContext): Decision {
  const rule = ctx.policy.rules.stageGates;
  const { record } = ctx;
  if (!rule?.enabled || !rule.objectTypes.includes(record.objectType)) return noDecision(state);
  const crm = record.crm;
  const stageProperty = rule.stageProperty[crm];
  if (!stageProperty) return noDecision(state);
  const now = ctx.now.toISOString();
  const gate = state.gate ?? {};
  const audit = (outcome: string, reason: string, data: Record<string, AuditValue> = {}, effects: EffectRequest[] = []) => ({
    at: now,
    rule: "stage-gate" as const,
    outcome,
    reason,
    data,
    policyVersion: ctx.policyVersion,
    effects: effects.map((e) => e.idempotencyKey),
  });
  const gateFor = (stage: string) => rule.gates.find((g) => g.crm === crm && g.stage === stage);
  const ownerSlack = (props: Record<string, string | null>) =>
    repByOwner(ctx.policy, crm, props[OWNER_PROPERTY[crm]] ?? record.properties[OWNER_PROPERTY[crm]]?.value)?.slackUserId;
  const link = (rule.recordUrl[crm] ?? "").replace("{objectId}", record.objectId).replace("{accountId}", record.accountId);
  const slack = (key: string, channel: string | undefined, text: string): EffectRequest[] =>
    channel ? [{ idempotencyKey: key, leadKey: record.key, rule: "stage-gate", effect: { type: "postSlackMessage", channel, text } }] : [];

  switch (input.kind) {
    case "crmEvent": {
      const event = input.event;
      if (event.kind !== "propertyChanged" && event.kind !== "created") return noDecision(state);
      const stage = event.properties[stageProperty];
      if (stage === undefined || stage === null) {
        // A required field filled during the grace period cancels the revert.
        const pending = gate.pending;
        if (pending?.missing.every((f) => !isEmpty(record.properties[f]?.value))) {
          return {
            ...noDecision({ ...state, gate: { ...gate, pending: undefined } }),
            timers: { "gate-revert": null },
            audit: [audit("cancelled", `required fields filled: ${pending.missing.join(", ")}`)],
          };
        }
        return noDecision(state);
      }
      if (event.fromThisIntegration) {
        return {
          ...noDecision({ ...state, gate: { ...gate, lastStage: stage } }),
          audit: [audit("ignored", `our own change of ${stageProperty} to ${stage} (loop guard)`)],
        };
      }
      // A snapshot (Outbound Message) repeats the stage with every edit: not a move.
      if (stage === gate.lastStage) return noDecision(state);
      const previousStage = gate.lastStage;
      const moved: RuleState = { ...state, gate: { lastStage: stage, pending: undefined } };
      const cancel = gate.pending ? [audit("cancelled", `the deal moved on to ${stage}`)] : [];
      if (!gateFor(stage)) return { ...noDecision(moved), timers: { "gate-revert": null }, audit: cancel };
      // The webhook carries only the stage: read the required fields fresh before judging, and,
      // for a deal first seen in this move (one that predates the install), where it came from.
      const pending = { stage, previousStage, missing: [], revertAt: "", since: event.occurredAt };
      return {
        ...noDecision({ ...moved, gate: { lastStage: stage, pending } }),
        timers: { "gate-revert": null },
        audit: cancel,
        requests: [
          {
            kind: "read",
            purpose: "gate-revert",
            properties: [...gateFor(stage)!.required, stageProperty, OWNER_PROPERTY[crm]],
            ...(previousStage === undefined ? { previousOf: [stageProperty] } : {}),
          },
        ],
      };
    }
    case "freshRead": {
      const known = gate.pending;
      if (input.purpose !== "gate-revert" || !known) return noDecision(state);
      // Only a value other than the gated stage is somewhere to go back to.
      const fromHistory = input.previous?.[stageProperty];
      const learned = known.previousStage === undefined && !!fromHistory && fromHistory !== known.stage;
      const pending = learned ? { ...known, previousStage: fromHistory! } : known;
      if (!input.properties)
        return {
          ...noDecision({ ...state, gate: undefined }),
          timers: { "gate-revert": null },
          audit: [audit("stopped", "the record no longer exists")],
        };
      const props = input.properties;
      const required = gateFor(pending.stage)?.required ?? [];
      const missing = required.filter((f) => isEmpty(props[f]));
      if (props[stageProperty] !== pending.stage || missing.length === 0) {
        const reason = missing.length === 0 ? "required fields are filled" : `the stage is now ${props[stageProperty]}`;
        return {
          ...noDecision({ ...state, gate: { lastStage: props[stageProperty] ?? gate.lastStage } }),
          timers: { "gate-revert": null },
          audit: [audit("passed", reason)],
        };
      }
      const key = `${record.key}:gate:${pending.stage}:${pending.since}`;
      if (!pending.revertAt) {
        // First look: nudge the owner and give them the grace period.
        const revertAt = deadlineAfter(ctx.now, rule.gracePeriod, ctx.policy).toISOString();
        const effects = slack(
          `${key}:nudge`,
          ownerSlack(props),
          `This deal moved to *${pending.stage}* without ${missing.join(", ")}. Fill ${missing.length > 1 ? "them" : "it"} by ${revertAt.slice(0, 16).replace("T", " ")} UTC${rule.revert && pending.previousStage ? `, or it goes back to ${pending.previousStage}` : ""}: ${link}`,
        );
        return {
          ...noDecision({ ...state, gate: { ...gate, pending: { ...pending, missing, revertAt } } }),
          effects,
          timers: { "gate-revert": rule.revert ? revertAt : null },
          audit: [
            audit(
              "nudged",
              `entered ${pending.stage} without ${missing.join(", ")}`,
              {
                missing,
                revertAt,
                previousStage: pending.previousStage,
                ...(learned ? { previousStageFrom: "the CRM's history" } : {}),
              },
              effects,
            ),
          ],
        };
      }
      if (!rule.revert || !pending.previousStage) {
        return {
          ...noDecision({ ...state, gate: { ...gate, pending: undefined } }),
          audit: [audit("not reverted", rule.revert ? "no known previous stage to go back to" : "reverting is off in the policy", { missing })],
        };
      }
      const effects: EffectRequest[] = [
        {
          idempotencyKey: `${key}:revert`,
          leadKey: record.key,
          rule: "stage-gate",
          effect: {
            type: "updateProperties",
            crm,
            accountId: record.accountId,
            objectType: record.objectType,
            objectId: record.objectId,
            properties: { [stageProperty]: pending.previousStage },
          },
        },
        ...slack(
          `${key}:reverted`,
          ownerSlack(props),
          `This deal went back from *${pending.stage}* to *${pending.previousStage}*: ${missing.join(", ")} still empty after the grace period. ${link}`,
        ),
      ];
      return {
        ...noDecision({ ...state, gate: { lastStage: pending.previousStage } }),
        effects,
        timers: { "gate-revert": null },
        audit: [
          audit(
            "reverted",
            `${missing.join(", ")} still empty at the end of the grace period`,
            { from: pending.stage, to: pending.previousStage, missing },
            effects,
          ),
        ],
      };
    }
    case "timer":
      // A revert that moved (or a gate that changed) since this timer was queued is not due yet.
      if (input.name !== "gate-revert" || !gate.pending?.revertAt || gate.pending.revertAt > now) return noDecision(state);
      return {
        ...noDecision(state),
        requests: [
          {
            kind: "read",
            purpose: "gate-revert",
            properties: [...(gateFor(gate.pending.stage)?.required ?? []), stageProperty, OWNER_PROPERTY[crm]],
          },
        ],
      };
    default:
      return noDecision(state);
  }
}
