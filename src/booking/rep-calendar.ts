import { DurableObject } from "cloudflare:workers";
import { DateTime } from "luxon";
import type { CalendarAvailability, CalendarPort, EventInput } from "../calendar/calendar-port";
import { isSlotTaken } from "../calendar/calendar-port";
import { type Interval, slotOpen } from "../core/booking/slots";
import type { Ports } from "../env/ports";
import { type Failure, retryAfterMsOf } from "../platform/failure";
import { followUpBooking } from "./booking-follow-up";
import type { BookAnswer, BookRequest, FreeTimeAnswer, FreeTimeRequest, MoveRequest, RepBooking, RepSpec } from "./booking-types";
import { descriptionOf, titleOf, visitorOf } from "./booking-text";
import { type FollowUp, HOLD_MS, RepCalendarStore } from "./rep-calendar-store";

/** How long a calendar's busy time is reused for offering times; a booking always reads it fresh. */
export const AVAILABILITY_TTL_MS = 60_000;
/** A lookup's window is fetched this much wider, so the cached answer serves the lookups of the next minutes. */
const FETCH_MARGIN_MS = 86_400_000;
/** Follow-ups that failed are tried again from the alarm, backing off to this. */
const FOLLOW_UP_RETRY_MAX_MS = 15 * 60_000;
/** The alarm also forgets lapsed holds and old meetings, this often. */
const HOUSEKEEPING_MS = 6 * 3_600_000;
/**
 * Calendar calls in flight for one rep at most: Outlook refuses a fifth concurrent request for one
 * app and mailbox (429 ApplicationThrottled, "MailboxConcurrency"); the others are as well off.
 */
export const CALLS_PER_REP = 4;

/** A count of calls in flight: a call past the count waits for one to end, in order. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await call();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

interface Cached extends CalendarAvailability {
  window: Interval;
  at: number;
}

/**
 * One object per rep (named by the policy's rep id): the only writer of that rep's meetings.
 * It holds a slot from the moment a visitor asks for it until the calendar has the event, so two
 * visitors asking for the same time get one meeting and one "taken", and it reads the calendar
 * again before it confirms (a meeting put in meanwhile by hand is seen). Free time for offering
 * times is cached a minute per calendar; its own holds and meetings are always added to it.
 * After a meeting is booked, moved or cancelled it runs what follows (src/booking/booking-follow-up.ts)
 * and tries that again from its alarm until it is done.
 */
