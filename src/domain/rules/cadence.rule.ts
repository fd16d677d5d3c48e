import { BUILT_IN_FIELDS, type CadenceRule, cadenceForSource, type CadenceStep } from "../cadence-policy";
import { afterThreshold, delayWindow, localTime, nextWorkingDay, planSteps, sameTimeOnWorkingDay } from "../cadence-schedule";
import type { BusinessCalendar } from "../calendar";
import type { CrmEvent } from "../crm-event";
import type { AuditValue, CadenceState, CadenceStepState, DecideContext, Decision, RuleInput, RuleState } from "../decision";
import { noDecision } from "../decision";
import type { EffectRequest } from "../effects";
import { resolveLeadZone } from "../lead-zone";
import type { Policy } from "../policy";
import { firstStop, stopProperties } from "../stop-conditions";
import { renderTemplate } from "../template";
import { type ButtonValue, leadLabel, slaReminder, stepNudge } from "./cadence-messages";
import { ownerDueDate, OWNER_PROPERTY, repByOwner } from "./rule-support";

/**
 * Follow-up cadences: a new lead is enrolled in the cadence its source calls for; each step
 * becomes a CRM task at a human time in the lead's zone; every step first re-reads the lead and
 * the cadence stops (closing its open tasks) the moment the lead replies, books, unsubscribes,
 * moves on or is disqualified. A speed-to-lead SLA reminds the owner, then the team.
 */
export function cadenceRule(state: RuleState, input: RuleInput, ctx: DecideContext): Decision {
  const rule = ctx.policy.rules.cadences;
  if (!rule?.enabled || !rule.objectTypes.includes(ctx.record.objectType)) return noDecision(state);
  const run = new CadenceRun(state, rule, ctx);
  switch (input.kind) {
    case "crmEvent":
      return run.onEvent(input.event);
    case "freshRead":
      if (input.purpose === "cadence-enroll") return run.enroll(input.properties);
      if (input.purpose === "cadence-step") return run.writeDueSteps(input.properties);
      return noDecision(state);
    case "timer":
      if (input.name === "cadence-step") return run.stepTimer();
      if (input.name === "cadence-sla") return run.slaTimer();
      return noDecision(state);
    case "tasksRead":
      return run.checkSla(input.tasks);
    default:
      return noDecision(state);
  }
}

/** The idempotency key of a step's task: one task per lead, cadence and step, however often asked. */
export const stepTaskKey = (recordKey: string, cadenceId: string, stepId: string) => `${recordKey}:cadence:${cadenceId}:${stepId}`;

type Sla = NonNullable<CadenceState["sla"]>;

/** Still running: not yet met, and not made moot by a stop or a pause. */
const slaOpen = (sla: Sla | undefined): sla is Sla & { state: "pending" | "breached" } => sla?.state === "pending" || sla?.state === "breached";

/** A stopped or paused cadence cannot meet or miss its SLA any more. */
const mootSla = (sla: Sla | undefined): Sla | undefined => (slaOpen(sla) ? { ...sla, state: "moot" } : sla);

function leadCalendar(policy: Policy, rule: CadenceRule, zone: string): BusinessCalendar {
  return { zone, hours: rule.workingHours ?? policy.workingHours, holidays: policy.holidays };
}

/** One rule invocation: the inputs every branch needs, and the small steps they share. */
class CadenceRun {
  private readonly state: RuleState;
  private readonly rule: CadenceRule;
  private readonly ctx: DecideContext;
  private readonly crm: DecideContext["record"]["crm"];
  private readonly now: Date;

  constructor(state: RuleState, rule: CadenceRule, ctx: DecideContext) {
    this.state = state;
    this.rule = rule;
    this.ctx = ctx;
    this.crm = ctx.record.crm;
    this.now = ctx.now;
  }

