import { and, eq, lt, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type BookingRow, bookings } from "./schema";

/*
 * Bookings by submission (migration 0030), written by the booking feature. A claim makes one
 * booking attempt of a submission the only one in flight: a second page of the same submission
 * (another tab, or someone else who reached its booking link) waits or is told it is booked.
 */

export type { BookingRow } from "./schema";

export interface BookingClaim {
  id: string;
  submissionId: string;
  formKey: string;
  source: string;
  crm: "hubspot" | "salesforce";
  attemptHash: string;
  submittedAt: string;
  now: Date;
  /** The claim lapses then, should the attempt never finish. */
  until: Date;
}

/**
 * Claims the submission's booking for an attempt, unless another attempt holds a live claim or
 * a meeting is booked (or was cancelled): the row as it stands after, to tell which.
 */
export async function claimBooking(db: D1Database, claim: BookingClaim): Promise<BookingRow> {
  const d1 = drizzle(db);
  const now = claim.now.toISOString();
  const [, [row]] = await d1.batch([
    d1
      .insert(bookings)
      .values({
        id: claim.id,
        submissionId: claim.submissionId,
        formKey: claim.formKey,
        source: claim.source,
        crm: claim.crm,
        status: "holding",
        attemptHash: claim.attemptHash,
        claimedUntil: claim.until.toISOString(),
        submittedAt: claim.submittedAt,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: bookings.submissionId,
        set: { status: "holding", attemptHash: claim.attemptHash, claimedUntil: claim.until.toISOString(), updatedAt: now },
        setWhere: or(
          eq(bookings.status, "released"),
          and(eq(bookings.status, "holding"), or(lt(bookings.claimedUntil, now), eq(bookings.attemptHash, sql`excluded.attempt_hash`))),
        ),
      }),
    d1.select().from(bookings).where(eq(bookings.submissionId, claim.submissionId)),
  ]);
  return row!;
}

/** The attempt found no meeting (the time was taken, the calendar failed): the next attempt may claim. */
export async function releaseClaim(db: D1Database, id: string, attemptHash: string, now: Date): Promise<void> {
  await drizzle(db)
    .update(bookings)
    .set({ status: "released", claimedUntil: null, updatedAt: now.toISOString() })
    .where(and(eq(bookings.id, id), eq(bookings.status, "holding"), eq(bookings.attemptHash, attemptHash)));
}

export interface BookedMeeting {
  id: string;
  /** The attempt that booked it: its page may ask again and get the same meeting. */
  attemptHash: string;
  repId: string;
  ownerId: string | null;
  teamId: string | null;
  provider: "google" | "microsoft" | "hubspot";
  startsAt: string;
  endsAt: string;
  visitorZone: string | null;
  joinUrl: string | null;
  sequence: number;
  bookedAt: string;
}

/** The meeting as booked or moved (a later sequence wins; an older one arriving late changes nothing). */
export async function recordBooked(db: D1Database, meeting: BookedMeeting, now: Date): Promise<void> {
  await drizzle(db)
    .update(bookings)
    .set({
      status: "booked",
      claimedUntil: null,
      attemptHash: meeting.attemptHash,
      repId: meeting.repId,
      ownerId: meeting.ownerId,
      teamId: meeting.teamId,
      provider: meeting.provider,
      startsAt: meeting.startsAt,
      endsAt: meeting.endsAt,
      visitorZone: meeting.visitorZone,
      joinUrl: meeting.joinUrl,
      sequence: meeting.sequence,
      bookedAt: sql`coalesce(${bookings.bookedAt}, ${meeting.bookedAt})`,
      updatedAt: now.toISOString(),
    })
    .where(
      and(
        eq(bookings.id, meeting.id),
        // What the rep's object confirmed stands over a claim (even one given back meanwhile); a later move over an earlier.
        or(
          eq(bookings.status, "holding"),
          eq(bookings.status, "released"),
          and(eq(bookings.status, "booked"), sql`${bookings.sequence} <= ${meeting.sequence}`),
        ),
      ),
    );
}

export async function recordCancelled(db: D1Database, id: string, at: Date): Promise<void> {
  await drizzle(db)
    .update(bookings)
    .set({ status: "cancelled", cancelledAt: at.toISOString(), updatedAt: at.toISOString() })
    .where(and(eq(bookings.id, id), eq(bookings.status, "booked")));
}

export async function bookingById(db: D1Database, id: string): Promise<BookingRow | undefined> {
  const [row] = await drizzle(db).select().from(bookings).where(eq(bookings.id, id));
  return row;
}

export async function bookingOfSubmission(db: D1Database, submissionId: string): Promise<BookingRow | undefined> {
  const [row] = await drizzle(db).select().from(bookings).where(eq(bookings.submissionId, submissionId));
  return row;
}
