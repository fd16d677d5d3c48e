import type { CadenceStep } from "../../policy/cadence-policy";
import { formatMailbox, messageIdFor, textToHtml, threadOn } from "../../email/email-message";
import { domainOf } from "../../policy/email-policy";
import type { CrmEvent } from "../../model/crm-event";
import type { EffectRequest } from "../../model/effects";
import { parseAddress } from "../../model/email-address";
import { type Step, unchanged } from "../rule";
import type { CadenceState, CadenceStepState } from "../rule-state";
import { ownerDueDate, repByOwner } from "../rule-support";
import { type CadenceCtx, leadCalendar, prop, stepTaskKey } from "./cadence-config";
import { localTime } from "./cadence-schedule";
import { stopCadence } from "./cadence-stops";

/*
 * Steps that send: an EMAIL step with `send: "auto"` becomes a sendEmail effect, rendered and
 * threaded here (pure), sent as the step's owner by src/outreach. What cannot be decided here
 * (the suppression list, the lawful basis on record, the address's verdict, the day's caps) is
 * checked by the sender before it sends; an email that cannot go becomes the step's task there.
 */

/** The key of a step's email; its task (when the email cannot go) keeps the step's task key. */
export const stepEmailKey = (recordKey: string, cadenceId: string, stepId: string) => `${stepTaskKey(recordKey, cadenceId, stepId)}:email`;

export type EmailPlan =
  | { ok: true; effect: EffectRequest; email: NonNullable<CadenceStepState["email"]>; summary: string }
  | { ok: false; why: string };

/** Why a step that should send cannot, before anything is asked of the world; null when it can. */
function blocked(cadence: CadenceState, config: CadenceStep, ctx: CadenceCtx, ownerId: string, to: string | null): string | null {
  if (cadence.emailBlocked) return `emails to this lead stopped: ${cadence.emailBlocked.reason}`;
  if (!ctx.policy.email) return "the policy has no email section";
  if (!config.purpose || !ctx.policy.email.purposes.some((p) => p.id === config.purpose)) return `unknown purpose "${config.purpose}"`;
  if (!to) return "the lead has no valid email address";
  const rep = repByOwner(ctx.policy, ctx.crm, ownerId);
  if (!rep?.sender) return `${rep?.name ?? `owner ${ownerId}`} has no sender address in the policy`;
  return null;
}

/** The email of an auto step: rendered subject, text and HTML, threaded on the cadence's previous email. */
export function planEmail(
  cadence: CadenceState,
  steps: readonly CadenceStepState[],
  config: CadenceStep,
  step: CadenceStepState,
  ownerId: string,
  rendered: { subject: string; body: string },
  properties: Record<string, string | null>,
  ctx: CadenceCtx,
): EmailPlan {
  const to = parseAddress(prop(properties, ctx.config.emailProperties[0]) ?? cadence.addresses?.[0] ?? null);
  const why = blocked(cadence, config, ctx, ownerId, to);
  if (why) return { ok: false, why };
  const rep = repByOwner(ctx.policy, ctx.crm, ownerId)!;
  const sender = rep.sender!;
  const email = ctx.policy.email!;
  const purpose = email.purposes.find((p) => p.id === config.purpose)!;
  const key = stepEmailKey(ctx.record.key, cadence.cadenceId, step.id);
  const messageId = messageIdFor(key, domainOf(sender.address));
  // The previous email of this cadence, written before this step: the one this answers.
  const parent = config.thread ? [...steps].reverse().find((s) => s.email && s.dueAt <= step.dueAt && s.id !== step.id)?.email : undefined;
  const threading = parent ? threadOn(parent) : undefined;
  const subject = threading?.subject ?? rendered.subject;
  const cal = leadCalendar(ctx, cadence.zone);
  const effect = ctx.effect(key, {
    type: "sendEmail",
    ...ctx.target,
    ownerId,
    from: { address: sender.address, name: sender.name ?? rep.name },
    to: { address: to! },
    subject,
    text: rendered.body,
    html: textToHtml(rendered.body),
    messageId,
    ...(threading ? { inReplyTo: threading.inReplyTo } : {}),
    references: threading?.references ?? [],
    purpose: { id: purpose.id, consents: purpose.consents, legitimateInterest: purpose.legitimateInterest },
    cadence: cadence.cadenceId,
    step: step.id,
    source: cadence.source,
    dueAt: step.dueAt,
    leadCalendar: { zone: cal.zone, hours: cal.hours, holidays: [...cal.holidays] },
    caps: { perPersonPerDay: email.maxEmailsPerDay, perSenderPerDay: email.senderDailyCap },
    emailRisky: email.emailRisky,
    task: { priority: config.priority, dueDate: ownerDueDate(ctx.policy, ctx.crm, ownerId, step.dueAt) },
  });
  const from = formatMailbox(sender.address, sender.name ?? rep.name);
  return {
    ok: true,
    effect,
    email: { messageId, subject, references: threading?.references ?? [] },
    summary: `step "${step.id}": email "${subject}" from ${from} to ${to}${parent ? ` (in reply to ${parent.messageId})` : ""}, ${localTime(step.dueAt, cadence.zone)}`,
  };
}

type EmailStatus = Extract<CrmEvent, { kind: "emailStatus" }>;

/**
 * The email provider or the person told us what became of our email: an unsubscribe or a spam
 * complaint ends the cadence (no later email goes, its open tasks close); a hard bounce stops
 * the emails only: the later steps become the owner's tasks (a call can still reach the lead).
 */
export function onEmailStatus(cadence: CadenceState | undefined, event: EmailStatus, ctx: CadenceCtx): Step<CadenceState> {
  if (!cadence) return unchanged(cadence);
  if (event.status === "unsubscribed" || event.status === "complained") {
    const evidence =
      event.status === "complained" ? `spam complaint about the email to ${event.address}` : `${event.address} unsubscribed (${event.detail})`;
    return stopCadence(cadence, "unsubscribed", evidence, ctx);
  }
  if (!event.permanent || cadence.emailBlocked) {
    return {
      state: cadence,
      audit: [
        {
          outcome: "email bounced",
          reason: `${event.permanent ? "hard" : "soft"} bounce at ${event.address}: ${event.detail}`,
          data: { permanent: event.permanent },
        },
      ],
    };
  }
  const reason = `hard bounce at ${event.address}`;
  return {
    state: { ...cadence, emailBlocked: { reason, at: ctx.at } },
    audit: [
      {
        outcome: "emails stopped",
        reason: `${reason} (${event.detail}): the later email steps become the owner's tasks`,
        data: { address: event.address, messageId: event.messageId ?? null },
      },
    ],
  };
}
