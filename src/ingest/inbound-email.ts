import { z } from "zod";
import { describeIssues } from "../platform/zod-issues";
import { parseMailbox, splitAddresses } from "../core/model/email-address";

/** A reply from a lead, as received by the email provider's inbound webhook. */
export interface InboundEmail {
  provider: "postmark" | "mailgun";
  /**
   * The Message-ID header with its angle brackets (`<abc@mail.example.com>`), as later replies
   * quote it in In-Reply-To. Without one, a provider-prefixed id without brackets.
   */
  messageId: string;
  /** Bare lower-case address of the From header. */
  from: string;
  fromName?: string;
  to: string[];
  subject: string;
  /** ISO 8601 UTC. */
  receivedAt: string;
  inReplyTo?: string;
  /** At most 500 characters of the reply without the quoted thread, else of the text body. */
  snippet: string;
  /** Sent by a machine (out of office, auto-responder), not written by the lead. */
  automatic: boolean;
}

const OUT_OF_OFFICE_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response)|out of (the )?office|abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[áa]tica)\b/i;

/**
 * Whether a message was sent by a machine: RFC 3834's Auto-Submitted (anything but "no"), the
 * headers Exchange and common auto-responders add, bulk precedence, or an out-of-office subject.
 */
export function isAutomatic(header: (name: string) => string | undefined, subject: string): boolean {
  const autoSubmitted = header("auto-submitted")?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== "no") return true;
  if (header("x-autoreply") || header("x-autorespond") || header("x-auto-response-suppress")?.match(/\b(all|oof|autoreply)\b/i)) return true;
  if (/^(auto_reply|bulk|junk|list)$/i.test(header("precedence")?.trim() ?? "")) return true;
  return OUT_OF_OFFICE_SUBJECT.test(subject.trim());
}

export type InboundEmailResult = { ok: true; email: InboundEmail } | { ok: false; message: string };

export const SNIPPET_MAX_CHARS = 500;

// ——— shared pieces ———

