import { NAME_PROPERTIES } from "../model/record-name";
import type { CrmEvent } from "../model/crm-event";
import type { EffectRequest } from "../model/effects";
import type { Threshold } from "../policy/policy-fields";
import { afterRead, type FreshRecord, type Rule, type RuleContext, type Step, unchanged } from "./rule";
import type { GateState } from "./rule-state";
import { deadlineAfter, isEmpty, OWNER_PROPERTY, repByOwner, unique } from "./rule-support";

/** The stage-gate section of the policy with this record's CRM's values picked. */
export interface GateConfig {
  stageProperty: string;
  /** Required fields by gated stage, for this CRM. */
  gates: Map<string, string[]>;
  gracePeriod: Threshold;
  revert: boolean;
  /** The record's link for Slack messages, filled in. */
  link: string;
}

type Ctx = RuleContext<GateConfig>;
type Pending = NonNullable<GateState["pending"]>;

/**
 * Stage gates: a deal entering a gated stage without its required fields gets its owner nudged
 * in Slack; if the fields are still empty when the grace period ends, the stage goes back to
 * where it came from. Our own revert echoes back as a webhook and is only remembered, never
 * gated again (the loop guard); a human moving the deal again is evaluated afresh.
 */
export const stageGateRule: Rule<GateState, GateConfig> = {
  name: "stage-gate",
  slice: "gate",

  resolve(policy, record) {
    const rule = policy.rules.stageGates;
    const stageProperty = rule?.stageProperty[record.crm];
    if (!rule?.enabled || !stageProperty || !rule.objectTypes.includes(record.objectType)) return null;
    const gates = new Map(rule.gates.filter((g) => g.crm === record.crm).map((g) => [g.stage, g.required]));
    const link = (rule.recordUrl[record.crm] ?? "").replace("{objectId}", record.objectId).replace("{accountId}", record.accountId);
    return { stageProperty, gates, gracePeriod: rule.gracePeriod, revert: rule.revert, link };
  },

  on: {
    created: (state, event, ctx) => onChange(state, event, ctx),
    propertyChanged: (state, event, ctx) => onChange(state, event, ctx),
  },

  timers: {
    revert(state, _, ctx) {
      // A revert that moved (or a gate that changed) since this timer was set is not due yet.
      const pending = state?.pending;
      if (!pending?.revertAt || pending.revertAt > ctx.at) return unchanged(state);
      return { state, ask: { kind: "read", properties: readsFor(pending.stage, ctx), resume: "atDeadline" } };
    },
  },

  continuations: {
    /** Just entered: nudge the owner if a required field is empty, and give them the grace period. */
    onEntry: afterRead((state, fresh, ctx) => {
      const known = state?.pending;
      if (!known) return unchanged(state);
      // Only a value other than the gated stage is somewhere to go back to.
      const fromHistory = fresh?.previous?.[ctx.config.stageProperty];
      const learned = known.previousStage === undefined && !!fromHistory && fromHistory !== known.stage;
      const pending = learned ? { ...known, previousStage: fromHistory } : known;
      const judged = judge(state, pending, fresh, ctx);
      if (judged.kind === "settled") return judged.step;
      const revertAt = deadlineAfter(ctx.now, ctx.config.gracePeriod, ctx.policy).toISOString();
      const { missing } = judged;
      const goesBack = ctx.config.revert && pending.previousStage ? `, or it goes back to ${pending.previousStage}` : "";
      const effects = slack(
        ctx,
        `${keyOf(ctx, pending)}:nudge`,
        judged.ownerSlack,
        `This deal moved to *${pending.stage}* without ${missing.join(", ")}. Fill ${missing.length > 1 ? "them" : "it"} by ${revertAt.slice(0, 16).replace("T", " ")} UTC${goesBack}: ${ctx.config.link}`,
      );
      return {
        state: { ...state, pending: { ...pending, missing, revertAt } },
        effects,
        timers: { revert: ctx.config.revert ? revertAt : null },
        audit: [
          {
            outcome: "nudged",
            reason: `entered ${pending.stage} without ${missing.join(", ")}`,
            data: {
              stage: pending.stage,
              missing,
              revertAt,
              previousStage: pending.previousStage,
              ...(learned ? { previousStageFrom: "the CRM's history" } : {}),
            },
            effects,
          },
        ],
      };
    }),

    /** The grace period is over: still missing → back to the stage it came from. */
    atDeadline: afterRead((state, fresh, ctx) => {
      const pending = state?.pending;
      if (!pending) return unchanged(state);
      const judged = judge(state, pending, fresh, ctx);
      if (judged.kind === "settled") return judged.step;
      const { missing } = judged;
      if (!ctx.config.revert || !pending.previousStage) {
        return {
          state: { ...state, pending: undefined },
          audit: [
            {
              outcome: "not reverted",
              reason: ctx.config.revert ? "no known previous stage to go back to" : "reverting is off in the policy",
              data: { missing },
            },
          ],
        };
      }
      const key = keyOf(ctx, pending);
      const effects: EffectRequest[] = [
        ctx.effect(`${key}:revert`, { type: "updateProperties", ...ctx.target, properties: { [ctx.config.stageProperty]: pending.previousStage } }),
        ...slack(
          ctx,
          `${key}:reverted`,
          judged.ownerSlack,
          `This deal went back from *${pending.stage}* to *${pending.previousStage}*: ${missing.join(", ")} still empty after the grace period. ${ctx.config.link}`,
        ),
      ];
      return {
        state: { lastStage: pending.previousStage },
        effects,
        timers: { revert: null },
        audit: [
          {
            outcome: "reverted",
            reason: `${missing.join(", ")} still empty at the end of the grace period`,
            data: { from: pending.stage, to: pending.previousStage, missing },
            effects,
          },
        ],
      };
    }),
  },
};

