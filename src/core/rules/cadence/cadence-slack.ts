import { localTime, nextWorkingDay } from "./cadence-schedule";
import type { CrmEvent } from "../../model/crm-event";
import type { EffectRequest } from "../../model/effects";
import type { Step } from "../rule";
import type { CadenceState, CadenceStepState } from "../rule-state";
import { ownerDueDate } from "../rule-support";
import { type CadenceCtx, definitionOf, leadCalendar, renderStepText, stepTaskId, stepTaskKey } from "./cadence-config";
import { leadLabel, slackEscape } from "./cadence-messages";
import { mootSla, slaDueFor, slaOpen } from "./cadence-sla";

type SlackAction = Extract<CrmEvent, { kind: "slackAction" }>;

/**
 * The buttons on a step's nudge or SLA reminder: Mark done, Snooze a day, Pause. Each click
 * changes the cadence, the CRM task where there is one, and replaces the Slack message with what
 * was done, naming the lead and the step so the message keeps its meaning once its buttons are gone.
 */
export function onSlackAction(cadence: CadenceState | undefined, event: SlackAction, ctx: CadenceCtx): Step<CadenceState> {
  const step = cadence?.cadenceId === event.cadenceId ? cadence.steps.find((s) => s.id === event.stepId) : undefined;
  const respond = (text: string): EffectRequest[] =>
    event.responseUrl
      ? [
          ctx.effect(`${ctx.record.key}:slack:${event.dedupeKey}`, {
            type: "respondInSlack",
            responseUrl: event.responseUrl,
            text,
            replaceOriginal: true,
          }),
        ]
      : [];
  const ignored = (why: string, text: string, data: Record<string, string> = { step: event.stepId }): Step<CadenceState> => {
    const effects = respond(text);
    return {
      state: cadence,
      effects,
      audit: [{ outcome: "slack action ignored", reason: `${event.action} by ${event.userId}: ${why}`, data, effects }],
    };
  };
  if (!cadence || !step) return ignored("no such running step", "This follow-up is no longer running, so there is nothing to change.");
  const about = stepLine(ctx, cadence, step);
  const who = `<@${event.userId}>`;
  const key = `${stepTaskKey(ctx.record.key, cadence.cadenceId, step.id)}:${event.action}:${event.dedupeKey}`;
  const taskKeys = [stepTaskId(ctx, cadence, step.id)];

  switch (event.action) {
    case "done": {
      const effects: EffectRequest[] =
        step.state === "written" ? [ctx.effect(key, { type: "updateTasks", ...ctx.target, taskKeys, action: { kind: "complete" } })] : [];
      const steps = cadence.steps.map((s) => (s.id === step.id ? { ...s, state: "done" as const } : s));
      const slaMet = cadence.sla?.stepId === step.id && slaOpen(cadence.sla);
      effects.push(...respond(`:white_check_mark: Marked done by ${who}: ${about}.`));
      // A step done before it was written is not written at all: the timer moves to the next one.
      const upcoming = steps.find((s) => s.state === "planned");
      const status = cadence.status === "active" && !upcoming ? "finished" : cadence.status;
      return {
        state: { ...cadence, steps, status, sla: slaMet ? { ...cadence.sla!, state: "met" } : cadence.sla },
        effects,
        timers: { ...(slaMet ? { sla: null } : {}), ...(cadence.status === "active" ? { step: upcoming?.dueAt ?? null } : {}) },
        audit: [
          {
            outcome: "step done",
            reason: `step "${step.id}" marked done in Slack by ${event.userId}${slaMet ? "; SLA met" : ""}`,
            data: { step: step.id },
            effects,
          },
        ],
      };
    }
    case "snooze": {
      if (cadence.status === "stopped" || cadence.status === "paused" || step.state === "done") {
        const why = cadence.status === "stopped" || cadence.status === "paused" ? `the cadence is ${cadence.status}` : "this step is done";
        return ignored("nothing to snooze", `Nothing to snooze: ${why} (${about}).`);
      }
      const cal = leadCalendar(ctx, cadence.zone);
      const newDue = nextWorkingDay(step.dueAt > ctx.at ? new Date(step.dueAt) : ctx.now, cal).toISOString();
      // This step and the planned ones after it move by a working day, keeping their spacing.
      const index = cadence.steps.indexOf(step);
      const steps = cadence.steps.map((s, i) => {
        if (i === index) return { ...s, dueAt: newDue };
        if (i > index && s.state === "planned") return { ...s, dueAt: nextWorkingDay(new Date(s.dueAt), cal).toISOString() };
        return s;
      });
      const dueDate = step.ownerId ? { dueDate: ownerDueDate(ctx.policy, ctx.crm, step.ownerId, newDue) } : {};
      const effects: EffectRequest[] =
        step.state === "written"
          ? [ctx.effect(key, { type: "updateTasks", ...ctx.target, taskKeys, action: { kind: "reschedule", dueAt: newDue, ...dueDate } })]
          : [];
      const sla = cadence.sla;
      const slaMoves = sla?.stepId === step.id && slaOpen(sla);
      // The SLA keeps its allowance after the step's new due time, in working time (30 business minutes stay 30).
      const nextSla = slaMoves
        ? { ...sla!, state: "pending" as const, dueAt: slaDueFor(ctx, sla!, newDue, step.ownerId, cadence.zone), escalateAt: undefined }
        : sla;
      effects.push(...respond(`:zzz: Snoozed by ${who}: ${about}, now due ${localTime(newDue, cadence.zone)}.`));
      const upcoming = steps.find((s) => s.state === "planned");
      return {
        state: { ...cadence, steps, sla: nextSla },
        effects,
        timers: { ...(cadence.status === "active" ? { step: upcoming?.dueAt ?? null } : {}), ...(slaMoves ? { sla: nextSla!.dueAt } : {}) },
        audit: [
          {
            outcome: "step snoozed",
            reason: `step "${step.id}" snoozed in Slack by ${event.userId}: due ${newDue}`,
            data: { step: step.id, dueAt: newDue },
            effects,
          },
        ],
      };
    }
    case "pause": {
      if (cadence.status !== "active") return ignored(`already ${cadence.status}`, `The cadence is already ${cadence.status} (${about}).`, {});
      const effects = respond(
        `:double_vertical_bar: Paused by ${who}: no further follow-up steps for ${leadOf(ctx, cadence)}. Open tasks stay as they are.`,
      );
      return {
        state: { ...cadence, status: "paused", stop: { reason: `paused by ${event.userId}`, at: ctx.at }, sla: mootSla(cadence.sla) },
        effects,
        timers: { step: null, sla: null },
        audit: [{ outcome: "paused", reason: `paused in Slack by ${event.userId}`, data: { step: step.id }, effects }],
      };
    }
  }
}

/** The lead by name when a step's read saw one, else by what the record holds. */
function leadOf(ctx: CadenceCtx, cadence: CadenceState): string {
  const firstName = ctx.config.mergeProperties.firstName;
  return leadLabel(ctx.record, cadence.leadName ?? ((firstName && ctx.record.properties[firstName]?.value) || null));
}

/** '"Reply to Jane's demo request…" for Jane': the step as the rep was shown it. */
function stepLine(ctx: CadenceCtx, cadence: CadenceState, step: CadenceStepState): string {
  const config = definitionOf(ctx, cadence).find((d) => d.id === step.id);
  const lead = leadOf(ctx, cadence);
  if (step.subject) return `"${slackEscape(step.subject)}" for ${lead}`;
  if (!config) return `step "${step.id}" for ${lead}`;
  // Not written yet: its subject rendered from what the record holds (the template's fallbacks else).
  const values = Object.fromEntries(
    Object.entries(ctx.config.mergeProperties).map(([field, property]) => [field, property ? ctx.record.properties[property]?.value : null]),
  );
  return `"${slackEscape(renderStepText(ctx, config.subject, values))}" for ${lead}`;
}