  onEvent(event: CrmEvent): Decision {
    const cadence = this.state.cadence;
    switch (event.kind) {
      case "created":
        // HubSpot's creation event carries no properties: everything is read fresh, once.
        if (cadence) return noDecision(this.state);
        return { ...noDecision(this.state), requests: [{ kind: "read", purpose: "cadence-enroll", properties: this.enrollmentProperties() }] };
      case "propertyChanged": {
        const stop = firstStop(this.rule.stopWhen, this.crm, event.properties);
        if (stop) return this.stop(stop.reason, stop.evidence);
        const owner = event.properties[OWNER_PROPERTY[this.crm]];
        return owner ? this.followOwner(owner, event.occurredAt) : noDecision(this.state);
      }
      case "emailReceived":
        return this.stop("replied", `email "${event.subject}" from ${event.from}`);
      case "deleted":
        return this.stop("record deleted", "the record was deleted in the CRM");
      case "merged":
        return event.survivorId === event.objectId ? noDecision(this.state) : this.stop("record merged", `merged into ${event.survivorId}`);
      case "slackAction":
        return this.onSlackAction(event);
      default:
        return noDecision(this.state);
    }
  }

  enroll(properties: Record<string, string | null> | null): Decision {
    if (this.state.cadence) return noDecision(this.state);
    if (!properties) return this.decision(this.state, { audit: [this.audit("not enrolled", "the record no longer exists in the CRM")] });
    const stop = firstStop(this.rule.stopWhen, this.crm, properties);
    if (stop) return this.decision(this.state, { audit: [this.audit("not enrolled", `${stop.reason} already (${stop.evidence})`)] });

    const source = this.prop(properties, this.rule.sourceProperty[this.crm]);
    const cadence = cadenceForSource(this.rule, source);
    const ownerId = properties[OWNER_PROPERTY[this.crm]] ?? undefined;
    const zone = resolveLeadZone({
      crmZone: this.prop(properties, this.rule.leadZone.timeZoneProperty[this.crm]),
      phones: (this.rule.leadZone.phoneProperties[this.crm] ?? []).map((p) => properties[p]),
      ownerZone: repByOwner(this.ctx.policy, this.crm, ownerId)?.timeZone,
      fallbackZone: this.ctx.policy.timeZone,
      defaultCountry: this.rule.leadZone.defaultCountry,
    });
    const cal = leadCalendar(this.ctx.policy, this.rule, zone.zone);
    const window = delayWindow(this.rule.firstTouchDelay);
    // Planned from when the lead arrived; a lead we hear about late is planned from now instead,
    // so a backlog does not fire several steps at once.
    const arrived = this.ctx.record.createdAt ? new Date(this.ctx.record.createdAt) : this.now;
    let plan = planSteps(cadence, arrived, cal, window, this.ctx.random);
    if (plan[0]!.dueAt < this.now) plan = planSteps(cadence, this.now, cal, window, this.ctx.random);

    const steps: CadenceStepState[] = plan.map((p) => ({ id: p.id, dueAt: p.dueAt.toISOString(), state: "planned" }));
    const next: CadenceState = {
      cadenceId: cadence.id,
      source,
      enrolledAt: this.now.toISOString(),
      zone: zone.zone,
      zoneReason: zone.detail,
      status: "active",
      steps,
      sla: this.planSla(cadence.steps, steps, properties, cal),
      // HubSpot's creation webhook carries no email: replies are matched with what this read saw.
      addresses: (this.rule.emailProperties[this.crm] ?? []).map((p) => properties[p]).filter((v): v is string => !!v),
    };
    const state = { ...this.state, cadence: next };
    return this.decision(state, {
      timers: { "cadence-step": steps[0]!.dueAt, "cadence-sla": next.sla?.dueAt ?? null },
      audit: [
        this.audit(
          "enrolled",
          `source ${source ? `"${source}"` : "unknown"} → cadence "${cadence.name}"; the lead's time zone is ${zone.zone} (${zone.detail}); first touch ${localTime(steps[0]!.dueAt, zone.zone)}`,
          {
            cadence: cadence.id,
            source,
            zone: zone.zone,
            zoneSource: zone.source,
            steps: steps.map((s) => `${s.id} ${s.dueAt}`),
            slaDueAt: next.sla?.dueAt,
          },
        ),
      ],
    });
  }

