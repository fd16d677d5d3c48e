import type { EventInput } from "../calendar/calendar-port";
import type { RepBooking } from "./booking-types";

/** How a booking names things: the visitor, the event's title and what the invitation says. */

export const visitorName = (s: RepBooking["context"]["submission"]): string => [s.firstName, s.lastName].filter(Boolean).join(" ") || s.email;

export function visitorOf(booking: Pick<RepBooking, "context">): EventInput["visitor"] {
  const s = booking.context.submission;
  return {
    email: s.email,
    name: visitorName(s),
    ...(s.firstName ? { firstName: s.firstName } : {}),
    ...(s.lastName ? { lastName: s.lastName } : {}),
    ...(s.timeZone ? { timeZone: s.timeZone } : {}),
  };
}

/** The event's title: the form, the visitor and the rep. */
export function titleOf(booking: Pick<RepBooking, "context" | "rep">): string {
  const s = booking.context.submission;
  return `${booking.context.formName}: ${visitorName(s)}${s.company ? ` (${s.company})` : ""} and ${booking.rep.name}`.slice(0, 250);
}

/** What the invitation says (the visitor reads it: nothing internal, no score). */
export function descriptionOf(booking: Pick<RepBooking, "context" | "rep">): string {
  const s = booking.context.submission;
  return [
    `${visitorName(s)} booked this meeting with ${booking.rep.name} after sending the "${booking.context.formName}" form.`,
    s.message ? `They wrote: ${s.message}` : "",
    "To move or cancel it, use the link on your confirmation page.",
  ]
    .filter(Boolean)
    .join("\n\n");
}
