import type { CadenceStep } from "../../policy/cadence-policy";
import { localTime, sameTimeOnWorkingDay } from "./cadence-schedule";
import type { EffectRequest } from "../../model/effects";
import { afterRead, type AuditDraft, type Step, unchanged } from "../rule";
import type { CadenceState, CadenceStepState } from "../rule-state";
import { firstStop } from "../../policy/stop-conditions";
import { ownerDueDate, repByOwner } from "../rule-support";
import {
  buttonValue,
  type CadenceConfig,
  type CadenceCtx,
  definitionOf,
  leadCalendar,
  ownerFor,
  prop,
  renderStepText,
  stepTaskKey,
} from "./cadence-config";
import { planEmail } from "./cadence-email";
import { leadLabel, stepNudge } from "./cadence-messages";
import { slaDueFor } from "./cadence-sla";
import { stopCadence } from "./cadence-stops";

/** The step timer: when a planned step is due, read the lead fresh first. */
export function stepDue(cadence: CadenceState | undefined, _: undefined, ctx: CadenceCtx): Step<CadenceState> {
  // A step moved (snoozed) or the cadence ended since this timer was set: nothing is due.
  if (cadence?.status !== "active" || !cadence.steps.some((s) => s.state === "planned" && s.dueAt <= ctx.at)) return unchanged(cadence);
  return { state: cadence, ask: { kind: "read", properties: ctx.config.stepReads, resume: "writeSteps" } };
}

/** Before every step: with the lead as the CRM has it now, stop if it engaged, else write each due step's task. */
export const writeSteps = afterRead<CadenceState, CadenceConfig>((cadence, fresh, ctx) => {
  if (cadence?.status !== "active") return unchanged(cadence);
  if (!fresh) return stopCadence(cadence, "record deleted", "the record no longer exists in the CRM", ctx);
  const properties = fresh.properties;
  const stop = firstStop(ctx.config.stopWhen, ctx.crm, properties);
  if (stop) return stopCadence(cadence, stop.reason, `${stop.evidence} (seen before the next step)`, ctx);

  const definition = definitionOf(ctx, cadence);
  const effects: EffectRequest[] = [];
  const audit: AuditDraft[] = [];
  const steps = rebaseOverdue(cadence, ctx);
  for (const step of steps) {
    if (step.state !== "planned" || step.dueAt > ctx.at) continue;
    const config = definition.find((d) => d.id === step.id);
    if (!config) {
      step.state = "skipped";
      audit.push({
        outcome: "step skipped",
        reason: `step "${step.id}" is no longer in the policy's cadence "${cadence.cadenceId}"`,
        data: { step: step.id },
      });
      continue;
    }
    const ownerId = ownerFor(ctx, config, properties);
    if (!ownerId) {
      step.state = "skipped";
      audit.push({
        outcome: "step skipped",
        reason: `step "${step.id}": the lead has no owner and the team has no fallback owner in ${ctx.crm}`,
        data: { step: step.id },
      });
      continue;
    }
    const written = writeStep(cadence, steps, config, step, ownerId, properties, ctx);
    step.state = "written";
    step.ownerId = ownerId;
    step.subject = written.subject;
    if (written.email) step.email = written.email;
    effects.push(...written.effects);
    audit.push({
      outcome: "step written",
      reason: written.summary,
      data: {
        step: step.id,
        channel: config.channel,
        ownerId,
        dueAt: step.dueAt,
        ...(config.send === "auto" ? { sent: written.email ? "email" : "task" } : {}),
      },
      effects: written.effects,
    });
  }
  const upcoming = steps.find((s) => s.state === "planned");
  // The SLA's step moved with the outage (rebased, not yet written): its deadline moves with it.
  let sla = cadence.sla;
  const slaStep = steps.find((s) => s.id === sla?.stepId);
  const slaMoved =
    sla?.state === "pending" && slaStep?.state === "planned" && slaStep.dueAt !== cadence.steps.find((s) => s.id === sla!.stepId)?.dueAt;
  if (slaMoved) sla = { ...sla!, dueAt: slaDueFor(ctx, sla!, slaStep!.dueAt, prop(properties, ctx.config.owner) ?? undefined, cadence.zone) };
  if (!upcoming) audit.push({ outcome: "finished", reason: "every step of the cadence has been written" });
  const leadName = prop(properties, ctx.config.mergeProperties.firstName) ?? cadence.leadName;
  return {
    state: { ...cadence, steps, sla, status: upcoming ? "active" : "finished", ...(leadName ? { leadName } : {}) },
    effects,
    audit,
    timers: { step: upcoming?.dueAt ?? null, ...(slaMoved ? { sla: sla!.dueAt } : {}) },
  };
});

