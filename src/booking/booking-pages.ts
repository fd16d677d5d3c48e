import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { SlotView } from "../core/booking/slot-view";

/*
 * The booking pages: plain HTML forms, so they work without JavaScript (each time is a submit
 * button of one form). Every visitor-facing word is here; nothing internal (no score, no owner
 * id, no reason a calendar failed) is ever shown.
 */

type Content = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = raw(`
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  .sub { color: #555; margin-top: 0; }
  .day { margin-top: 1.2rem; font-weight: 600; }
  .times { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 0.4rem; }
  .times button { padding: 0.45rem 0.9rem; border: 1px solid #2f6fde; border-radius: 6px; background: #fff; color: #2f6fde; font: inherit; cursor: pointer; }
  .times button:hover { background: #2f6fde; color: #fff; }
  .notice { padding: 0.8rem 1rem; background: #fff6e0; border: 1px solid #f0c36d; border-radius: 6px; }
  .done { padding: 0.8rem 1rem; background: #e8f6ec; border: 1px solid #7cc48e; border-radius: 6px; }
  .actions { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; margin-top: 1rem; }
  .danger { padding: 0.45rem 0.9rem; border: 1px solid #b3261e; border-radius: 6px; background: #fff; color: #b3261e; font: inherit; cursor: pointer; }
`);

function page(title: string, body: Content, options: { refreshSeconds?: number } = {}) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <meta name="referrer" content="no-referrer" />
    ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ""}
    <title>${title}</title>
    <style>${STYLE}</style>
  </head>
  <body>
    ${body}
  </body>
</html>`;
}

export interface DayOfSlots {
  day: string;
  slots: SlotView[];
}

/** Slot views grouped by the visitor's local date, in order. */
export function byDay(slots: readonly SlotView[]): DayOfSlots[] {
  const days: DayOfSlots[] = [];
  for (const slot of slots) {
    const last = days[days.length - 1];
    if (last && last.slots[0]!.date === slot.date) last.slots.push(slot);
    else days.push({ day: slot.day, slots: [slot] });
  }
  return days;
}

function slotButtons(days: readonly DayOfSlots[], action: string, attempt: string) {
  return html`<form method="post" action="${action}">
    <input type="hidden" name="attempt" value="${attempt}" />
    ${days.map(
      (d) => html`<div class="day">${d.day}</div>
        <div class="times">
          ${d.slots.map((s) => html`<button type="submit" name="slot" value="${s.start}" title="${s.label}">${s.time}</button>`)}
        </div>`,
    )}
  </form>`;
}

export interface SlotsPageInput {
  formName: string;
  /** The rep's name when one rep is offered; undefined for a team. */
  repName?: string;
  meetingMinutes: number;
  zone: string;
  days: DayOfSlots[];
  action: string;
  attempt: string;
  notice?: string;
}

export function slotsPage(input: SlotsPageInput) {
  const who = input.repName ? `with ${input.repName}` : "with our team";
  return page(
    "Book a meeting",
    html`<h1>Book a ${input.meetingMinutes}-minute meeting ${who}</h1>
      <p class="sub">Thanks for your request. Pick a time that suits you; times are shown in ${input.zone}.</p>
      ${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ""}
      ${slotButtons(input.days, input.action, input.attempt)}`,
  );
}

export function pendingPage() {
  return page(
    "Finding times…",
    html`<h1>Finding times for you…</h1>
      <p class="sub">We are matching your request with the right person. This page refreshes by itself in a moment.</p>`,
    { refreshSeconds: 2 },
  );
}

export function messagePage(title: string, message: string) {
  return page(title, html`<h1>${title}</h1><p>${message}</p>`);
}

export const NOTHING_OFFERED =
  "We could not find a time to offer you right now. Someone from our team will get in touch with you shortly by email to arrange a meeting.";
export const ALREADY_BOOKED =
  "A meeting is already booked for this request. The invitation went to your email address; the link on your confirmation page moves or cancels it.";

export interface ConfirmationInput {
  formName: string;
  repName: string;
  status: "booked" | "cancelled";
  /** The meeting in the visitor's zone. */
  when: SlotView;
  joinUrl?: string;
  icsUrl: string;
  cancelAction: string;
  moveAction: string;
  moveDays: DayOfSlots[];
  attempt: string;
  notice?: string;
  /** The meeting has started or is over: it cannot be changed any more. */
  past: boolean;
}

export function confirmationPage(input: ConfirmationInput) {
  if (input.status === "cancelled") {
    return page(
      "Meeting cancelled",
      html`<h1>Your meeting is cancelled</h1>
        ${input.notice ? html`<p class="done" role="status">${input.notice}</p>` : ""}
        <p>The meeting with ${input.repName} on ${input.when.label} is cancelled; ${input.repName} has been told. To meet another time, send the form again or reply to our email.</p>`,
    );
  }
  const change = input.past
    ? html`<p class="sub">This meeting can no longer be changed here.</p>`
    : html`<h2>Need another time?</h2>
        ${input.moveDays.length > 0 ? slotButtons(input.moveDays, input.moveAction, input.attempt) : html`<p class="sub">No other time is free right now.</p>`}
        <h2>Can't make it?</h2>
        <form method="post" action="${input.cancelAction}">
          <button type="submit" class="danger">Cancel the meeting</button>
        </form>`;
  return page(
    "Meeting booked",
    html`<h1>You're booked</h1>
      ${input.notice ? html`<p class="done" role="status">${input.notice}</p>` : ""}
      <p><strong>${input.when.label}</strong> with ${input.repName} (${input.formName}).</p>
      <p>An invitation is on its way to your email address.</p>
      <div class="actions">
        ${input.joinUrl ? html`<a href="${input.joinUrl}" rel="noopener">Video link</a>` : ""}
        <a href="${input.icsUrl}" download="meeting.ics">Add to calendar (.ics)</a>
      </div>
      <p class="sub">Keep this page's address: it is your link to move or cancel the meeting.</p>
      ${change}`,
  );
}