  stepTimer(): Decision {
    const cadence = this.state.cadence;
    // A step moved (snoozed) or the cadence ended since this timer was set: nothing is due.
    if (cadence?.status !== "active" || !cadence.steps.some((s) => s.state === "planned" && s.dueAt <= this.now.toISOString()))
      return noDecision(this.state);
    return { ...noDecision(this.state), requests: [{ kind: "read", purpose: "cadence-step", properties: this.stepProperties() }] };
  }

  /** Before every step: read the lead fresh, stop if it engaged, else write each due step's task. */
  writeDueSteps(properties: Record<string, string | null> | null): Decision {
    const cadence = this.state.cadence;
    if (cadence?.status !== "active") return noDecision(this.state);
    if (!properties) return this.stop("record deleted", "the record no longer exists in the CRM");
    const stop = firstStop(this.rule.stopWhen, this.crm, properties);
    if (stop) return this.stop(stop.reason, `${stop.evidence} (seen before the next step)`);

    const definition = this.definition(cadence);
    const effects: EffectRequest[] = [];
    const audit = [];
    const steps = this.rebaseOverdue(cadence);
    for (const step of steps) {
      if (step.state !== "planned" || step.dueAt > this.now.toISOString()) continue;
      const config = definition.find((d) => d.id === step.id);
      if (!config) {
        step.state = "skipped";
        audit.push(this.audit("step skipped", `step "${step.id}" is no longer in the policy's cadence "${cadence.cadenceId}"`, { step: step.id }));
        continue;
      }
      const ownerId = this.ownerFor(config, properties);
      if (!ownerId) {
        step.state = "skipped";
        audit.push(
          this.audit("step skipped", `step "${step.id}": the lead has no owner and the team has no fallback owner in ${this.crm}`, { step: step.id }),
        );
        continue;
      }
      const written = this.writeStep(cadence, config, step, ownerId, properties);
      step.state = "written";
      step.ownerId = ownerId;
      effects.push(...written.effects);
      audit.push(
        this.audit("step written", written.summary, { step: step.id, channel: config.channel, ownerId, dueAt: step.dueAt }, written.effects),
      );
    }
    const upcoming = steps.find((s) => s.state === "planned");
    // The SLA's step moved with the outage (rebased, not yet written): its deadline moves with it.
    let sla = cadence.sla;
    const slaStep = steps.find((s) => s.id === sla?.stepId);
    const slaMoved =
      sla?.state === "pending" && slaStep?.state === "planned" && slaStep.dueAt !== cadence.steps.find((s) => s.id === sla!.stepId)?.dueAt;
    if (slaMoved)
      sla = { ...sla!, dueAt: this.slaDueFor(sla!, slaStep!.dueAt, this.prop(properties, OWNER_PROPERTY[this.crm]) ?? undefined, cadence.zone) };
    const next: CadenceState = { ...cadence, steps, sla, status: upcoming ? "active" : "finished" };
    if (!upcoming) audit.push(this.audit("finished", "every step of the cadence has been written"));
    return this.decision(
      { ...this.state, cadence: next },
      { effects, audit, timers: { "cadence-step": upcoming?.dueAt ?? null, ...(slaMoved ? { "cadence-sla": sla!.dueAt } : {}) } },
    );
  }

  slaTimer(): Decision {
    const sla = this.state.cadence?.sla;
    const now = this.now.toISOString();
    const due = (sla?.state === "pending" && sla.dueAt <= now) || (sla?.state === "breached" && !!sla.escalateAt && sla.escalateAt <= now);
    if (!sla || !due) return noDecision(this.state);
    return { ...noDecision(this.state), requests: [{ kind: "readTasks", purpose: "cadence-sla", keys: [this.taskKey(sla.stepId)] }] };
  }

