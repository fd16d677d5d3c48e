import { type SlotRules, slotRules } from "../core/booking/slots";
import { viewZone } from "../core/booking/slot-view";
import { type BookingForm, type BookingPolicy, bookingFormOf } from "../core/policy/booking-policy";
import type { Form } from "../core/policy/forms-policy";
import type { Policy, Rep, Team } from "../core/policy/policy";
import type { Ports } from "../env/ports";
import { type BookableSubmission, bookableSubmission } from "../intake/booking-source";
import { activePolicy } from "../storage/policies";
import type { RepHours, RepSpec } from "./booking-types";

/**
 * Everything a booking link's pages need, from the submission it names and the active policy:
 * the form's booking settings, the slot rules, the reps whose times are offered (the routed rep,
 * or the routed team for "whoever can meet soonest") and the zone times are shown in.
 */
export interface BookingScene {
  submission: BookableSubmission;
  policy: Policy;
  booking: BookingPolicy;
  form: Form;
  bookingForm: BookingForm;
  rules: SlotRules;
  mode: "routedRep" | "soonest";
  /** The reps whose free times are offered. */
  reps: { spec: RepSpec; hours: RepHours }[];
  team?: Team;
  accountId: string;
  /** The visitor's zone (the browser's, sent with the form), else the first rep's. */
  zone: string;
}

export type SceneOf =
  | { kind: "scene"; scene: BookingScene }
  /** The submission is not routed yet: ask again in a moment. */
  | { kind: "pending"; form?: Form }
  /** No meeting can be offered, and why (for the alert; the visitor reads a plain message). */
  | { kind: "nothing"; reason: string; alert: boolean; scene?: Omit<BookingScene, "reps"> & { reps: [] } }
  /** The submission is gone (retention) or its form offers no meeting (any more). */
  | { kind: "gone" };

/** The rep as booking sees them, in the submission's CRM; undefined without a calendar. */
export function repOf(
  rep: Rep,
  policy: Policy,
  booking: BookingPolicy,
  crm: "hubspot" | "salesforce",
): { spec: RepSpec; hours: RepHours } | undefined {
  if (!rep.calendar) return undefined;
  const maxPerDay = rep.calendar.maxPerDay ?? booking.maxPerDay;
  const ownerId = rep.owners[crm];
  return {
    spec: {
      repId: rep.id,
      name: rep.name,
      ...(ownerId ? { ownerId } : {}),
      ...(rep.slackUserId ? { slackUserId: rep.slackUserId } : {}),
      zone: rep.timeZone,
      provider: rep.calendar.provider ?? booking.calendar,
      calendarId: rep.calendar.id,
      maxPerDay,
    },
    hours: {
      repId: rep.id,
      zone: rep.timeZone,
      hours: rep.workingHours ?? policy.workingHours,
      holidays: policy.holidays,
      outOfOffice: rep.outOfOffice,
      available: rep.available,
      maxPerDay,
    },
  };
}

export async function sceneOf(db: D1Database, ports: Ports, submissionId: string, requestedZone?: string): Promise<SceneOf> {
  const submission = await bookableSubmission(db, submissionId);
  if (!submission) return { kind: "gone" };
  const { policy } = await activePolicy(db);
  const booking = policy.booking;
  const bookingForm = bookingFormOf(booking, submission.formKey);
  const form = policy.forms.find((f) => f.key === submission.formKey);
  if (!booking || !bookingForm || !form) return { kind: "gone" };
  if (submission.state === "pending") return { kind: "pending", form };
  const accountId = (submission.crm === "hubspot" ? ports.config.HUBSPOT_PORTAL_ID : ports.config.SALESFORCE_ORG_ID) ?? "";
  const rules = slotRules(booking);
  const team =
    policy.teams.find((t) => t.id === submission.teamId) ??
    policy.teams.find((t) => t.members.some((m) => ownerOf(policy, m, submission) === submission.ownerId));
  const base = {
    submission,
    policy,
    booking,
    form,
    bookingForm,
    rules,
    mode: bookingForm.offer,
    ...(team ? { team } : {}),
    accountId,
    zone: viewZone(requestedZone ?? submission.timeZone, policy.timeZone),
  };
  // Spam and dead submissions are answered as any other, and never offered a meeting.
  if (submission.state === "closed") return { kind: "nothing", reason: "the submission was not accepted for follow-up", alert: false };
  const routedRep = policy.reps.find((r) => submission.ownerId && r.owners[submission.crm] === submission.ownerId);
  // "Soonest" offers the team intake routed to; a lead whose owner was already known books with that owner.
  const members =
    bookingForm.offer === "soonest" && submission.teamId && team
      ? team.members.flatMap((id) => policy.reps.filter((r) => r.id === id))
      : routedRep
        ? [routedRep]
        : [];
  if (members.length === 0) {
    return {
      kind: "nothing",
      reason: submission.ownerId ? `the lead's owner ${submission.ownerId} is not a rep of the policy` : "the lead has no owner",
      alert: true,
      scene: { ...base, reps: [] },
    };
  }
  const reps = members.flatMap((rep) => {
    const one = repOf(rep, policy, booking, submission.crm);
    return one && ports.calendar(one.spec.provider) ? [one] : [];
  });
  if (reps.length === 0) {
    const why = members.some((r) => r.calendar) ? "no calendar of theirs is configured for this deployment" : "no calendar in the policy";
    return {
      kind: "nothing",
      reason: `nobody eligible: ${members.map((r) => r.name).join(", ")} (${why})`,
      alert: true,
      scene: { ...base, reps: [] },
    };
  }
  const zone = viewZone(requestedZone ?? submission.timeZone, reps[0]!.spec.zone);
  return { kind: "scene", scene: { ...base, zone, reps } };
}

function ownerOf(policy: Policy, repId: string, submission: BookableSubmission): string | undefined {
  return policy.reps.find((r) => r.id === repId)?.owners[submission.crm];
}
