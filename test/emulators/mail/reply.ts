import { randomBytes } from "node:crypto";
import { formatAddress, parseAddressList } from "./addresses.ts";
import type { StoredMessage } from "./mailbox.ts";

/**
 * A lead answering a message the app sent: what their mail client would write. Both emulators
 * turn it into their provider's inbound webhook.
 */
export interface ReplyInput {
  /** The replying address; default the message's recipient. */
  from?: string;
  fromName?: string;
  /** What they wrote above the quote. Default "Thanks, let's talk." */
  text?: string;
  html?: string;
  /** Default "Re: " + the original subject (unless it already starts so). */
  subject?: string;
  /** Extra headers, e.g. {Name: "Auto-Submitted", Value: "auto-replied"} for an out-of-office. */
  headers?: { Name: string; Value: string }[];
}

export interface Reply {
  from: { address: string; name?: string };
  /** Where the reply goes: the original Reply-To, else its From. */
  to: { address: string; name?: string };
  subject: string;
  messageId: string;
  inReplyTo: string;
  references: string[];
  date: string;
  /** What they wrote. */
  stripped: string;
  /** What they wrote with the original quoted under it, as a mail client sends it. */
  text: string;
  html?: string;
  extraHeaders: { Name: string; Value: string }[];
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 5322 date-time in UTC: `Mon, 2 Mar 2026 09:05:00 +0000`. */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function buildReply(original: StoredMessage, recipient: string, input: ReplyInput, nowMs: number): Reply {
  const fromAddress = (input.from ?? recipient).toLowerCase();
  const written = [...original.to, ...original.cc]
    .map((raw) => parseAddressList(raw))
    .flatMap((p) => (p.ok ? p.addresses : []))
    .find((a) => a.address === fromAddress);
  const fromName = input.fromName ?? written?.name;
  const replyTo = original.replyTo ? parseAddressList(original.replyTo) : undefined;
  const to = replyTo?.ok && replyTo.addresses[0] ? replyTo.addresses[0] : { address: original.fromAddress, name: original.fromName };
  const stripped = input.text ?? "Thanks, let's talk.";
  const date = rfc5322Date(nowMs);
  const quoted = (original.text ?? "")
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n");
  const domain = fromAddress.slice(fromAddress.lastIndexOf("@") + 1);
  return {
    from: { address: fromAddress, ...(fromName ? { name: fromName } : {}) },
    to: { address: to.address, ...(to.name ? { name: to.name } : {}) },
    subject: input.subject ?? (/^re:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`),
    messageId: `<${randomBytes(12).toString("hex")}@mail.${domain}>`,
    inReplyTo: original.messageId,
    references: [...original.references, original.messageId],
    date,
    stripped,
    text: `${stripped}\n\nOn ${date}, ${formatAddress({ address: original.fromAddress, name: original.fromName })} wrote:\n${quoted}\n`,
    ...(input.html ? { html: input.html } : {}),
    extraHeaders: input.headers ?? [],
  };
}

/** The part of an address after `+` in its local part (Postmark's MailboxHash). */
export function mailboxHash(address: string): string {
  const local = address.slice(0, address.lastIndexOf("@"));
  const plus = local.indexOf("+");
  return plus < 0 ? "" : local.slice(plus + 1);
}

/** A reply's input from a control route's JSON body; a message says what is wrong. */
export function readReplyInput(body: Record<string, unknown>): ReplyInput | string {
  for (const field of ["from", "fromName", "text", "html", "subject"] as const) {
    if (body[field] !== undefined && typeof body[field] !== "string") return `${field} must be a string`;
  }
  const headers = body.headers;
  if (headers !== undefined) {
    if (!Array.isArray(headers) || headers.some((h) => !h || typeof h.Name !== "string" || typeof h.Value !== "string")) {
      return "headers must be an array of {Name, Value} strings";
    }
  }
  return body as ReplyInput;
}
