import type { Interval } from "../core/booking/slots";
import type { RepBooking } from "./booking-types";

/** What follows a change still has to be done (D1, the outbox, facts): retried from the alarm until it is. */
export type FollowUp = "booked" | "moved" | "cancelled";

type BookingRowSql = {
  booking_json: string;
  follow_up: FollowUp | null;
  follow_up_attempts: number;
};

/** Meetings whose time has passed this long ago are forgotten: only the calendar and the CRM keep them. */
export const FORGET_AFTER_MS = 90 * 86_400_000;

/**
 * The rep's object's own SQLite: the meetings it booked (with what a retry of their follow-up
 * needs) and the holds of bookings being confirmed right now. Every method is synchronous: a
 * check and the hold it leads to happen with nothing else running in between.
 */
export class RepCalendarStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS bookings (
      id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      start_ms INTEGER NOT NULL,
      end_ms INTEGER NOT NULL,
      booking_json TEXT NOT NULL,
      follow_up TEXT,
      follow_up_attempts INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS bookings_by_start ON bookings (start_ms)");
    // A hold: a booking (or a move) being confirmed. `maybe_made`: the calendar may have the event
    // already (its answer was lost), so a retry of the same time does not take it for a stranger's.
    sql.exec(`CREATE TABLE IF NOT EXISTS holds (
      booking_id TEXT PRIMARY KEY,
      start_ms INTEGER NOT NULL,
      end_ms INTEGER NOT NULL,
      until_ms INTEGER NOT NULL,
      maybe_made INTEGER NOT NULL DEFAULT 0
    )`);
  }

  booking(id: string): RepBooking | undefined {
    const row = this.sql.exec<{ booking_json: string }>("SELECT booking_json FROM bookings WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.booking_json) as RepBooking) : undefined;
  }

  save(booking: RepBooking, followUp: FollowUp | null): void {
    this.sql.exec(
      `INSERT INTO bookings (id, status, start_ms, end_ms, booking_json, follow_up, follow_up_attempts) VALUES (?, ?, ?, ?, ?, ?, 0)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, start_ms = excluded.start_ms, end_ms = excluded.end_ms,
         booking_json = excluded.booking_json, follow_up = excluded.follow_up, follow_up_attempts = 0`,
      booking.id,
      booking.status,
      booking.start,
      booking.end,
      JSON.stringify(booking),
      followUp,
    );
  }

  /** The follow-up of this change is done, unless a newer change replaced it meanwhile. */
  followedUp(id: string, followUp: FollowUp, sequence: number): void {
    const booking = this.booking(id);
    if (booking && booking.sequence === sequence) this.sql.exec("UPDATE bookings SET follow_up = NULL WHERE id = ? AND follow_up = ?", id, followUp);
  }

  followUpFailed(id: string): number {
    this.sql.exec("UPDATE bookings SET follow_up_attempts = follow_up_attempts + 1 WHERE id = ?", id);
    return this.sql.exec<{ n: number }>("SELECT follow_up_attempts AS n FROM bookings WHERE id = ?", id).toArray()[0]?.n ?? 0;
  }

  pendingFollowUps(): { booking: RepBooking; followUp: FollowUp; attempts: number }[] {
    return this.sql
      .exec<BookingRowSql>("SELECT booking_json, follow_up, follow_up_attempts FROM bookings WHERE follow_up IS NOT NULL")
      .toArray()
      .map((r) => ({ booking: JSON.parse(r.booking_json) as RepBooking, followUp: r.follow_up!, attempts: r.follow_up_attempts }));
  }

  /** Booked meetings and live holds overlapping [from, to), but for the booking named (a move does not clash with itself). */
  taken(from: number, to: number, now: number, except?: string): Interval[] {
    const booked = this.sql
      .exec<{ start_ms: number; end_ms: number }>(
        "SELECT start_ms, end_ms FROM bookings WHERE status = 'booked' AND start_ms < ? AND end_ms > ? AND id != ?",
        to,
        from,
        except ?? "",
      )
      .toArray();
    const held = this.sql
      .exec<{ start_ms: number; end_ms: number }>(
        "SELECT start_ms, end_ms FROM holds WHERE until_ms > ? AND start_ms < ? AND end_ms > ? AND booking_id != ?",
        now,
        to,
        from,
        except ?? "",
      )
      .toArray();
    return [...booked, ...held].map((r) => ({ start: r.start_ms, end: r.end_ms }));
  }

  /** Starts of the booked meetings in [from, to), but for the booking named. */
  bookedStarts(from: number, to: number, except?: string): number[] {
    return this.sql
      .exec<{ start_ms: number }>(
        "SELECT start_ms FROM bookings WHERE status = 'booked' AND start_ms >= ? AND start_ms < ? AND id != ?",
        from,
        to,
        except ?? "",
      )
      .toArray()
      .map((r) => r.start_ms);
  }

  hold(bookingId: string, slot: Interval, until: number): void {
    this.sql.exec(
      `INSERT INTO holds (booking_id, start_ms, end_ms, until_ms, maybe_made) VALUES (?, ?, ?, ?, 0)
       ON CONFLICT (booking_id) DO UPDATE SET
         maybe_made = CASE WHEN holds.start_ms = excluded.start_ms THEN holds.maybe_made ELSE 0 END,
         start_ms = excluded.start_ms, end_ms = excluded.end_ms, until_ms = excluded.until_ms`,
      bookingId,
      slot.start,
      slot.end,
      until,
    );
  }

  /** Whether an earlier try of this booking at this start may have made the event (its answer was lost). */
  maybeMade(bookingId: string, start: number, now: number): boolean {
    return (
      this.sql.exec("SELECT 1 FROM holds WHERE booking_id = ? AND start_ms = ? AND maybe_made = 1 AND until_ms > ?", bookingId, start, now).toArray()
        .length > 0
    );
  }

  /** The calendar call failed in a way that may have applied it: the hold stays, marked, until it lapses. */
  keepHoldMaybeMade(bookingId: string): void {
    this.sql.exec("UPDATE holds SET maybe_made = 1 WHERE booking_id = ?", bookingId);
  }

  release(bookingId: string): void {
    this.sql.exec("DELETE FROM holds WHERE booking_id = ?", bookingId);
  }

  /** Lapsed holds and meetings long past go. */
  forget(now: number): void {
    this.sql.exec("DELETE FROM holds WHERE until_ms <= ?", now);
    this.sql.exec("DELETE FROM bookings WHERE end_ms < ? AND follow_up IS NULL", now - FORGET_AFTER_MS);
  }
}

/** How long a booking being confirmed holds its time: the calendar's answer comes in seconds. */
export const HOLD_MS = 60_000;