  /** The SLA deadline passed: a completed first task meets it, else remind the owner, then escalate. */
  checkSla(tasks: { key: string; status: "open" | "completed" }[]): Decision {
    const cadence = this.state.cadence;
    const sla = cadence?.sla;
    if (!cadence || !slaOpen(sla)) return noDecision(this.state);
    const step = cadence.steps.find((s) => s.id === sla.stepId);
    const completed = step?.state === "done" || tasks.some((t) => t.key === this.taskKey(sla.stepId) && t.status === "completed");
    if (completed) {
      return this.decision(this.withSla({ ...sla, state: "met" }), {
        timers: { "cadence-sla": null },
        audit: [this.audit("SLA met", `the first contact step "${sla.stepId}" is done`)],
      });
    }
    const config = this.definition(cadence).find((d) => d.id === sla.stepId);
    const lead = leadLabel(this.ctx.record, null);
    const subject = config?.subject ?? sla.stepId;
    // The deadline is part of the key: after a snooze, a second breach is a new reminder.
    const key = `${this.taskKey(sla.stepId)}:sla:${sla.dueAt}`;
    if (sla.state === "pending") {
      const rep = repByOwner(this.ctx.policy, this.crm, step?.ownerId);
      const escalateAt = afterThreshold(this.now, this.rule.sla!.escalateAfter, this.slaCalendar(step?.ownerId, cadence.zone)).toISOString();
      const effects: EffectRequest[] = rep?.slackUserId
        ? [
            this.effect(`${key}:remind`, {
              type: "postSlackMessage",
              channel: rep.slackUserId,
              ...slaReminder({
                lead,
                subject,
                since: localTime(step?.dueAt ?? sla.dueAt, cadence.zone),
                value: this.buttonValue(cadence, sla.stepId),
              }),
            }),
          ]
        : [];
      return this.decision(this.withSla({ ...sla, state: "breached", escalateAt }), {
        effects,
        timers: { "cadence-sla": escalateAt },
        audit: [
          this.audit(
            "SLA breached",
            `the first contact step "${sla.stepId}" was not completed by ${sla.dueAt}; ${rep?.slackUserId ? `reminded ${rep.name} in Slack` : "the owner has no Slack user to remind"}; escalation at ${escalateAt}`,
            { dueAt: sla.dueAt, ownerId: step?.ownerId },
            effects,
          ),
        ],
      });
    }
    const team = this.ctx.policy.teams.find((t) => t.id === this.rule.team);
    const channel = this.rule.sla?.escalateChannel ?? team?.alertChannel;
    const owner = repByOwner(this.ctx.policy, this.crm, step?.ownerId)?.name ?? step?.ownerId ?? "nobody";
    const effects: EffectRequest[] = channel
      ? [
          this.effect(`${key}:escalate`, {
            type: "postSlackMessage",
            channel,
            text: `:rotating_light: Speed-to-lead SLA missed: ${lead} has waited since ${localTime(step?.dueAt ?? sla.dueAt, cadence.zone)} for "${subject}" (owner: ${owner}).`,
          }),
        ]
      : [];
    return this.decision(this.withSla({ ...sla, state: "escalated" }), {
      effects,
      timers: { "cadence-sla": null },
      audit: [
        this.audit(
          "SLA escalated",
          channel ? `still not done after the reminder; told the team channel` : "still not done after the reminder; no team channel to tell",
          { channel },
          effects,
        ),
      ],
    });
  }