/** One step's task (and the owner's Slack nudge when the step asks for one), or its email when the step sends. */
function writeStep(
  cadence: CadenceState,
  steps: readonly CadenceStepState[],
  config: CadenceStep,
  step: CadenceStepState,
  ownerId: string,
  properties: Record<string, string | null>,
  ctx: CadenceCtx,
) {
  const values = mergeValues(ctx, properties, ownerId);
  const subject = renderStepText(ctx, config.subject, values);
  const body = renderStepText(ctx, config.body, values);
  let notSent = "";
  if (config.send === "auto" && config.channel === "EMAIL") {
    const plan = planEmail(cadence, steps, config, step, ownerId, { subject, body }, properties, ctx);
    if (plan.ok) return { effects: [plan.effect], subject: plan.email.subject, summary: plan.summary, email: plan.email };
    notSent = ` (not sent as an email: ${plan.why})`;
  }
  const key = stepTaskKey(ctx.record.key, cadence.cadenceId, step.id);
  const effects: EffectRequest[] = [
    ctx.effect(key, {
      type: "createTask",
      ...ctx.target,
      ownerId,
      subject,
      body,
      dueAt: step.dueAt,
      dueDate: ownerDueDate(ctx.policy, ctx.crm, ownerId, step.dueAt),
      priority: config.priority,
      channel: config.channel,
    }),
  ];
  const rep = repByOwner(ctx.policy, ctx.crm, ownerId);
  const due = localTime(step.dueAt, cadence.zone);
  if (config.nudge && rep?.slackUserId) {
    const name = prop(properties, ctx.config.mergeProperties.firstName);
    // The rep reads their own clock; the lead's is what the step was planned in.
    const forRep = rep.timeZone === cadence.zone ? due : `${localTime(step.dueAt, rep.timeZone)}, ${due.replace(/^.*, /, "")} for the lead`;
    effects.push(
      ctx.effect(`${key}:nudge`, {
        type: "postSlackMessage",
        channel: rep.slackUserId,
        ...stepNudge({ step: config, subject, lead: leadLabel(ctx.record, name), due: forRep, value: buttonValue(ctx, cadence, step.id) }),
      }),
    );
  }
  return { effects, subject, summary: `step "${step.id}": ${config.channel} task "${subject}" for ${rep?.name ?? ownerId}, due ${due}${notSent}` };
}

/**
 * After an outage several steps can be due at once: only the earliest is written now, and the
 * overdue ones after it move by the same delay, so the lead does not get a burst of touches.
 */
function rebaseOverdue(cadence: CadenceState, ctx: CadenceCtx): CadenceStepState[] {
  const steps = cadence.steps.map((s) => ({ ...s }));
  const due = steps.filter((s) => s.state === "planned" && s.dueAt <= ctx.at);
  if (due.length <= 1) return steps;
  const lateness = ctx.now.getTime() - Date.parse(due[0]!.dueAt);
  const cal = leadCalendar(ctx, cadence.zone);
  let previous = due[0]!.dueAt;
  for (const step of steps) {
    if (step.state !== "planned" || step.dueAt <= due[0]!.dueAt) continue;
    const moved = sameTimeOnWorkingDay(new Date(Date.parse(step.dueAt) + lateness), cal).toISOString();
    step.dueAt = moved < previous ? previous : moved;
    previous = step.dueAt;
  }
  return steps;
}

function mergeValues(ctx: CadenceCtx, properties: Record<string, string | null>, ownerId: string): Record<string, string | null | undefined> {
  const values: Record<string, string | null | undefined> = {};
  for (const [field, property] of Object.entries(ctx.config.mergeProperties)) values[field] = prop(properties, property);
  const rep = repByOwner(ctx.policy, ctx.crm, ownerId);
  values.ownerName = rep?.name;
  values.ownerFirstName = rep?.name.split(/\s+/)[0];
  return values;
}
