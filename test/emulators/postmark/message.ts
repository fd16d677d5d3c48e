import { type AddressProblem, type ParsedAddress, parseAddressList } from "../mail/addresses.ts";
import type { MessageHeader } from "../mail/mailbox.ts";
import type { PostmarkError } from "./errors.ts";

/**
 * One message of POST /email or /email/batch, checked the way Postmark documents the body
 * (https://postmarkapp.com/developer/api/email-api): From and To required, each with optional
 * display names; To, Cc and Bcc comma-separated, 50 recipients at most in all; TextBody or
 * HtmlBody; Headers as [{Name, Value}]; Metadata string pairs; TrackLinks one of four values.
 */
export interface PostmarkMessage {
  from: ParsedAddress;
  fromRaw: string;
  to: ParsedAddress[];
  toRaw: string;
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  replyTo?: string;
  subject: string;
  htmlBody?: string;
  textBody?: string;
  headers: MessageHeader[];
  tag?: string;
  metadata: Record<string, string>;
  messageStream: string;
  trackOpens?: boolean;
  trackLinks?: string;
}

const MAX_RECIPIENTS = 50;
const MAX_TAG = 1000;
const TRACK_LINKS = ["None", "HtmlAndText", "HtmlOnly", "TextOnly"];

const invalid = (Message: string): { ok: false; error: PostmarkError } => ({ ok: false, error: { ErrorCode: 300, Message } });

/** Postmark's texts for a bad address, as quoted in django-anymail and postmark-gem. */
function addressError(field: string, problem: AddressProblem): string {
  switch (problem.kind) {
    case "no-at":
      return `Error parsing '${field}': Illegal email address '${problem.entry}'. It must contain the '@' symbol.`;
    case "bad-domain":
      return `Error parsing '${field}': Illegal email domain '${problem.domain}' in address '${problem.address}'.`;
    case "bad-mailbox":
      return `Error parsing '${field}': Illegal email address '${problem.address}'.`;
  }
}

const optionalString = (value: unknown): value is string | undefined | null => value === undefined || value === null || typeof value === "string";

export function parsePostmarkMessage(input: unknown): { ok: true; message: PostmarkMessage } | { ok: false; error: PostmarkError } {
  if (!input || typeof input !== "object" || Array.isArray(input))
    return { ok: false, error: { ErrorCode: 403, Message: "Incompatible JSON: a message is a JSON object." } };
  const body = input as Record<string, unknown>;
  for (const field of ["From", "To", "Cc", "Bcc", "Subject", "HtmlBody", "TextBody", "ReplyTo", "Tag", "MessageStream", "TrackLinks"]) {
    if (!optionalString(body[field])) return { ok: false, error: { ErrorCode: 403, Message: `Incompatible JSON: '${field}' must be a string.` } };
  }
  const fromRaw = (body.From as string | undefined)?.trim() ?? "";
  // The texts for an empty From, no recipients and no body are the emulator's; the code is Postmark's 300.
  if (!fromRaw) return invalid("Invalid 'From' address: a From address is required.");
  const from = parseAddressList(fromRaw);
  if (!from.ok) return invalid(addressError("From", from.problem));
  if (from.addresses.length !== 1) return invalid("Error parsing 'From': exactly one sender address is allowed.");

  const lists: Record<"To" | "Cc" | "Bcc", ParsedAddress[]> = { To: [], Cc: [], Bcc: [] };
  for (const field of ["To", "Cc", "Bcc"] as const) {
    const parsed = parseAddressList(body[field] as string | undefined);
    if (!parsed.ok) return invalid(addressError(field, parsed.problem));
    lists[field] = parsed.addresses;
  }
  const count = lists.To.length + lists.Cc.length + lists.Bcc.length;
  if (count === 0) return invalid("Zero recipients specified");
  if (count > MAX_RECIPIENTS) return invalid(`Maximum of ${MAX_RECIPIENTS} recipients allowed per email message.`);

  const replyTo = (body.ReplyTo as string | undefined)?.trim() || undefined;
  if (replyTo) {
    const parsed = parseAddressList(replyTo);
    if (!parsed.ok) return invalid(addressError("ReplyTo", parsed.problem));
  }
  const htmlBody = (body.HtmlBody as string | undefined) || undefined;
  const textBody = (body.TextBody as string | undefined) || undefined;
  if (!htmlBody && !textBody) return invalid("Provide either email TextBody or HtmlBody or both.");

  const tag = (body.Tag as string | undefined) || undefined;
  if (tag && tag.length > MAX_TAG) return invalid(`Tag is limited to ${MAX_TAG} characters.`);
  const trackLinks = (body.TrackLinks as string | undefined) || undefined;
  if (trackLinks && !TRACK_LINKS.includes(trackLinks)) return invalid(`TrackLinks must be one of ${TRACK_LINKS.join(", ")}.`);
  if (body.TrackOpens !== undefined && body.TrackOpens !== null && typeof body.TrackOpens !== "boolean") {
    return { ok: false, error: { ErrorCode: 403, Message: "Incompatible JSON: 'TrackOpens' must be a boolean." } };
  }

  const headers: MessageHeader[] = [];
  if (body.Headers !== undefined && body.Headers !== null) {
    if (!Array.isArray(body.Headers))
      return { ok: false, error: { ErrorCode: 403, Message: "Incompatible JSON: 'Headers' must be an array of {Name, Value}." } };
    for (const header of body.Headers as unknown[]) {
      const h = header as { Name?: unknown; Value?: unknown } | null;
      if (!h || typeof h.Name !== "string" || !h.Name.trim() || typeof h.Value !== "string") {
        return { ok: false, error: { ErrorCode: 403, Message: "Incompatible JSON: each header needs a string Name and Value." } };
      }
      headers.push({ name: h.Name.trim(), value: h.Value });
    }
  }

  const metadata: Record<string, string> = {};
  if (body.Metadata !== undefined && body.Metadata !== null) {
    if (typeof body.Metadata !== "object" || Array.isArray(body.Metadata)) {
      return { ok: false, error: { ErrorCode: 403, Message: "Incompatible JSON: 'Metadata' must be an object." } };
    }
    for (const [key, value] of Object.entries(body.Metadata as Record<string, unknown>)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        return invalid(`Metadata values must be strings; '${key}' is not.`);
      }
      metadata[key] = String(value);
    }
  }

  return {
    ok: true,
    message: {
      from: from.addresses[0]!,
      fromRaw,
      to: lists.To,
      toRaw: (body.To as string | undefined) ?? "",
      cc: lists.Cc,
      bcc: lists.Bcc,
      replyTo,
      subject: (body.Subject as string | undefined) ?? "",
      htmlBody,
      textBody,
      headers,
      tag,
      metadata,
      messageStream: (body.MessageStream as string | undefined) || "outbound",
      trackOpens: (body.TrackOpens as boolean | undefined) ?? undefined,
      trackLinks,
    },
  };
}