  private onSlackAction(event: Extract<CrmEvent, { kind: "slackAction" }>): Decision {
    const cadence = this.state.cadence;
    const who = `<@${event.userId}>`;
    const respond = (text: string): EffectRequest[] =>
      event.responseUrl
        ? [
            this.effect(`${this.ctx.record.key}:slack:${event.dedupeKey}`, {
              type: "respondInSlack",
              responseUrl: event.responseUrl,
              text,
              replaceOriginal: true,
            }),
          ]
        : [];
    const step = cadence?.cadenceId === event.cadenceId ? cadence.steps.find((s) => s.id === event.stepId) : undefined;
    if (!cadence || !step) {
      const effects = respond("This follow-up is no longer running, so there is nothing to change.");
      return this.decision(this.state, {
        effects,
        audit: [this.audit("slack action ignored", `${event.action} by ${event.userId}: no such running step`, { step: event.stepId }, effects)],
      });
    }
    const key = `${this.taskKey(step.id)}:${event.action}:${event.dedupeKey}`;
    const target = this.target();
    switch (event.action) {
      case "done": {
        const effects =
          step.state === "written"
            ? [this.effect(key, { type: "updateTasks", ...target, taskKeys: [this.taskKey(step.id)], action: { kind: "complete" } })]
            : [];
        const steps = cadence.steps.map((s) => (s.id === step.id ? { ...s, state: "done" as const } : s));
        const slaMet = cadence.sla?.stepId === step.id && slaOpen(cadence.sla);
        effects.push(...respond(`:white_check_mark: Marked done by ${who}.`));
        // A step done before it was written is not written at all: the timer moves to the next one.
        const upcoming = steps.find((s) => s.state === "planned");
        const status = cadence.status === "active" && !upcoming ? "finished" : cadence.status;
        return this.decision(
          { ...this.state, cadence: { ...cadence, steps, status, sla: slaMet ? { ...cadence.sla!, state: "met" } : cadence.sla } },
          {
            effects,
            timers: {
              ...(slaMet ? { "cadence-sla": null } : {}),
              ...(cadence.status === "active" ? { "cadence-step": upcoming?.dueAt ?? null } : {}),
            },
            audit: [
              this.audit(
                "step done",
                `step "${step.id}" marked done in Slack by ${event.userId}${slaMet ? "; SLA met" : ""}`,
                { step: step.id },
                effects,
              ),
            ],
          },
        );
      }
      case "snooze": {
        if (cadence.status === "stopped" || cadence.status === "paused" || step.state === "done") {
          const effects = respond(
            `Nothing to snooze: ${cadence.status === "stopped" || cadence.status === "paused" ? `the cadence is ${cadence.status}` : "this step is done"}.`,
          );
          return this.decision(this.state, {
            effects,
            audit: [this.audit("slack action ignored", `snooze by ${event.userId}: nothing to snooze`, { step: step.id }, effects)],
          });
        }
        const cal = leadCalendar(this.ctx.policy, this.rule, cadence.zone);
        const from = step.dueAt > this.now.toISOString() ? new Date(step.dueAt) : this.now;
        const newDue = nextWorkingDay(from, cal).toISOString();
        // This step and the planned ones after it move by a working day, keeping their spacing.
        const index = cadence.steps.indexOf(step);
        const steps = cadence.steps.map((s, i) => {
          if (i === index) return { ...s, dueAt: newDue };
          if (i > index && s.state === "planned") return { ...s, dueAt: nextWorkingDay(new Date(s.dueAt), cal).toISOString() };
          return s;
        });
        const effects =
          step.state === "written"
            ? [
                this.effect(key, {
                  type: "updateTasks",
                  ...target,
                  taskKeys: [this.taskKey(step.id)],
                  action: {
                    kind: "reschedule",
                    dueAt: newDue,
                    ...(step.ownerId ? { dueDate: ownerDueDate(this.ctx.policy, this.crm, step.ownerId, newDue) } : {}),
                  },
                }),
              ]
            : [];
        const sla = cadence.sla;
        const slaMoves = sla?.stepId === step.id && slaOpen(sla);
        // The SLA keeps its allowance after the step's new due time, in working time (30 business minutes stay 30).
        const nextSla = slaMoves
          ? { ...sla!, state: "pending" as const, dueAt: this.slaDueFor(sla!, newDue, step.ownerId, cadence.zone), escalateAt: undefined }
          : sla;
        effects.push(...respond(`:zzz: Snoozed by ${who}: now due ${localTime(newDue, cadence.zone)}.`));
        const upcoming = steps.find((s) => s.state === "planned");
        return this.decision(
          { ...this.state, cadence: { ...cadence, steps, sla: nextSla } },
          {
            effects,
            timers: {
              ...(cadence.status === "active" ? { "cadence-step": upcoming?.dueAt ?? null } : {}),
              ...(slaMoves ? { "cadence-sla": nextSla!.dueAt } : {}),
            },
            audit: [
              this.audit(
                "step snoozed",
                `step "${step.id}" snoozed in Slack by ${event.userId}: due ${newDue}`,
                { step: step.id, dueAt: newDue },
                effects,
              ),
            ],
          },
        );
      }
      case "pause": {
        if (cadence.status !== "active") {
          const effects = respond(`The cadence is already ${cadence.status}.`);
          return this.decision(this.state, {
            effects,
            audit: [this.audit("slack action ignored", `pause by ${event.userId}: already ${cadence.status}`, {}, effects)],
          });
        }
        const effects = respond(`:double_vertical_bar: Paused by ${who}: no further follow-up steps for this lead. Open tasks stay as they are.`);
        const sla = mootSla(cadence.sla);
        return this.decision(
          {
            ...this.state,
            cadence: { ...cadence, status: "paused", stop: { reason: `paused by ${event.userId}`, at: this.now.toISOString() }, sla },
          },
          {
            effects,
            timers: { "cadence-step": null, "cadence-sla": null },
            audit: [this.audit("paused", `paused in Slack by ${event.userId}`, { step: step.id }, effects)],
          },
        );
      }
    }
  }

