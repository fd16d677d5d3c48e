import { z } from "zod";
import { DurationWithin, Id } from "./policy-fields";

/**
 * Booking on the spot: which forms offer a meeting right after the submission, whose times
 * (the routed rep's, or the team's "whoever can meet soonest"), how long a meeting is, the
 * buffers around it, how soon and how far ahead it may be, and which calendar serves each rep.
 * Part of the policy document; validated with it.
 */

/** Where a rep's free time is read and meetings are put: Google Workspace, Microsoft 365, or a HubSpot meeting link. */
export const CALENDAR_PROVIDERS = ["google", "microsoft", "hubspot"] as const;
export const CalendarProvider = z.enum(CALENDAR_PROVIDERS);
export type CalendarProvider = z.infer<typeof CalendarProvider>;

/** A rep's calendar (on the rep in `reps`). */
export const RepCalendar = z.object({
  /** Default: the booking section's `calendar`. */
  provider: CalendarProvider.optional(),
  /**
   * Google: the rep's Workspace address (the delegated user and calendar). Microsoft 365: the rep's
   * userPrincipalName or user id. HubSpot: the slug of the rep's personal meeting link.
   */
  id: z.string().trim().min(1).max(254),
  /** Most meetings booked here per day of the rep's zone; default the booking section's maxPerDay. */
  maxPerDay: z.number().int().min(1).max(50).optional(),
});
export type RepCalendar = z.infer<typeof RepCalendar>;

export const BOOKING_OFFERS = ["routedRep", "soonest"] as const;

export const BookingForm = z.object({
  form: Id,
  /**
   * routedRep: the free times of the rep the submission was routed to. soonest: the free times of
   * every member of the routed team; a time several are free at goes to the one the team's fair
   * rotation picks (a lead whose owner was already known still books with that owner).
   */
  offer: z.enum(BOOKING_OFFERS).default("routedRep"),
});
export type BookingForm = z.infer<typeof BookingForm>;

export const BookingPolicy = z.object({
  forms: z.array(BookingForm).min(1).max(100),
  /** The calendar of reps whose own does not say. */
  calendar: CalendarProvider.default("google"),
  meetingLength: DurationWithin("PT10M", "PT4H").default("PT30M"),
  /** Free time kept before and after each meeting, against the rep's other events. */
  bufferBefore: DurationWithin("PT0S", "PT2H").default("PT0S"),
  bufferAfter: DurationWithin("PT0S", "PT2H").default("PT10M"),
  /** No meeting sooner than this after the visitor looks. */
  minimumNotice: DurationWithin("PT0S", "P7D").default("PT2H"),
  /** No meeting later than this after the visitor looks. */
  horizon: DurationWithin("PT12H", "P120D").default("P14D"),
  /** Start times every so often from the start of the rep's working hours (09:00, 09:15, …). */
  slotStep: DurationWithin("PT5M", "PT2H").default("PT15M"),
  /** Most meetings booked per rep per day of the rep's zone (a rep's calendar may say otherwise). */
  maxPerDay: z.number().int().min(1).max(50).default(6),
  /** Most times offered at once: the soonest ones. */
  maxSlots: z.number().int().min(1).max(200).default(60),
  /** How long the booking link in the form's answer works. */
  linkLifetime: DurationWithin("PT10M", "P7D").default("PT2H"),
});
export type BookingPolicy = z.infer<typeof BookingPolicy>;

type Issue = { path: (string | number)[]; message: string };

/** Cross-field checks of the booking section, reported with paths under `booking`. */
export function bookingIssues(booking: BookingPolicy, formKeys: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  booking.forms.forEach((entry, i) => {
    if (!formKeys.has(entry.form)) issues.push({ path: ["forms", i, "form"], message: `unknown form "${entry.form}"` });
    if (booking.forms.findIndex((other) => other.form === entry.form) !== i)
      issues.push({ path: ["forms", i, "form"], message: `form "${entry.form}" is listed twice` });
  });
  return issues;
}

/** The booking settings of a form, or undefined when the form offers no meeting. */
export function bookingFormOf(booking: BookingPolicy | undefined, formKey: string): BookingForm | undefined {
  return booking?.forms.find((f) => f.form === formKey);
}
