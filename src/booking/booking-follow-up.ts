import { DateTime } from "luxon";
import type { Fact } from "../core/facts/fact";
import { parseRecordKey } from "../core/model/crm-event";
import type { EffectRequest } from "../core/model/effects";
import type { Ports } from "../env/ports";
import { recordBooked, recordCancelled } from "../storage/bookings";
import { recordFacts } from "../storage/facts";
import type { RepBooking } from "./booking-types";
import type { FollowUp } from "./rep-calendar-store";
import { titleOf, visitorName } from "./booking-text";

/*
 * What follows a meeting booked, moved or cancelled: the booking's row in D1 (the index by
 * submission, the console's read model), the meeting in the CRM and the rep's Slack DM through
 * the outbox, and the facts for speed to meeting and booking rates. Every part is keyed by the
 * booking and its sequence, so running it again (the rep's object retries it until it is done)
 * changes nothing.
 */
export async function followUpBooking(env: Env, ports: Ports, booking: RepBooking, change: FollowUp): Promise<void> {
  const now = new Date(ports.clock.now());
  if (change === "cancelled") await recordCancelled(env.DB, booking.id, now);
  else
    await recordBooked(
      env.DB,
      {
        id: booking.id,
        attemptHash: booking.attemptHash,
        repId: booking.rep.repId,
        ownerId: booking.rep.ownerId ?? null,
        teamId: booking.context.teamId ?? null,
        provider: booking.rep.provider,
        startsAt: new Date(booking.start).toISOString(),
        endsAt: new Date(booking.end).toISOString(),
        visitorZone: booking.context.submission.timeZone ?? null,
        joinUrl: booking.event.joinUrl ?? null,
        sequence: booking.sequence,
        bookedAt: new Date(booking.bookedAt).toISOString(),
      },
      now,
    );
  await ports.storeEffects(followUpEffects(booking, change));
  await recordFacts(env.DB, followUpFacts(booking, change, now));
}

const keyPart = (change: FollowUp, booking: RepBooking) => (change === "cancelled" ? "cancel" : String(booking.sequence));

export function followUpEffects(booking: RepBooking, change: FollowUp): EffectRequest[] {
  const { context, rep } = booking;
  const s = context.submission;
  const startsAt = new Date(booking.start).toISOString();
  const effects: EffectRequest[] = [
    {
      idempotencyKey: `booking:${booking.id}:crm:${keyPart(change, booking)}`,
      leadKey: context.leadKey,
      rule: "booking",
      effect: {
        type: "writeMeeting",
        crm: s.crm,
        accountId: context.accountId,
        afterWrite: s.leadWriteEffectId,
        bookingId: booking.id,
        action: change === "cancelled" ? "cancel" : booking.sequence === 0 ? "book" : "move",
        submissionId: s.id,
        ...(rep.ownerId ? { ownerId: rep.ownerId } : {}),
        title: titleOf(booking),
        body: crmBody(booking),
        startsAt,
        endsAt: new Date(booking.end).toISOString(),
        ...(booking.event.joinUrl ? { joinUrl: booking.event.joinUrl } : {}),
        bookedAt: new Date(booking.bookedAt).toISOString(),
        // HubSpot's scheduler logged the meeting on the contact itself (and cancels it there).
        loggedByCalendar: rep.provider === "hubspot" && s.crm === "hubspot",
        assignOwner: context.assignOwner && change === "booked",
      },
    },
  ];
  if (rep.slackUserId) {
    effects.push({
      idempotencyKey: `booking:${booking.id}:dm:${change}:${booking.sequence}`,
      leadKey: context.leadKey,
      rule: "booking",
      effect: { type: "postSlackMessage", channel: rep.slackUserId, text: repMessage(booking, change) },
    });
  }
  return effects;
}

/** The meeting's note in the CRM: what the rep needs before the call. */
function crmBody(booking: RepBooking): string {
  const s = booking.context.submission;
  return [
    `Booked on the spot from the "${booking.context.formName}" form (source ${s.source}), submission ${s.id}.`,
    [s.jobTitle, s.company].filter(Boolean).join(", "),
    s.phone ? `Phone: ${s.phone}` : "",
    s.message ? `They wrote: ${s.message}` : "",
    booking.event.joinUrl ? `Join: ${booking.event.joinUrl}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

const when = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone, locale: "en-GB" }).toFormat("cccc d LLLL, HH:mm");

/** The rep's DM: who, when in the rep's own zone, and the lead's context. */
export function repMessage(booking: RepBooking, change: FollowUp): string {
  const s = booking.context.submission;
  const who = `${visitorName(s)}${s.jobTitle || s.company ? ` (${[s.jobTitle, s.company].filter(Boolean).join(", ")})` : ""}`;
  const at = `${when(booking.start, booking.rep.zone)} (${booking.rep.zone})`;
  const head =
    change === "cancelled"
      ? `:x: ${who} cancelled your meeting of ${at}.`
      : change === "moved"
        ? `:arrows_counterclockwise: ${who} moved your meeting to ${at}.`
        : `:calendar: ${who} booked a meeting with you: ${at}, right after the "${booking.context.formName}" form.`;
  if (change === "cancelled") return head;
  return [
    head,
    `Email ${s.email}${s.phone ? ` · phone ${s.phone}` : ""} · source ${s.source}${s.score !== undefined ? ` · score ${s.score}${s.tier ? ` (${s.tier})` : ""}` : ""}`,
    s.message ? `They wrote: "${s.message}"` : "",
    booking.event.joinUrl ? `Join: ${booking.event.joinUrl}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

/** The record's key and object type, as far as the booking knows them (the record once written, else the submission's). */
function subjectOf(booking: RepBooking): Pick<Fact, "recordKey" | "crm" | "objectType"> {
  const s = booking.context.submission;
  const key = s.recordKey ?? booking.context.leadKey;
  const objectType = s.recordKey ? parseRecordKey(s.recordKey).objectType : s.crm === "hubspot" ? "contact" : "lead";
  return { recordKey: key, crm: s.crm, objectType };
}

export function followUpFacts(booking: RepBooking, change: FollowUp, now: Date): Fact[] {
  const s = booking.context.submission;
  const dimensions = { ...subjectOf(booking), source: s.source, team: booking.context.teamId ?? null, rep: booking.rep.ownerId ?? null };
  const data = { form: s.formKey, bookingId: booking.id, provider: booking.rep.provider, startsAt: new Date(booking.start).toISOString() };
  if (change === "booked") {
    return [
      {
        kind: "meetingBooked",
        key: `booking:${booking.id}:booked`,
        at: new Date(booking.bookedAt).toISOString(),
        ...dimensions,
        data: {
          ...data,
          submittedToBookedMs: Math.max(0, booking.bookedAt - Date.parse(s.receivedAt)),
          bookedToStartMs: Math.max(0, booking.start - booking.bookedAt),
        },
      },
    ];
  }
  const at = now.toISOString();
  return change === "moved"
    ? [{ kind: "meetingMoved", key: `booking:${booking.id}:moved:${booking.sequence}`, at, ...dimensions, data }]
    : [{ kind: "meetingCancelled", key: `booking:${booking.id}:cancelled`, at, ...dimensions, data }];
}