  /**
   * The lead changed hands (a rep, an assignment rule, or our stale-lead reassignment): the open
   * tasks of steps owned by the record owner follow it, so the new owner sees the whole plan.
   */
  private followOwner(ownerId: string, at: string): Decision {
    const cadence = this.state.cadence;
    if (!cadence || cadence.status === "stopped") return noDecision(this.state);
    const byOwner = new Set(
      this.definition(cadence)
        .filter((d) => d.owner === "recordOwner")
        .map((d) => d.id),
    );
    const moving = cadence.steps.filter((s) => s.state === "written" && s.ownerId !== ownerId && byOwner.has(s.id));
    if (moving.length === 0) return noDecision(this.state);
    const effects = [
      this.effect(`${this.ctx.record.key}:cadence-owner:${cadence.cadenceId}:${ownerId}:${at}`, {
        type: "updateTasks",
        ...this.target(),
        taskKeys: moving.map((s) => this.taskKey(s.id)),
        action: {
          kind: "reassign",
          ownerId,
          dueDates: Object.fromEntries(moving.map((s) => [this.taskKey(s.id), ownerDueDate(this.ctx.policy, this.crm, ownerId, s.dueAt)])),
        },
      }),
    ];
    const steps = cadence.steps.map((s) => (moving.includes(s) ? { ...s, ownerId } : s));
    const name = repByOwner(this.ctx.policy, this.crm, ownerId)?.name ?? ownerId;
    return this.decision(
      { ...this.state, cadence: { ...cadence, steps } },
      {
        effects,
        audit: [
          this.audit(
            "tasks reassigned",
            `the lead's owner is now ${name}: ${moving.length} open task${moving.length === 1 ? "" : "s"} follow`,
            { ownerId, steps: moving.map((s) => s.id) },
            effects,
          ),
        ],
      },
    );
  }

  /** Ends the cadence: nothing more is written, and the tasks still open are closed as the policy says. */
  private stop(reason: string, evidence: string): Decision {
    const cadence = this.state.cadence;
    // A paused cadence writes nothing more, but its open tasks still close when the lead engages.
    if (!cadence || cadence.status === "stopped") return noDecision(this.state);
    const open = cadence.steps.filter((s) => s.state === "written").map((s) => this.taskKey(s.id));
    const action = this.rule.onStop === "delete" ? { kind: "delete" as const } : { kind: "complete" as const };
    const effects =
      open.length > 0
        ? [this.effect(`${this.ctx.record.key}:cadence-stop:${cadence.cadenceId}`, { type: "updateTasks", ...this.target(), taskKeys: open, action })]
        : [];
    const sla = mootSla(cadence.sla);
    const next: CadenceState = { ...cadence, status: "stopped", stop: { reason, at: this.now.toISOString() }, sla };
    const closing =
      open.length === 0
        ? "no open tasks to close"
        : `${open.length} open task${open.length === 1 ? "" : "s"} ${action.kind === "delete" ? "deleted" : "closed"}`;
    return this.decision(
      { ...this.state, cadence: next },
      {
        effects,
        timers: { "cadence-step": null, "cadence-sla": null },
        audit: [this.audit("stopped", `${reason}: ${evidence}; ${closing}`, { reason, evidence, onStop: this.rule.onStop, tasks: open }, effects)],
      },
    );
  }

