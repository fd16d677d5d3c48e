import type { Interval } from "../core/booking/slots";
import type { CalendarProvider } from "../core/policy/booking-policy";
import type { Failure, Result } from "../platform/failure";

/**
 * What booking needs from a rep's calendar: its busy time (and, where the calendar decides them,
 * the start times it offers), and an event put in, moved and cancelled, with the visitor invited.
 * Each adapter makes its writes idempotent its own way (Google: the event id we choose; Microsoft
 * Graph: transactionId; HubSpot's scheduler has no key, so it looks for the meeting first), so a
 * retried booking finds the event an earlier try made instead of making a second one.
 */

export interface CalendarAvailability {
  busy: Interval[];
  /** The start times the calendar offers (a HubSpot meeting link decides them); absent: any free time. */
  offeredStarts?: number[];
}

export interface Visitor {
  email: string;
  name: string;
  firstName?: string;
  lastName?: string;
  /** The visitor's IANA zone, when known. */
  timeZone?: string;
}

export interface EventInput {
  /** The booking's id (40 hex characters): the event's idempotency key. */
  key: string;
  /** The rep's calendar (RepCalendar.id). */
  calendar: string;
  start: Date;
  end: Date;
  /** The rep's IANA zone: how the event's times are written. */
  zone: string;
  title: string;
  description: string;
  visitor: Visitor;
}

export interface CalendarEvent {
  eventId: string;
  start: Date;
  end: Date;
  /** The video meeting's link (Meet, Teams, the meeting link's conference). */
  joinUrl?: string;
  /** The event in the rep's calendar app. */
  htmlLink?: string;
  /** The CRM meeting the calendar itself logged (HubSpot's scheduler logs one on the contact). */
  crmMeetingId?: string;
}

/** The time asked for is not free in the calendar (someone took it meanwhile, or it was never offered). */
export const SLOT_TAKEN = "slot_taken";
export const slotTaken = (message: string): Failure => ({ kind: "permanent", status: 409, code: SLOT_TAKEN, message });
export const isSlotTaken = (failure: Failure): boolean => failure.code === SLOT_TAKEN;

export interface CalendarPort {
  readonly provider: CalendarProvider;
  /** The calendar logs the meeting in the CRM itself (HubSpot's scheduler): the service does not log a second one. */
  readonly logsCrmMeeting: boolean;
  /** Busy time in the window; `meetingMs` and `zone` for calendars that offer start times per meeting length. */
  availability(calendar: string, window: Interval, meetingMs: number, zone: string): Promise<Result<CalendarAvailability>>;
  /** Puts the meeting in, inviting the visitor (with a video link); again with the same key finds it. */
  createEvent(input: EventInput): Promise<Result<CalendarEvent>>;
  /** Moves the meeting to input's times (a calendar that cannot move books anew and cancels the old). */
  moveEvent(input: EventInput, current: CalendarEvent): Promise<Result<CalendarEvent>>;
  /** Cancels it, telling the visitor; an event already gone is cancelled. */
  cancelEvent(calendar: string, current: CalendarEvent, reason: string): Promise<Result<void>>;
}
