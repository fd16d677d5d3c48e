import type { CalendarEvent } from "../calendar/calendar-port";
import type { Interval, RepFreeTime, SlotRules } from "../core/booking/slots";
import type { CalendarProvider } from "../core/policy/booking-policy";
import type { BookableSubmission } from "../intake/booking-source";

/** A rep as booking needs them: who, their calendar, and how their days are counted. */
export interface RepSpec {
  repId: string;
  name: string;
  /** The rep's owner id in the submission's CRM. */
  ownerId?: string;
  slackUserId?: string;
  zone: string;
  provider: CalendarProvider;
  calendarId: string;
  maxPerDay: number;
}

/** The rep's hours, days off and availability: the slot rules' other half (busy time comes from the calendar). */
export type RepHours = Omit<RepFreeTime, "busy" | "booked" | "offeredStarts">;

/** What follows a booking needs to know, kept with the booking in the rep's object so a retry can finish it. */
export interface BookingContext {
  submission: BookableSubmission;
  /** The CRM account the lead is written to (HubSpot portal, Salesforce org). */
  accountId: string;
  formName: string;
  teamId?: string;
  /** The lead goes to this rep: a team's booking went to another rep than intake routed it to. */
  assignOwner: boolean;
  /** The effects' lead key: the record when known, else the submission's. */
  leadKey: string;
  /** The team's alert channel (Slack). */
  alertChannel?: string;
}

/** A meeting the rep's object booked, as it keeps it. */
export interface RepBooking {
  id: string;
  submissionId: string;
  attemptHash: string;
  status: "booked" | "cancelled";
  start: number;
  end: number;
  /** Moves so far. */
  sequence: number;
  bookedAt: number;
  event: CalendarEvent;
  rep: RepSpec;
  context: BookingContext;
}

export interface FreeTimeRequest {
  rep: RepSpec;
  window: Interval;
  meetingMs: number;
}

export type FreeTimeAnswer =
  | {
      ok: true;
      /** The calendar's busy time, with the meetings this object holds or booked. */
      busy: Interval[];
      /** Starts of the meetings booked here (a day's count against maxPerDay). */
      booked: number[];
      offeredStarts?: number[];
      /** Calendar calls this answer made (0: from the cache). */
      calendarCalls: number;
    }
  | { ok: false; reason: string };

export interface BookRequest {
  bookingId: string;
  submissionId: string;
  attemptHash: string;
  rep: RepSpec;
  hours: RepHours;
  rules: SlotRules;
  start: number;
  /** The instant the visitor books at (the notice and horizon count from it). */
  now: number;
  title: string;
  description: string;
  visitor: { email: string; name: string; firstName?: string; lastName?: string; timeZone?: string };
  context: BookingContext;
}

export interface MoveRequest {
  bookingId: string;
  hours: RepHours;
  rules: SlotRules;
  start: number;
  now: number;
}

export type BookAnswer =
  | { kind: "booked"; booking: RepBooking; replay: boolean }
  /** The time is not free (taken meanwhile, or no longer offered). */
  | { kind: "taken"; reason: string }
  /** This submission has a meeting booked by another attempt (or cancelled). */
  | { kind: "alreadyBooked"; status: "booked" | "cancelled" }
  /** The calendar could not be asked or written: try again. */
  | { kind: "unavailable"; reason: string; retryAfterMs?: number }
  | { kind: "notFound" };