  private writeStep(cadence: CadenceState, config: CadenceStep, step: CadenceStepState, ownerId: string, properties: Record<string, string | null>) {
    const values = this.mergeValues(properties, ownerId);
    const defaults = { ...BUILT_IN_FIELDS, ...Object.fromEntries(Object.entries(this.rule.mergeFields).map(([k, f]) => [k, f.fallback])) };
    const subject = renderTemplate(config.subject, values, defaults);
    const body = renderTemplate(config.body, values, defaults);
    const effects: EffectRequest[] = [
      this.effect(this.taskKey(step.id), {
        type: "createTask",
        ...this.target(),
        ownerId,
        subject,
        body,
        dueAt: step.dueAt,
        dueDate: ownerDueDate(this.ctx.policy, this.crm, ownerId, step.dueAt),
        priority: config.priority,
        channel: config.channel,
      }),
    ];
    const rep = repByOwner(this.ctx.policy, this.crm, ownerId);
    const due = localTime(step.dueAt, cadence.zone);
    if (config.nudge && rep?.slackUserId) {
      const name = this.prop(properties, this.rule.mergeFields.firstName?.property[this.crm]);
      // The rep reads their own clock; the lead's is what the step was planned in.
      const forRep = rep.timeZone === cadence.zone ? due : `${localTime(step.dueAt, rep.timeZone)}, ${due.replace(/^.*, /, "")} for the lead`;
      effects.push(
        this.effect(`${this.taskKey(step.id)}:nudge`, {
          type: "postSlackMessage",
          channel: rep.slackUserId,
          ...stepNudge({ step: config, subject, lead: leadLabel(this.ctx.record, name), due: forRep, value: this.buttonValue(cadence, step.id) }),
        }),
      );
    }
    return { effects, summary: `step "${step.id}": ${config.channel} task "${subject}" for ${rep?.name ?? ownerId}, due ${due}` };
  }

  /**
   * After an outage several steps can be due at once: only the earliest is written now, and the
   * overdue ones after it move by the same delay, so the lead does not get a burst of touches.
   */
  private rebaseOverdue(cadence: CadenceState): CadenceStepState[] {
    const now = this.now.toISOString();
    const steps = cadence.steps.map((s) => ({ ...s }));
    const due = steps.filter((s) => s.state === "planned" && s.dueAt <= now);
    if (due.length <= 1) return steps;
    const lateness = this.now.getTime() - Date.parse(due[0]!.dueAt);
    const cal = leadCalendar(this.ctx.policy, this.rule, cadence.zone);
    let previous = due[0]!.dueAt;
    for (const step of steps) {
      if (step.state !== "planned" || step.dueAt <= due[0]!.dueAt) continue;
      const moved = sameTimeOnWorkingDay(new Date(Date.parse(step.dueAt) + lateness), cal).toISOString();
      step.dueAt = moved < previous ? previous : moved;
      previous = step.dueAt;
    }
    return steps;
  }

  /** The SLA is the owner's to keep: counted in their working hours, else the lead's. */
  private slaCalendar(ownerId: string | null | undefined, leadZone: string): BusinessCalendar {
    const rep = repByOwner(this.ctx.policy, this.crm, ownerId);
    if (!rep) return leadCalendar(this.ctx.policy, this.rule, leadZone);
    return { zone: rep.timeZone, hours: rep.workingHours ?? this.ctx.policy.workingHours, holidays: this.ctx.policy.holidays };
  }

  private planSla(
    definition: CadenceStep[],
    steps: CadenceStepState[],
    properties: Record<string, string | null>,
    cal: BusinessCalendar,
  ): CadenceState["sla"] {
    const sla = this.rule.sla;
    if (!sla) return undefined;
    const first = definition.find((s) => s.channel === "CALL" || s.channel === "EMAIL") ?? definition[0]!;
    const score = Number(this.prop(properties, sla.hot?.scoreProperty[this.crm]) ?? NaN);
    const within = sla.hot && Number.isFinite(score) && score >= sla.hot.scoreAtLeast ? sla.hot.within : sla.within;
    const ownerId = this.prop(properties, OWNER_PROPERTY[this.crm]);
    const dueAt = afterThreshold(
      new Date(steps.find((s) => s.id === first.id)!.dueAt),
      within,
      ownerId ? this.slaCalendar(ownerId, cal.zone) : cal,
    ).toISOString();
    return { stepId: first.id, dueAt, state: "pending", within };
  }

