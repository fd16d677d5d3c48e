import { signToken } from "../../platform/signatures/signed-token";
import { effectId } from "../model/effect-id";

/*
 * The links of a booking. A booking link (`/book/{token}`) names a submission: it shows the
 * times and books one, once. A manage link (`/book/manage/{token}`) names a booking: it shows
 * the confirmation and cancels or moves the meeting. Their tokens are signed for different
 * purposes, so one cannot stand for the other: a person who can reach a submission's booking
 * link (anyone who re-sends the same fields, which is answered with the earlier submission) can
 * book for it, but only whoever booked holds the link that cancels or moves the meeting.
 */
export const BOOK_PURPOSE = "lead-follow-up/book/v1";
export const MANAGE_PURPOSE = "lead-follow-up/manage/v1";

/** One booking per submission, named by it: a retried booking finds the same id (and the same calendar event). */
export const bookingIdOf = (submissionId: string): string => effectId(`booking:${submissionId}`);

export const bookPath = (token: string) => `/book/${token}`;
export const managePath = (token: string) => `/book/manage/${token}`;

/** How long a manage link works: until a month after the meeting (the page still shows what happened). */
export const MANAGE_LINK_AFTER_MEETING_MS = 30 * 86_400_000;

/** A submission's booking link: the token, and the page's URL on the Worker's origin. */
export async function bookingLink(secret: string, submissionId: string, expiresAt: Date, origin: string): Promise<{ token: string; url: string }> {
  const token = await signToken(BOOK_PURPOSE, { sub: submissionId, exp: Math.floor(expiresAt.getTime() / 1000) }, secret);
  return { token, url: `${origin}${bookPath(token)}` };
}

/** A booking's manage link: it works until a month after the meeting. */
export async function manageLink(secret: string, bookingId: string, meetingStart: number, origin: string): Promise<{ token: string; url: string }> {
  const token = await signToken(MANAGE_PURPOSE, { sub: bookingId, exp: Math.floor((meetingStart + MANAGE_LINK_AFTER_MEETING_MS) / 1000) }, secret);
  return { token, url: `${origin}${managePath(token)}` };
}
