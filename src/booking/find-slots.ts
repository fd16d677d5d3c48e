import { bookingWindow, type Interval, type RepFreeTime, type TeamSlot, teamSlots } from "../core/booking/slots";
import type { Fact } from "../core/facts/fact";
import type { Ports } from "../env/ports";
import type { BookableSubmission } from "../intake/booking-source";
import { recordFacts } from "../storage/facts";
import type { BookingScene } from "./booking-scene";
import type { FreeTimeAnswer } from "./booking-types";

export interface FoundSlots {
  slots: TeamSlot[];
  /** Reps whose calendars could not be read, with why. */
  unreachable: { repId: string; reason: string }[];
  /** Calendar calls the lookup made (the reps' objects answer from a minute's cache). */
  calendarCalls: number;
}

/** The rep's object: one per rep, the only writer of the rep's meetings. */
export const repCalendar = (env: Env, repId: string) => env.REP_CALENDARS.getByName(repId);

/** Each offered rep's free time, from their objects side by side; `window` narrows the booking window. */
export async function freeTimes(env: Env, scene: Pick<BookingScene, "reps" | "rules">, now: number, window?: Interval) {
  const wanted = window ?? bookingWindow(scene.rules, now);
  const answers: FreeTimeAnswer[] = await Promise.all(
    scene.reps.map((r) =>
      repCalendar(env, r.spec.repId)
        .freeTime({ rep: r.spec, window: wanted, meetingMs: scene.rules.meetingMs })
        .catch((error: Error): FreeTimeAnswer => ({ ok: false, reason: error.message })),
    ),
  );
  const free: RepFreeTime[] = [];
  const unreachable: FoundSlots["unreachable"] = [];
  let calendarCalls = 0;
  answers.forEach((answer, i) => {
    const { spec, hours } = scene.reps[i]!;
    if (!answer.ok) {
      unreachable.push({ repId: spec.repId, reason: answer.reason });
      return;
    }
    calendarCalls += answer.calendarCalls;
    free.push({ ...hours, busy: answer.busy, booked: answer.booked, ...(answer.offeredStarts ? { offeredStarts: answer.offeredStarts } : {}) });
  });
  return { free, unreachable, calendarCalls };
}

export async function findSlots(env: Env, scene: Pick<BookingScene, "reps" | "rules">, now: number): Promise<FoundSlots> {
  const { free, unreachable, calendarCalls } = await freeTimes(env, scene, now);
  return { slots: teamSlots(free, scene.rules, now), unreachable, calendarCalls };
}

/** Why nothing was offered, in words for the team's channel. */
export function nothingReason(found: FoundSlots, scene: Pick<BookingScene, "reps" | "booking">): string {
  if (found.unreachable.length === scene.reps.length) {
    return `every calendar is unreachable (${found.unreachable.map((u) => `${u.repId}: ${u.reason}`).join("; ")})`;
  }
  return `no free time within ${scene.booking.horizon} (${scene.reps.map((r) => r.spec.name).join(", ")})`;
}

export const leadKeyOf = (submission: BookableSubmission, accountId: string) =>
  submission.recordKey ?? `intake:${submission.crm}:${accountId}:${submission.id}`;

function subject(submission: BookableSubmission, accountId: string): Pick<Fact, "recordKey" | "crm" | "objectType" | "source"> {
  return {
    recordKey: leadKeyOf(submission, accountId),
    crm: submission.crm,
    objectType: submission.crm === "hubspot" ? "contact" : "lead",
    source: submission.source,
  };
}

/** The visitor saw times: counted once per submission (the booking rate's denominator). */
export async function noteOffered(db: D1Database, submission: BookableSubmission, accountId: string, teamId: string | undefined, now: Date) {
  await recordFacts(db, [
    {
      kind: "meetingOffered",
      key: `booking:${submission.id}:offered`,
      at: now.toISOString(),
      ...subject(submission, accountId),
      team: teamId ?? null,
      rep: submission.ownerId ?? null,
      data: { form: submission.formKey },
    },
  ]);
}

/**
 * Nothing could be offered: counted, and the team's alert channel hears of it once per
 * submission (through the outbox). The lead follows its cadence as any other.
 */
export async function noteNothingOffered(
  db: D1Database,
  ports: Ports,
  input: {
    submission: BookableSubmission;
    accountId: string;
    formName: string;
    reason: string;
    teamId?: string;
    alertChannel?: string;
    alert: boolean;
  },
  now: Date,
): Promise<void> {
  const { submission, accountId } = input;
  await recordFacts(db, [
    {
      kind: "meetingNotOffered",
      key: `booking:${submission.id}:not-offered`,
      at: now.toISOString(),
      ...subject(submission, accountId),
      team: input.teamId ?? null,
      rep: submission.ownerId ?? null,
      reason: input.reason.slice(0, 200),
      data: { form: submission.formKey },
    },
  ]);
  if (!input.alert || !input.alertChannel) return;
  const who = [submission.firstName, submission.lastName].filter(Boolean).join(" ") || "A lead";
  await ports.storeEffects([
    {
      idempotencyKey: `booking:${submission.id}:not-offered`,
      leadKey: leadKeyOf(submission, accountId),
      rule: "booking",
      effect: {
        type: "postSlackMessage",
        channel: input.alertChannel,
        text: `${who}${submission.company ? ` (${submission.company})` : ""} sent the "${input.formName}" form and could not book a meeting: ${input.reason}. They follow the normal cadence.`,
      },
    },
  ]);
}