  /** The SLA deadline for its step due at `stepDue`: the same allowance, in working time. */
  private slaDueFor(sla: NonNullable<CadenceState["sla"]>, stepDue: string, ownerId: string | undefined, zone: string): string {
    const within = sla.within ?? this.rule.sla?.within;
    if (!within) return sla.dueAt;
    return afterThreshold(new Date(stepDue), within, this.slaCalendar(ownerId, zone)).toISOString();
  }

  private ownerFor(step: CadenceStep, properties: Record<string, string | null>): string | undefined {
    const teamId = step.owner === "recordOwner" ? this.rule.team : step.owner.team;
    const queue = this.ctx.policy.teams.find((t) => t.id === teamId)?.fallbackOwners[this.crm];
    if (step.owner !== "recordOwner") return queue;
    return this.prop(properties, OWNER_PROPERTY[this.crm]) ?? queue;
  }

  private mergeValues(properties: Record<string, string | null>, ownerId: string): Record<string, string | null | undefined> {
    const values: Record<string, string | null | undefined> = {};
    for (const [field, def] of Object.entries(this.rule.mergeFields)) values[field] = this.prop(properties, def.property[this.crm]);
    const rep = repByOwner(this.ctx.policy, this.crm, ownerId);
    values.ownerName = rep?.name;
    values.ownerFirstName = rep?.name.split(/\s+/)[0];
    return values;
  }

  private enrollmentProperties(): string[] {
    const { sourceProperty, leadZone, sla } = this.rule;
    return unique([
      sourceProperty[this.crm],
      leadZone.timeZoneProperty[this.crm],
      ...(leadZone.phoneProperties[this.crm] ?? []),
      OWNER_PROPERTY[this.crm],
      sla?.hot?.scoreProperty[this.crm],
      ...stopProperties(this.rule.stopWhen, this.crm),
      ...(this.rule.emailProperties[this.crm] ?? []),
    ]);
  }

  private stepProperties(): string[] {
    return unique([
      OWNER_PROPERTY[this.crm],
      ...stopProperties(this.rule.stopWhen, this.crm),
      ...Object.values(this.rule.mergeFields).map((f) => f.property[this.crm]),
    ]);
  }

  private definition(cadence: CadenceState): CadenceStep[] {
    // A policy edit may rename or drop a cadence mid-way; steps unknown to it keep their plan but write nothing.
    return this.rule.cadences.find((c) => c.id === cadence.cadenceId)?.steps ?? [];
  }

  private prop(properties: Record<string, string | null>, name: string | undefined): string | null {
    const value = name ? properties[name] : null;
    return value && value.trim() !== "" ? value.trim() : null;
  }

  private taskKey(stepId: string): string {
    return stepTaskKey(this.ctx.record.key, this.state.cadence!.cadenceId, stepId);
  }

  private buttonValue(cadence: CadenceState, stepId: string): ButtonValue {
    return { lead: this.ctx.record.key, cadence: cadence.cadenceId, step: stepId };
  }

  private target() {
    const { crm, accountId, objectType, objectId } = this.ctx.record;
    return { crm, accountId, objectType, objectId };
  }

  private withSla(sla: NonNullable<CadenceState["sla"]>): RuleState {
    return { ...this.state, cadence: { ...this.state.cadence!, sla } };
  }

  private effect(idempotencyKey: string, effect: EffectRequest["effect"]): EffectRequest {
    return { idempotencyKey, leadKey: this.ctx.record.key, rule: "cadence", effect };
  }

  private audit(outcome: string, reason: string, data: Record<string, AuditValue> = {}, effects: EffectRequest[] = []) {
    return {
      at: this.now.toISOString(),
      rule: "cadence" as const,
      outcome,
      reason,
      data,
      policyVersion: this.ctx.policyVersion,
      effects: effects.map((e) => e.idempotencyKey),
    };
  }

  private decision(state: RuleState, parts: Partial<Omit<Decision, "state">>): Decision {
    return { ...noDecision(state), ...parts };
  }
}

const unique = (names: (string | undefined)[]) => [...new Set(names.filter((n): n is string => !!n))];
