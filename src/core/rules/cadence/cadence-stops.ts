import type { CrmEvent } from "../../model/crm-event";
import { type Step, unchanged } from "../rule";
import type { CadenceState } from "../rule-state";
import { firstStop } from "../../policy/stop-conditions";
import { ownerDueDate } from "../rule-support";
import { type CadenceCtx, definitionOf, repName, stepTaskId, stepTaskKey } from "./cadence-config";
import { mootSla } from "./cadence-sla";

type Event<K extends CrmEvent["kind"]> = Extract<CrmEvent, { kind: K }>;

/** A change in the CRM: a stop condition met ends the cadence; a new owner takes the open tasks along. */
export function onPropertyChanged(cadence: CadenceState | undefined, event: Event<"propertyChanged">, ctx: CadenceCtx): Step<CadenceState> {
  const stop = firstStop(ctx.config.stopWhen, ctx.crm, event.properties);
  if (stop) return stopCadence(cadence, stop.reason, stop.evidence, ctx);
  const owner = event.properties[ctx.config.owner];
  return owner ? followOwner(cadence, owner, event.occurredAt, ctx) : unchanged(cadence);
}

export const onEmailReceived = (cadence: CadenceState | undefined, event: Event<"emailReceived">, ctx: CadenceCtx): Step<CadenceState> =>
  stopCadence(cadence, "replied", `email "${event.subject}" from ${event.from}`, ctx);

/** A meeting booked on the booking page: the existing stop, as "meeting booked" (like the CRM's own meeting property). */
export const onMeetingBooked = (cadence: CadenceState | undefined, event: Event<"meetingBooked">, ctx: CadenceCtx): Step<CadenceState> =>
  stopCadence(cadence, "meeting booked", `a meeting booked for ${event.startsAt} (booking ${event.bookingId})`, ctx);

export const onDeleted = (cadence: CadenceState | undefined, _: Event<"deleted">, ctx: CadenceCtx): Step<CadenceState> =>
  stopCadence(cadence, "record deleted", "the record was deleted in the CRM", ctx);

export const onMerged = (cadence: CadenceState | undefined, event: Event<"merged">, ctx: CadenceCtx): Step<CadenceState> =>
  event.survivorId === event.objectId ? unchanged(cadence) : stopCadence(cadence, "record merged", `merged into ${event.survivorId}`, ctx);

/**
 * The lead changed hands (a rep, an assignment rule, or another rule in this very run): the open
 * tasks of steps owned by the record owner follow it, so the new owner sees the whole plan.
 */
export function followOwner(cadence: CadenceState | undefined, ownerId: string, at: string, ctx: CadenceCtx): Step<CadenceState> {
  if (!cadence || cadence.status === "stopped") return unchanged(cadence);
  const byOwner = new Set(
    definitionOf(ctx, cadence)
      .filter((d) => d.owner === "recordOwner")
      .map((d) => d.id),
  );
  const moving = cadence.steps.filter((s) => s.state === "written" && s.ownerId !== ownerId && byOwner.has(s.id));
  if (moving.length === 0) return unchanged(cadence);
  const ids = moving.map((s) => stepTaskId(ctx, cadence, s.id));
  const effects = [
    ctx.effect(`${ctx.record.key}:cadence-owner:${cadence.cadenceId}:${ownerId}:${at}`, {
      type: "updateTasks",
      ...ctx.target,
      taskKeys: ids,
      action: {
        kind: "reassign",
        ownerId,
        dueDates: Object.fromEntries(moving.map((s, i) => [ids[i]!, ownerDueDate(ctx.policy, ctx.crm, ownerId, s.dueAt)])),
      },
    }),
  ];
  const steps = cadence.steps.map((s) => (moving.includes(s) ? { ...s, ownerId } : s));
  return {
    state: { ...cadence, steps },
    effects,
    audit: [
      {
        outcome: "tasks reassigned",
        reason: `the lead's owner is now ${repName(ctx, ownerId)}: ${moving.length} open task${moving.length === 1 ? "" : "s"} follow`,
        data: { ownerId, steps: moving.map((s) => s.id) },
        effects,
      },
    ],
  };
}

/** Ends the cadence: nothing more is written, and the tasks still open are closed as the policy says. */
export function stopCadence(cadence: CadenceState | undefined, reason: string, evidence: string, ctx: CadenceCtx): Step<CadenceState> {
  // A paused cadence writes nothing more, but its open tasks still close when the lead engages.
  if (!cadence || cadence.status === "stopped") return unchanged(cadence);
  const written = cadence.steps.filter((s) => s.state === "written");
  const open = written.map((s) => stepTaskId(ctx, cadence, s.id));
  const onStop = ctx.config.rule.onStop;
  const action = onStop === "delete" ? { kind: "delete" as const } : { kind: "complete" as const };
  const effects =
    open.length > 0
      ? [ctx.effect(`${ctx.record.key}:cadence-stop:${cadence.cadenceId}`, { type: "updateTasks", ...ctx.target, taskKeys: open, action })]
      : [];
  const closing =
    open.length === 0
      ? "no open tasks to close"
      : `${open.length} open task${open.length === 1 ? "" : "s"} ${onStop === "delete" ? "deleted" : "closed"}`;
  return {
    state: { ...cadence, status: "stopped", stop: { reason, at: ctx.at }, sla: mootSla(cadence.sla) },
    effects,
    timers: { step: null, sla: null },
    audit: [
      {
        outcome: "stopped",
        reason: `${reason}: ${evidence}; ${closing}`,
        data: { reason, evidence, onStop, tasks: written.map((s) => stepTaskKey(ctx.record.key, cadence.cadenceId, s.id)) },
        effects,
      },
    ],
  };
}