export abstract class RepCalendar extends DurableObject<Env> {
  private readonly store: RepCalendarStore;
  private readonly ports: Ports;
  private readonly cache = new Map<string, Cached>();
  private readonly fetching = new Map<string, Promise<{ answer: FreeTimeAnswer; calls: number }>>();
  /** Bookings being confirmed: a second request for the same booking waits for the first's answer. */
  private readonly inFlight = new Map<string, Promise<BookAnswer>>();
  private readonly gate = new Gate(CALLS_PER_REP);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RepCalendarStore(ctx.storage.sql);
    this.ports = this.portsOf(env);
  }

  /** The calendars, outbox and clock this rep's object reaches the world through. */
  protected abstract portsOf(env: Env): Ports;

  /** The rep's calendar, its calls through the rep's gate. */
  private calendarOf(rep: RepSpec): CalendarPort | undefined {
    const port = this.ports.calendar(rep.provider);
    if (!port) return undefined;
    const gate = this.gate;
    return {
      provider: port.provider,
      logsCrmMeeting: port.logsCrmMeeting,
      availability: (...args) => gate.run(() => port.availability(...args)),
      createEvent: (...args) => gate.run(() => port.createEvent(...args)),
      moveEvent: (...args) => gate.run(() => port.moveEvent(...args)),
      cancelEvent: (...args) => gate.run(() => port.cancelEvent(...args)),
    };
  }

  private now(): number {
    return this.ports.clock.now();
  }

  /** The rep's busy time in the window (cached a minute), with the meetings held and booked here. */
  async freeTime(request: FreeTimeRequest): Promise<FreeTimeAnswer> {
    const { rep, window, meetingMs } = request;
    const key = `${rep.provider}:${rep.calendarId}:${meetingMs}`;
    const now = this.now();
    const cached = this.cache.get(key);
    let calls = 0;
    let availability: CalendarAvailability;
    if (cached && now - cached.at < AVAILABILITY_TTL_MS && cached.window.start <= window.start && cached.window.end >= window.end) {
      availability = cached;
    } else {
      // Lookups arriving together share one call.
      let fetch = this.fetching.get(key);
      if (!fetch) {
        fetch = this.fetchAvailability(rep, window, meetingMs, key).finally(() => this.fetching.delete(key));
        this.fetching.set(key, fetch);
      }
      const fetched = await fetch;
      if (!fetched.answer.ok) return fetched.answer;
      calls = fetched.calls;
      availability = fetched.answer;
    }
    const own = this.store.taken(window.start - meetingMs, window.end, now);
    return {
      ok: true,
      busy: [...availability.busy.filter((b) => b.end > window.start && b.start < window.end), ...own],
      booked: this.store.bookedStarts(window.start - 86_400_000, window.end + 86_400_000),
      ...(availability.offeredStarts ? { offeredStarts: availability.offeredStarts.filter((s) => s >= window.start && s < window.end) } : {}),
      calendarCalls: calls,
    };
  }

  private async fetchAvailability(
    rep: RepSpec,
    window: Interval,
    meetingMs: number,
    key: string,
  ): Promise<{ answer: FreeTimeAnswer; calls: number }> {
    const calendar = this.calendarOf(rep);
    if (!calendar) return { answer: { ok: false, reason: `${rep.provider} calendars are not configured` }, calls: 0 };
    const wide = { start: window.start, end: window.end + FETCH_MARGIN_MS };
    const read = await calendar.availability(rep.calendarId, wide, meetingMs, rep.zone);
    if (!read.ok) return { answer: { ok: false, reason: read.failure.message }, calls: 1 };
    this.cache.set(key, { ...read.value, window: wide, at: this.now() });
    return {
      answer: {
        ok: true,
        busy: read.value.busy,
        booked: [],
        ...(read.value.offeredStarts ? { offeredStarts: read.value.offeredStarts } : {}),
        calendarCalls: 1,
      },
      calls: 1,
    };
  }

  /**
   * Books the time for the submission, once. Everything up to the hold runs without a pause, so
   * of two requests for one time the second sees the first's hold and is told "taken" at once.
   */
  async book(request: BookRequest): Promise<BookAnswer> {
    const now = this.now();
    const existing = this.store.booking(request.bookingId);
    if (existing) return answerFor(existing, request.attemptHash);
    const running = this.inFlight.get(request.bookingId);
    if (running) return running.then((answer) => (answer.kind === "booked" ? answerFor(answer.booking, request.attemptHash) : answer));
    const slot = { start: request.start, end: request.start + request.rules.meetingMs };
    const clash = this.clash(request, slot, now);
    if (clash) return { kind: "taken", reason: clash };
    this.store.hold(request.bookingId, slot, now + HOLD_MS);
    const confirming = this.confirm(request, slot).finally(() => this.inFlight.delete(request.bookingId));
    this.inFlight.set(request.bookingId, confirming);
    return confirming;
  }

  /** Why the slot cannot be had, from what this object knows (its meetings and holds); undefined when it can. */
  private clash(
    request: Pick<BookRequest, "rep" | "rules" | "bookingId">,
    slot: Interval,
    now: number,
    except = request.bookingId,
  ): string | undefined {
    const { rules, rep } = request;
    const taken = this.store.taken(slot.start - rules.bufferBeforeMs, slot.end + rules.bufferAfterMs, now, except);
    if (taken.length > 0) return "another visitor has just booked or is booking this time";
    const day = DateTime.fromMillis(slot.start, { zone: rep.zone });
    const sameDay = this.store.bookedStarts(day.startOf("day").toMillis(), day.endOf("day").toMillis() + 1, except);
    if (sameDay.length >= rep.maxPerDay) return `${rep.name} has as many meetings that day as they take`;
    return undefined;
  }

  private async confirm(request: BookRequest, slot: Interval): Promise<BookAnswer> {
    const { rep } = request;
    const calendar = this.calendarOf(rep);
    if (!calendar) {
      this.store.release(request.bookingId);
      return { kind: "unavailable", reason: `${rep.provider} calendars are not configured` };
    }
    // A retry after a lost answer may find its own event in the calendar: that is not a clash.
    if (!this.store.maybeMade(request.bookingId, slot.start, this.now())) {
      const taken = await this.recheck(calendar, request, slot);
      if (taken) {
        this.store.release(request.bookingId);
        return taken;
      }
    }
    // The cache is not forgotten for our own event: the meetings this object holds are added to every answer.
    const made = await calendar.createEvent(this.eventInput(request, slot));
    if (!made.ok) return this.failed(request.bookingId, made.failure);
    const booking: RepBooking = {
      id: request.bookingId,
      submissionId: request.submissionId,
      attemptHash: request.attemptHash,
      status: "booked",
      start: slot.start,
      end: slot.end,
      sequence: 0,
      bookedAt: this.now(),
      event: made.value,
      rep,
      context: request.context,
    };
    this.store.save(booking, "booked");
    this.store.release(request.bookingId);
    await this.followUp(booking, "booked");
    return { kind: "booked", booking, replay: false };
  }

  /** The calendar read fresh around the slot: "taken" when it is no longer free, "unavailable" when it cannot be read. */
  private async recheck(
    calendar: CalendarPort,
    request: Pick<BookRequest, "rep" | "rules" | "hours" | "now" | "bookingId">,
    slot: Interval,
    ignore?: Interval,
  ): Promise<BookAnswer | undefined> {
    const { rep, rules } = request;
    const window = { start: slot.start - rules.bufferBeforeMs - 60_000, end: slot.end + rules.bufferAfterMs + 60_000 };
    const fresh = await calendar.availability(rep.calendarId, window, rules.meetingMs, rep.zone);
    if (!fresh.ok) return { kind: "unavailable", reason: fresh.failure.message, ...retryOf(fresh.failure) };
    const busy = fresh.value.busy.filter((b) => !(ignore && b.start === ignore.start && b.end === ignore.end));
    const free = {
      ...request.hours,
      busy: [...busy, ...this.store.taken(window.start, window.end, this.now(), request.bookingId)],
      booked: this.store.bookedStarts(slot.start - 86_400_000, slot.start + 86_400_000, request.bookingId),
      ...(fresh.value.offeredStarts ? { offeredStarts: fresh.value.offeredStarts } : {}),
    };
    return slotOpen(free, rules, slot.start, request.now) ? undefined : { kind: "taken", reason: "the time is no longer free in the calendar" };
  }

  private failed(bookingId: string, failure: Failure): BookAnswer {
    if (isSlotTaken(failure)) {
      this.store.release(bookingId);
      return { kind: "taken", reason: failure.message };
    }
    // A call that may have been applied keeps its hold, marked: the retry finds its own event.
    if (failure.kind === "transient") this.store.keepHoldMaybeMade(bookingId);
    else this.store.release(bookingId);
    return { kind: "unavailable", reason: failure.message, ...retryOf(failure) };
  }

  private eventInput(request: Pick<BookRequest, "bookingId" | "rep" | "title" | "description" | "visitor">, slot: Interval): EventInput {
    return {
      key: request.bookingId,
      calendar: request.rep.calendarId,
      start: new Date(slot.start),
      end: new Date(slot.end),
      zone: request.rep.zone,
      title: request.title,
      description: request.description,
      visitor: request.visitor,
    };
  }

  /** Moves a booked meeting to another free time of the same rep. */
  async move(request: MoveRequest): Promise<BookAnswer> {
    const now = this.now();
    const booking = this.store.booking(request.bookingId);
    if (!booking) return { kind: "notFound" };
    if (booking.status !== "booked") return { kind: "alreadyBooked", status: booking.status };
    if (booking.start === request.start) return { kind: "booked", booking, replay: true };
    if (this.inFlight.has(request.bookingId)) return { kind: "unavailable", reason: "a change of this meeting is being made", retryAfterMs: 2_000 };
    const slot = { start: request.start, end: request.start + request.rules.meetingMs };
    const clash = this.clash({ rep: booking.rep, rules: request.rules, bookingId: booking.id }, slot, now);
    if (clash) return { kind: "taken", reason: clash };
    this.store.hold(booking.id, slot, now + HOLD_MS);
    const moving = this.moveTo(booking, request, slot).finally(() => this.inFlight.delete(request.bookingId));
    this.inFlight.set(request.bookingId, moving);
    return moving;
  }

  private async moveTo(booking: RepBooking, request: MoveRequest, slot: Interval): Promise<BookAnswer> {
    const calendar = this.calendarOf(booking.rep);
    if (!calendar) {
      this.store.release(booking.id);
      return { kind: "unavailable", reason: `${booking.rep.provider} calendars are not configured` };
    }
    const ask = { rep: booking.rep, rules: request.rules, hours: request.hours, now: request.now, bookingId: booking.id };
    const taken = await this.recheck(calendar, ask, slot, { start: booking.start, end: booking.end });
    if (taken) {
      this.store.release(booking.id);
      return taken;
    }
    const input = this.eventInput(
      { bookingId: booking.id, rep: booking.rep, title: titleOf(booking), description: descriptionOf(booking), visitor: visitorOf(booking) },
      slot,
    );
    const moved = await calendar.moveEvent(input, booking.event);
    if (!moved.ok) return this.failed(booking.id, moved.failure);
    const next: RepBooking = { ...booking, start: slot.start, end: slot.end, sequence: booking.sequence + 1, event: moved.value };
    this.store.save(next, "moved");
    this.store.release(booking.id);
    await this.followUp(next, "moved");
    return { kind: "booked", booking: next, replay: false };
  }

  /** Cancels a booked meeting: the calendar event (the visitor told), then the CRM and the rep. */
  async cancel(bookingId: string, reason: string): Promise<BookAnswer> {
    const booking = this.store.booking(bookingId);
    if (!booking) return { kind: "notFound" };
    if (booking.status === "cancelled") return { kind: "alreadyBooked", status: "cancelled" };
    if (this.inFlight.has(bookingId)) return { kind: "unavailable", reason: "a change of this meeting is being made", retryAfterMs: 2_000 };
    const calendar = this.calendarOf(booking.rep);
    if (!calendar) return { kind: "unavailable", reason: `${booking.rep.provider} calendars are not configured` };
    const cancelling = (async (): Promise<BookAnswer> => {
      // The cached busy time still holds the cancelled meeting for up to a minute: offered again after that.
      const done = await calendar.cancelEvent(booking.rep.calendarId, booking.event, reason);
      if (!done.ok) return { kind: "unavailable", reason: done.failure.message, ...retryOf(done.failure) };
      const cancelled: RepBooking = { ...booking, status: "cancelled" };
      this.store.save(cancelled, "cancelled");
      await this.followUp(cancelled, "cancelled");
      return { kind: "alreadyBooked", status: "cancelled" };
    })().finally(() => this.inFlight.delete(bookingId));
    this.inFlight.set(bookingId, cancelling);
    return cancelling;
  }

  /** The meeting as this object keeps it (tests and the manage page's fallback). */
  async booking(bookingId: string): Promise<RepBooking | undefined> {
    return this.store.booking(bookingId);
  }

  /** Runs what follows a change; a failure is tried again from the alarm (never lost, never twice: each part is keyed). */
  private async followUp(booking: RepBooking, change: FollowUp): Promise<void> {
    try {
      await followUpBooking(this.env, this.ports, booking, change);
      this.store.followedUp(booking.id, change, booking.sequence);
      // Lapsed holds and meetings long past are forgotten from the alarm.
      await this.armAlarm(HOUSEKEEPING_MS);
    } catch (error) {
      const attempts = this.store.followUpFailed(booking.id);
      console.error(`booking ${booking.id}: follow-up of ${change} failed (attempt ${attempts}): ${(error as Error).message}`);
      await this.armAlarm(Math.min(FOLLOW_UP_RETRY_MAX_MS, 5_000 * 2 ** Math.min(attempts, 10)));
    }
  }

  private async armAlarm(inMs: number): Promise<void> {
    const at = this.now() + inMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const now = this.now();
    const pending = this.store.pendingFollowUps();
    for (const { booking, followUp } of pending) await this.followUp(booking, followUp);
    this.store.forget(now);
    if (this.store.pendingFollowUps().length === 0) await this.armAlarm(HOUSEKEEPING_MS);
  }
}

function answerFor(booking: RepBooking, attemptHash: string): BookAnswer {
  if (booking.status === "cancelled") return { kind: "alreadyBooked", status: "cancelled" };
  // Only the attempt that booked gets the meeting back (and with it the link that changes it).
  return booking.attemptHash === attemptHash ? { kind: "booked", booking, replay: true } : { kind: "alreadyBooked", status: "booked" };
}

const retryOf = (failure: Failure): { retryAfterMs?: number } => {
  const ms = retryAfterMsOf(failure);
  return ms > 0 ? { retryAfterMs: ms } : {};
};