/** A stage change (or a required field filled) as the webhooks tell it. */
function onChange(state: GateState | undefined, event: Extract<CrmEvent, { kind: "created" | "propertyChanged" }>, ctx: Ctx): Step<GateState> {
  const gate = state ?? {};
  const stage = event.properties[ctx.config.stageProperty];
  if (stage === undefined || stage === null) {
    // A required field filled during the grace period cancels the revert.
    const pending = gate.pending;
    if (pending?.missing.every((f) => !isEmpty(ctx.record.properties[f]?.value))) {
      return {
        state: { ...gate, pending: undefined },
        timers: { revert: null },
        audit: [{ outcome: "cancelled", reason: `required fields filled: ${pending.missing.join(", ")}` }],
      };
    }
    return unchanged(state);
  }
  if (event.fromThisIntegration) {
    return {
      state: { ...gate, lastStage: stage },
      audit: [{ outcome: "ignored", reason: `our own change of ${ctx.config.stageProperty} to ${stage} (loop guard)` }],
    };
  }
  // A snapshot (Outbound Message) repeats the stage with every edit: not a move.
  if (stage === gate.lastStage) return unchanged(state);
  const previousStage = gate.lastStage;
  const cancel = gate.pending ? [{ outcome: "cancelled", reason: `the deal moved on to ${stage}` }] : [];
  if (!ctx.config.gates.has(stage)) return { state: { lastStage: stage }, timers: { revert: null }, audit: cancel };
  // The webhook carries only the stage: read the required fields fresh before judging, and, for
  // a deal first seen in this move (one that predates the install), where it came from.
  const pending: Pending = { stage, previousStage, missing: [], since: event.occurredAt };
  return {
    state: { lastStage: stage, pending },
    timers: { revert: null },
    audit: cancel,
    ask: {
      kind: "read",
      properties: readsFor(stage, ctx),
      ...(previousStage === undefined ? { previousOf: [ctx.config.stageProperty] } : {}),
      resume: "onEntry",
    },
  };
}

/** The fresh read decides: gone, moved on or filled settles the gate; else these fields are still missing. */
function judge(
  state: GateState | undefined,
  pending: Pending,
  fresh: FreshRecord | null,
  ctx: Ctx,
): { kind: "settled"; step: Step<GateState> } | { kind: "missing"; missing: string[]; ownerSlack: string | undefined } {
  if (!fresh)
    return {
      kind: "settled",
      step: { state: undefined, timers: { revert: null }, audit: [{ outcome: "stopped", reason: "the record no longer exists" }] },
    };
  const props = fresh.properties;
  const stage = props[ctx.config.stageProperty];
  const missing = (ctx.config.gates.get(pending.stage) ?? []).filter((f) => isEmpty(props[f]));
  if (stage !== pending.stage || missing.length === 0) {
    const reason = missing.length === 0 ? "required fields are filled" : `the stage is now ${stage}`;
    return {
      kind: "settled",
      step: { state: { lastStage: stage ?? state?.lastStage }, timers: { revert: null }, audit: [{ outcome: "passed", reason }] },
    };
  }
  const ownerId = props[OWNER_PROPERTY[ctx.crm]] ?? ctx.record.properties[OWNER_PROPERTY[ctx.crm]]?.value;
  return { kind: "missing", missing, ownerSlack: repByOwner(ctx.policy, ctx.crm, ownerId)?.slackUserId };
}

/** The gate's fields, the stage and the owner; and the deal's name, so the deal is known by it (the creation webhook carries none). */
const readsFor = (stage: string, ctx: Ctx) =>
  unique([...(ctx.config.gates.get(stage) ?? []), ctx.config.stageProperty, OWNER_PROPERTY[ctx.crm], NAME_PROPERTIES[ctx.crm].whole[0]]);

const keyOf = (ctx: Ctx, pending: Pending) => `${ctx.record.key}:gate:${pending.stage}:${pending.since}`;

const slack = (ctx: Ctx, key: string, channel: string | undefined, text: string): EffectRequest[] =>
  channel ? [ctx.effect(key, { type: "postSlackMessage", channel, text })] : [];
