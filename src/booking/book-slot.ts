import { bookingIdOf } from "../core/booking/booking-links";
import { repSlots } from "../core/booking/slots";
import type { Ports } from "../env/ports";
import { toHex, utf8 } from "../platform/bytes";
import { type BookingRow, claimBooking, releaseClaim } from "../storage/bookings";
import type { BookingScene } from "./booking-scene";
import { descriptionOf, titleOf, visitorOf } from "./booking-text";
import type { BookAnswer, BookingContext, RepBooking } from "./booking-types";
import { freeTimes, leadKeyOf, repCalendar } from "./find-slots";

/** A booking attempt's claim on its submission lasts this long (longer than a calendar's slowest answer). */
const CLAIM_MS = 90_000;

export type BookOutcome =
  | { kind: "booked"; booking: RepBooking }
  /** The time is not free: offer others. */
  | { kind: "taken"; reason: string }
  /** This submission has a meeting already, booked from another page (or cancelled): nothing to change here. */
  | { kind: "alreadyBooked"; status: "booked" | "cancelled" }
  /** Another attempt of this submission is booking right now. */
  | { kind: "busy" }
  | { kind: "unavailable"; reason: string; retryAfterMs?: number };

export async function attemptHashOf(attempt: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", utf8(attempt)));
}

/**
 * Books `start` for the scene's submission. The submission is claimed first (one attempt at a
 * time, so two pages cannot book two meetings); the rep is the routed one, or, for "soonest",
 * the one the team's fair rotation picks among those free then; the rep's object holds the time,
 * reads the calendar again and puts the event in. A retry of the same attempt gets the same
 * booking back.
 */
export async function bookSlot(env: Env, ports: Ports, scene: BookingScene, start: number, attempt: string, now: Date): Promise<BookOutcome> {
  const { submission } = scene;
  const bookingId = bookingIdOf(submission.id);
  const attemptHash = await attemptHashOf(attempt);
  const claim = await claimBooking(env.DB, {
    id: bookingId,
    submissionId: submission.id,
    formKey: submission.formKey,
    source: submission.source,
    crm: submission.crm,
    attemptHash,
    submittedAt: submission.receivedAt,
    now,
    until: new Date(now.getTime() + CLAIM_MS),
  });
  const held = heldBy(claim, attemptHash, now);
  if (held !== "ours") {
    if (held.kind !== "alreadyBooked" || held.status !== "booked" || claim.attemptHash !== attemptHash) return held;
    // Booked by this very attempt: its answer was lost; the rep's object gives the booking back.
    const answer = await repCalendar(env, claim.repId!).booking(bookingId);
    return answer ? { kind: "booked", booking: answer } : { kind: "alreadyBooked", status: "booked" };
  }
  const outcome = await bookWithRep(env, ports, scene, start, bookingId, attemptHash, now);
  // No meeting came of it: the next attempt may claim. (Booked by another attempt: the follow-up marks the row.)
  if (outcome.kind === "taken" || outcome.kind === "unavailable") await releaseClaim(env.DB, bookingId, attemptHash, new Date(ports.clock.now()));
  return outcome;
}

function heldBy(claim: BookingRow, attemptHash: string, now: Date): "ours" | BookOutcome {
  if (claim.status === "booked") return { kind: "alreadyBooked", status: "booked" };
  if (claim.status === "cancelled") return { kind: "alreadyBooked", status: "cancelled" };
  if (claim.status === "holding" && claim.attemptHash === attemptHash && (claim.claimedUntil ?? "") > now.toISOString()) return "ours";
  return { kind: "busy" };
}

async function bookWithRep(
  env: Env,
  ports: Ports,
  scene: BookingScene,
  start: number,
  bookingId: string,
  attemptHash: string,
  now: Date,
): Promise<BookOutcome> {
  const { submission, rules } = scene;
  const chosen = await chooseRep(env, ports, scene, start, now);
  if ("kind" in chosen) return chosen;
  const { spec, hours } = chosen;
  const context: BookingContext = {
    submission,
    accountId: scene.accountId,
    formName: scene.form.name,
    ...(scene.team ? { teamId: scene.team.id } : {}),
    assignOwner: scene.mode === "soonest" && spec.ownerId !== undefined && spec.ownerId !== submission.ownerId,
    leadKey: leadKeyOf(submission, scene.accountId),
    ...(scene.team?.alertChannel ? { alertChannel: scene.team.alertChannel } : {}),
  };
  const shell = { context, rep: spec };
  const answer: BookAnswer = await repCalendar(env, spec.repId)
    .book({
      bookingId,
      submissionId: submission.id,
      attemptHash,
      rep: spec,
      hours,
      rules,
      start,
      now: now.getTime(),
      title: titleOf(shell),
      description: descriptionOf(shell),
      visitor: visitorOf(shell),
      context,
    })
    .catch((error: Error): BookAnswer => ({ kind: "unavailable", reason: error.message }));
  if (answer.kind === "booked") return { kind: "booked", booking: answer.booking };
  if (answer.kind === "notFound") return { kind: "unavailable", reason: "the booking was not found" };
  return answer;
}

/**
 * The rep of the booking: the routed rep; for "soonest", among the team members free at `start`,
 * the one the team's rotation picks (keyed by the submission and the time: a retry gets the same).
 */
async function chooseRep(env: Env, ports: Ports, scene: BookingScene, start: number, now: Date): Promise<BookingScene["reps"][number] | BookOutcome> {
  if (scene.reps.length === 1) return scene.reps[0]!;
  const { free } = await freeTimes(env, scene, now.getTime(), { start, end: start + 1 });
  const candidates = free.filter((rep) => repSlots(rep, scene.rules, now.getTime(), 1, { start, end: start + 1 })[0] === start).map((r) => r.repId);
  if (candidates.length === 0) return { kind: "taken", reason: "nobody of the team is free at that time any more" };
  const team = scene.team!;
  const decision =
    candidates.length === 1
      ? undefined
      : await ports.route(team.id, {
          policy: scene.policy,
          teamId: team.id,
          crm: scene.submission.crm,
          now,
          decisionKey: `booking:${scene.submission.id}:${start}`,
          candidates,
        });
  const repId = decision ? (decision.kind === "rep" ? decision.repId : undefined) : candidates[0];
  const rep = scene.reps.find((r) => r.spec.repId === repId);
  return rep ?? { kind: "taken", reason: decision?.reason ?? "nobody of the team can take it" };
}
