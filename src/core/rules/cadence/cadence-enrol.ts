import { cadenceForSource } from "../../policy/cadence-policy";
import { delayWindow, localTime, planSteps } from "./cadence-schedule";
import type { CrmEvent } from "../../model/crm-event";
import { resolveLeadZone } from "../../calendar/lead-zone";
import { afterRead, type Step, unchanged } from "../rule";
import type { CadenceState, CadenceStepState } from "../rule-state";
import { firstStop } from "../../policy/stop-conditions";
import { repByOwner } from "../rule-support";
import { type CadenceConfig, type CadenceCtx, leadCalendar, prop } from "./cadence-config";
import { planSla } from "./cadence-sla";

/**
 * A new lead: read it fresh (HubSpot's creation webhook carries no properties), once. A record this
 * service created from a form is enrolled from its submission instead (onSubmitted), which knows
 * when the lead arrived and in which zone its browser was; its creation's echo changes nothing.
 */
export function onCreated(cadence: CadenceState | undefined, event: Extract<CrmEvent, { kind: "created" }>, ctx: CadenceCtx): Step<CadenceState> {
  if (cadence || event.fromThisIntegration) return unchanged(cadence);
  return { state: cadence, ask: { kind: "read", properties: ctx.config.enrolReads, resume: "enrol" } };
}

/** A form submission written to the record: a lead not yet in a cadence is enrolled from it (a returning one keeps its cadence). */
export function onSubmitted(cadence: CadenceState | undefined, _: Extract<CrmEvent, { kind: "submitted" }>, ctx: CadenceCtx): Step<CadenceState> {
  if (cadence) return unchanged(cadence);
  return { state: cadence, ask: { kind: "read", properties: ctx.config.enrolReads, resume: "enrol" } };
}

/**
 * Enrolment: the cadence the lead's source calls for, planned in the lead's own zone and business
 * hours, with its speed-to-lead SLA; not at all when it already meets a stop condition.
 */
export const enrol = afterRead<CadenceState, CadenceConfig>((existing, fresh, ctx) => {
  if (existing) return unchanged(existing);
  if (!fresh) return { state: undefined, audit: [{ outcome: "not enrolled", reason: "the record no longer exists in the CRM" }] };
  const properties = fresh.properties;
  const stop = firstStop(ctx.config.stopWhen, ctx.crm, properties);
  if (stop) return { state: undefined, audit: [{ outcome: "not enrolled", reason: `${stop.reason} already (${stop.evidence})` }] };

  const { config } = ctx;
  // From a form: its source and the browser's zone; the CRM's properties say the rest.
  const submission = ctx.record.submission;
  const source = submission?.source ?? prop(properties, config.sourceProperty);
  const cadence = cadenceForSource(config.rule, source);
  const zone = resolveLeadZone({
    browserZone: submission?.timeZone,
    crmZone: prop(properties, config.timeZoneProperty),
    phones: config.phoneProperties.map((p) => properties[p]),
    ownerZone: repByOwner(ctx.policy, ctx.crm, properties[config.owner] ?? undefined)?.timeZone,
    fallbackZone: ctx.policy.timeZone,
    defaultCountry: config.rule.leadZone.defaultCountry,
  });
  const cal = leadCalendar(ctx, zone.zone);
  const window = delayWindow(config.rule.firstTouchDelay);
  // Planned from when the lead arrived (its submission, else its creation: the speed-to-lead SLA
  // counts from there); a lead we hear about late is planned from now instead, so a backlog does
  // not fire several steps at once.
  const arrivedAt = submission?.at ?? ctx.record.createdAt;
  const arrived = arrivedAt ? new Date(arrivedAt) : ctx.now;
  let plan = planSteps(cadence, arrived, cal, window, ctx.random);
  if (plan[0]!.dueAt < ctx.now) plan = planSteps(cadence, ctx.now, cal, window, ctx.random);

  const steps: CadenceStepState[] = plan.map((p) => ({ id: p.id, dueAt: p.dueAt.toISOString(), state: "planned" }));
  const sla = planSla(ctx, cadence.steps, steps, properties, zone.zone);
  const next: CadenceState = {
    cadenceId: cadence.id,
    source,
    enrolledAt: ctx.at,
    zone: zone.zone,
    zoneReason: zone.detail,
    status: "active",
    steps,
    sla,
    // HubSpot's creation webhook carries no email: replies are matched with what this read saw.
    addresses: config.emailProperties.map((p) => properties[p]).filter((v): v is string => !!v),
  };
  return {
    state: next,
    timers: { step: steps[0]!.dueAt, sla: sla?.dueAt ?? null },
    audit: [
      {
        outcome: "enrolled",
        reason: `source ${source ? `"${source}"` : "unknown"} → cadence "${cadence.name}"; the lead's time zone is ${zone.zone} (${zone.detail}); first touch ${localTime(steps[0]!.dueAt, zone.zone)}`,
        data: {
          cadence: cadence.id,
          source,
          zone: zone.zone,
          zoneSource: zone.source,
          steps: steps.map((s) => `${s.id} ${s.dueAt}`),
          slaDueAt: sla?.dueAt,
          ...(submission ? { submissionId: submission.id } : {}),
        },
      },
    ],
  };
});