/** The first `<id>` in a Message-ID / In-Reply-To value; a bare id gets its brackets back. */
export function normaliseMessageId(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const bracketed = /<[^<>\s]+>/.exec(value);
  if (bracketed) return bracketed[0];
  const bare = value.trim();
  return bare && !/\s/.test(bare) ? `<${bare}>` : undefined;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
/** RFC 2822's obsolete zone names; military letters are unreliable and the RFC says to read them as UTC. */
const ZONE_HOURS: Record<string, number> = { ut: 0, utc: 0, gmt: 0, z: 0, edt: -4, est: -5, cdt: -5, cst: -6, mdt: -6, mst: -7, pdt: -7, pst: -8 };
// Postmark passes on whatever the sending server wrote, so `-04:00` and full day names occur too.
const RFC2822_DATE =
  /^(?:[a-z]+,?\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{2}:?\d{2}|[a-z]{1,5})?$/i;

/**
 * `Fri, 1 Aug 2014 16:45:32 -0400` (a trailing `(EDT)` comment allowed) or ISO 8601 → ISO 8601
 * UTC; null when unreadable. Parsed by hand because Date.parse's handling of RFC 2822 is
 * implementation-defined.
 */
export function parseEmailDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value
    .replace(/\([^()]*\)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    // Without an offset Date.parse would read local time, which differs between hosts: read UTC.
    const ms = Date.parse(/(?:z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  const m = RFC2822_DATE.exec(text);
  if (!m) return null;
  const [, dayText, monthText, yearText, hourText, minuteText, secondText, zoneText] = m;
  const month = MONTHS.indexOf(monthText!.toLowerCase());
  let year = Number(yearText);
  if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yearText!.length === 3) year += 1900;
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Math.min(Number(secondText ?? 0), 59); // a leap second is not worth a rejection
  if (month < 0 || hour > 23 || minute > 59) return null;

  let offsetMinutes = 0; // no zone at all breaks RFC 2822; UTC is the least surprising reading
  const numericZone = zoneText ? /^([+-])(\d{2}):?(\d{2})$/.exec(zoneText) : null;
  if (numericZone) {
    offsetMinutes = (numericZone[1] === "-" ? -1 : 1) * (Number(numericZone[2]) * 60 + Number(numericZone[3]));
  } else if (zoneText && zoneText.length > 1) {
    // An unknown name (CET? IST?) is ambiguous: better the arrival time than a guess hours off.
    const hours = ZONE_HOURS[zoneText.toLowerCase()];
    if (hours === undefined) return null;
    offsetMinutes = hours * 60;
  }
  const local = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31 Feb over into March; a date that does not exist is unreadable.
  if (new Date(local).getUTCDate() !== day) return null;
  return new Date(local - offsetMinutes * 60_000).toISOString();
}

function snippetOf(strippedReply: string | null | undefined, textBody: string | null | undefined): string {
  const stripped = (strippedReply ?? "").replace(/\r\n?/g, "\n").trim();
  const text = stripped || (textBody ?? "").replace(/\r\n?/g, "\n").trim();
  if (text.length <= SNIPPET_MAX_CHARS) return text;
  let cut = text.slice(0, SNIPPET_MAX_CHARS);
  // Do not end on half of a surrogate pair (an emoji, say).
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

function normaliseInstant(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

/**
 * Used only when a message has no Message-ID at all (rare: most MTAs add one). Not a hash, just
 * the fields that identify the message; two messages from one sender with the same subject in the
 * same second would collide, and a message without a Date header gets the arrival time, which
 * differs between retries of the same delivery.
 */
function derivedMessageId(provider: InboundEmail["provider"], from: string, date: string, subject: string): string {
  return `${provider}:${from}:${date}:${subject}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ——— Postmark ———

const text = z.string().nullish();
const PostmarkInbound = z.looseObject({
  From: text,
  FromName: text,
  FromFull: z.looseObject({ Email: text, Name: text, MailboxHash: text }).nullish(),
  To: text,
  ToFull: z.array(z.looseObject({ Email: text, Name: text })).nullish(),
  OriginalRecipient: text,
  Subject: text,
  MessageID: text,
  Date: text,
  TextBody: text,
  StrippedTextReply: text,
  Headers: z.array(z.looseObject({ Name: z.string(), Value: z.string() })).nullish(),
});

/**
 * Postmark's inbound webhook JSON (https://postmarkapp.com/developer/webhooks/inbound-webhook).
 * `receivedAt` (ISO 8601) stands in when the message has no readable Date.
 */
export function parsePostmarkInbound(json: unknown, receivedAt: string): InboundEmailResult {
  if (!json || typeof json !== "object" || Array.isArray(json)) return { ok: false, message: "Postmark inbound payload is not a JSON object" };
  const parsed = PostmarkInbound.safeParse(json, { reportInput: true });
  if (!parsed.success) return { ok: false, message: `Postmark inbound payload: ${describeIssues(parsed.error)}` };
  const p = parsed.data;

  const sender = parseMailbox(p.FromFull?.Email) ?? parseMailbox(p.From);
  if (!sender) return { ok: false, message: "Postmark inbound payload has no valid sender address (FromFull.Email or From)" };
  const header = (name: string) => p.Headers?.find((h) => h.Name.toLowerCase() === name)?.Value;

  const to = unique([
    ...(p.ToFull ?? []).map((t) => parseMailbox(t.Email)?.address).filter((a): a is string => !!a),
    ...splitAddresses(p.To),
    ...splitAddresses(p.OriginalRecipient),
  ]);
  const subject = p.Subject ?? "";
  const date = parseEmailDate(p.Date ?? header("date"));
  const fromName = (p.FromFull?.Name || p.FromName || sender.name || "").trim() || undefined;
  const messageId =
    normaliseMessageId(header("message-id")) ??
    // Postmark's own id is stable across its retries, which makes it the better fallback.
    (p.MessageID?.trim() ? `postmark:${p.MessageID.trim()}` : undefined) ??
    derivedMessageId("postmark", sender.address, date ?? normaliseInstant(receivedAt), subject);

  return {
    ok: true,
    email: compact({
      provider: "postmark",
      messageId,
      from: sender.address,
      fromName,
      to,
      subject,
      receivedAt: date ?? normaliseInstant(receivedAt),
      inReplyTo: normaliseMessageId(header("in-reply-to")),
      snippet: snippetOf(p.StrippedTextReply, p.TextBody),
      automatic: isAutomatic(header, subject),
    }),
  };
}

// ——— Mailgun ———

/** Form field names are matched without regard to case: Mailgun posts `Message-Id`, MTAs write `Message-ID`. */
function fieldReader(fields: URLSearchParams | FormData): (name: string) => string | undefined {
  const values = new Map<string, string>();
  for (const [name, value] of fields as unknown as Iterable<[string, unknown]>) {
    const key = name.toLowerCase();
    if (typeof value === "string" && !values.has(key)) values.set(key, value);
  }
  return (name) => values.get(name.toLowerCase());
}

const MessageHeaders = z.array(z.tuple([z.string(), z.string()]));

/** The fields Mailgun signs, for verifyMailgunSignature. */
export function mailgunSignatureFields(fields: URLSearchParams | FormData): { timestamp?: string; token?: string; signature?: string } {
  const field = fieldReader(fields);
  return compact({ timestamp: field("timestamp"), token: field("token"), signature: field("signature") });
}

/**
 * A Mailgun inbound route's forward (https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/):
 * a form with the parsed message plus `message-headers`, a JSON array of [name, value].
 * `receivedAt` (ISO 8601) stands in when the message has no readable Date.
 */
export function parseMailgunInbound(fields: URLSearchParams | FormData, receivedAt: string): InboundEmailResult {
  const field = fieldReader(fields);
  let headers: [string, string][] = [];
  const headersText = field("message-headers");
  if (headersText) {
    let raw: unknown;
    try {
      raw = JSON.parse(headersText);
    } catch {
      return { ok: false, message: "Mailgun message-headers is not valid JSON" };
    }
    const parsed = MessageHeaders.safeParse(raw);
    if (!parsed.success) return { ok: false, message: "Mailgun message-headers is not a JSON array of [name, value] pairs" };
    headers = parsed.data;
  }
  const header = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  // The posted field first: Mailgun decodes encoded words there, the raw header may still be MIME-encoded.
  const either = (fieldName: string, headerName = fieldName.toLowerCase()) => field(fieldName) ?? header(headerName);

  // The From header is the person; `sender` is the envelope sender, which lists and forwarders rewrite.
  const sender = parseMailbox(field("from")) ?? parseMailbox(header("from")) ?? parseMailbox(field("sender"));
  if (!sender) return { ok: false, message: "Mailgun inbound has no valid sender address (from or sender)" };

  const subject = either("subject") ?? "";
  const date = parseEmailDate(either("Date"));
  const to = unique([...splitAddresses(either("To")), ...splitAddresses(field("recipient"))]);
  const messageId =
    normaliseMessageId(either("Message-Id")) ?? derivedMessageId("mailgun", sender.address, date ?? normaliseInstant(receivedAt), subject);

  return {
    ok: true,
    email: compact({
      provider: "mailgun",
      messageId,
      from: sender.address,
      fromName: sender.name,
      to,
      subject,
      receivedAt: date ?? normaliseInstant(receivedAt),
      inReplyTo: normaliseMessageId(either("In-Reply-To")),
      snippet: snippetOf(field("stripped-text"), field("body-plain")),
      automatic: isAutomatic(header, subject),
    }),
  };
}
