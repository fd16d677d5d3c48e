import { holidaysAt } from "../../policy/holiday-calendars";
import { afterThreshold, localTime } from "./cadence-schedule";
import type { BusinessCalendar } from "../../calendar/calendar";
import type { CadenceStep } from "../../policy/cadence-policy";
import type { EffectRequest } from "../../model/effects";
import { afterTasks, type Step, unchanged } from "../rule";
import type { CadenceSla, CadenceState, CadenceStepState } from "../rule-state";
import { repByOwner } from "../rule-support";
import { buttonValue, type CadenceCtx, definitionOf, leadCalendar, prop, repName, stepTaskId, stepTaskKey } from "./cadence-config";
import { leadLabel, slaReminder } from "./cadence-messages";

/**
 * The speed-to-lead SLA: the first contact step must be completed within the allowance (a
 * shorter one for a hot lead), counted in its owner's working hours. At the deadline the task is
 * looked up in the CRM; not done → the owner is reminded in Slack, and later the team hears of it.
 */

/** Still running: not yet met, and not made moot by a stop or a pause. */
export const slaOpen = (sla: CadenceSla | undefined): sla is CadenceSla & { state: "pending" | "breached" } =>
  sla?.state === "pending" || sla?.state === "breached";

/** A stopped or paused cadence cannot meet or miss its SLA any more. */
export const mootSla = (sla: CadenceSla | undefined): CadenceSla | undefined => (slaOpen(sla) ? { ...sla, state: "moot" } : sla);

/** The SLA is the owner's to keep: counted in their working hours, else the lead's. */
export function slaCalendar(ctx: CadenceCtx, ownerId: string | null | undefined, leadZone: string): BusinessCalendar {
  const rep = repByOwner(ctx.policy, ctx.crm, ownerId);
  if (!rep) return leadCalendar(ctx, leadZone);
  return { zone: rep.timeZone, hours: rep.workingHours ?? ctx.policy.workingHours, holidays: holidaysAt(ctx.policy, ctx.now, { rep }) };
}

/** At enrolment: which step must be done by when (the first call or email step). */
export function planSla(
  ctx: CadenceCtx,
  definition: CadenceStep[],
  steps: CadenceStepState[],
  properties: Record<string, string | null>,
  zone: string,
) {
  const sla = ctx.config.rule.sla;
  if (!sla) return undefined;
  const first = definition.find((s) => s.channel === "CALL" || s.channel === "EMAIL") ?? definition[0]!;
  const score = Number(prop(properties, ctx.config.hotScoreProperty) ?? Number.NaN);
  const within = sla.hot && Number.isFinite(score) && score >= sla.hot.scoreAtLeast ? sla.hot.within : sla.within;
  const ownerId = prop(properties, ctx.config.owner);
  const cal = ownerId ? slaCalendar(ctx, ownerId, zone) : leadCalendar(ctx, zone);
  const dueAt = afterThreshold(new Date(steps.find((s) => s.id === first.id)!.dueAt), within, cal).toISOString();
  return { stepId: first.id, dueAt, state: "pending" as const, within };
}

/** The SLA deadline for its step due at `stepDue`: the same allowance, in working time. */
export function slaDueFor(ctx: CadenceCtx, sla: CadenceSla, stepDue: string, ownerId: string | undefined, zone: string): string {
  const within = sla.within ?? ctx.config.rule.sla?.within;
  if (!within) return sla.dueAt;
  return afterThreshold(new Date(stepDue), within, slaCalendar(ctx, ownerId, zone)).toISOString();
}

/** The SLA timer: at the deadline (or the escalation), look the first task up in the CRM. */
export function slaDue(state: CadenceState | undefined, _: undefined, ctx: CadenceCtx): Step<CadenceState> {
  const sla = state?.sla;
  const due = (sla?.state === "pending" && sla.dueAt <= ctx.at) || (sla?.state === "breached" && !!sla.escalateAt && sla.escalateAt <= ctx.at);
  if (!state || !sla || !due) return unchanged(state);
  return { state, ask: { kind: "tasks", keys: [stepTaskId(ctx, state, sla.stepId)], resume: "checkSla" } };
}

/** The SLA deadline passed: a completed first task meets it, else remind the owner, then escalate. */
export const checkSla = afterTasks<CadenceState, CadenceCtx["config"]>((cadence, tasks, ctx) => {
  const sla = cadence?.sla;
  if (!cadence || !slaOpen(sla)) return unchanged(cadence);
  const step = cadence.steps.find((s) => s.id === sla.stepId);
  const taskId = stepTaskId(ctx, cadence, sla.stepId);
  if (step?.state === "done" || tasks.some((t) => t.key === taskId && t.status === "completed")) {
    return {
      state: { ...cadence, sla: { ...sla, state: "met" } },
      timers: { sla: null },
      audit: [{ outcome: "SLA met", reason: `the first contact step "${sla.stepId}" is done` }],
    };
  }
  const subject = definitionOf(ctx, cadence).find((d) => d.id === sla.stepId)?.subject ?? sla.stepId;
  const lead = leadLabel(ctx.record, null);
  const since = localTime(step?.dueAt ?? sla.dueAt, cadence.zone);
  // The deadline is part of the key: after a snooze, a second breach is a new reminder.
  const key = `${stepTaskKey(ctx.record.key, cadence.cadenceId, sla.stepId)}:sla:${sla.dueAt}`;
  if (sla.state === "pending") {
    const rep = repByOwner(ctx.policy, ctx.crm, step?.ownerId);
    const escalateAt = afterThreshold(ctx.now, ctx.config.rule.sla!.escalateAfter, slaCalendar(ctx, step?.ownerId, cadence.zone)).toISOString();
    const effects: EffectRequest[] = rep?.slackUserId
      ? [
          ctx.effect(`${key}:remind`, {
            type: "postSlackMessage",
            channel: rep.slackUserId,
            ...slaReminder({ lead, subject, since, value: buttonValue(ctx, cadence, sla.stepId) }),
          }),
        ]
      : [];
    const reminded = rep?.slackUserId ? `reminded ${rep.name} in Slack` : "the owner has no Slack user to remind";
    return {
      state: { ...cadence, sla: { ...sla, state: "breached", escalateAt } },
      effects,
      timers: { sla: escalateAt },
      audit: [
        {
          outcome: "SLA breached",
          reason: `the first contact step "${sla.stepId}" was not completed by ${sla.dueAt}; ${reminded}; escalation at ${escalateAt}`,
          data: { dueAt: sla.dueAt, ownerId: step?.ownerId },
          effects,
        },
      ],
    };
  }
  const channel = ctx.config.rule.sla?.escalateChannel ?? ctx.config.team?.alertChannel;
  const effects: EffectRequest[] = channel
    ? [
        ctx.effect(`${key}:escalate`, {
          type: "postSlackMessage",
          channel,
          text: `:rotating_light: Speed-to-lead SLA missed: ${lead} has waited since ${since} for "${subject}" (owner: ${repName(ctx, step?.ownerId)}).`,
        }),
      ]
    : [];
  return {
    state: { ...cadence, sla: { ...sla, state: "escalated" } },
    effects,
    timers: { sla: null },
    audit: [
      {
        outcome: "SLA escalated",
        reason: channel ? "still not done after the reminder; told the team channel" : "still not done after the reminder; no team channel to tell",
        data: { channel },
        effects,
      },
    ],
  };
});
