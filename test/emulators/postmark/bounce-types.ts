/**
 * Postmark's bounce types the emulator produces, with their TypeCode, Name and Description as the
 * Bounce API reference lists them (https://postmarkapp.com/developer/api/bounce-api#bounce-types;
 * the codes also in postmark.js's BounceTypeCode). `inactive`: Postmark deactivates the address
 * (adds it to the stream's suppression list) for hard bounces and spam complaints only.
 */
export interface BounceType {
  Type: string;
  TypeCode: number;
  Name: string;
  Description: string;
  inactive: boolean;
  /** A hard bounce can be reactivated; a spam complaint cannot. */
  canActivate: boolean;
}

export const BOUNCE_TYPES: Record<string, BounceType> = {
  HardBounce: {
    Type: "HardBounce",
    TypeCode: 1,
    Name: "Hard bounce",
    Description: "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    inactive: true,
    canActivate: true,
  },
  Transient: {
    Type: "Transient",
    TypeCode: 2,
    Name: "Message delayed",
    Description: "The server could not temporarily deliver your message (ex: Message is delayed due to network troubles).",
    inactive: false,
    canActivate: false,
  },
  AutoResponder: {
    Type: "AutoResponder",
    TypeCode: 64,
    Name: "Auto responder",
    Description: 'Automatic email responder (ex: "Out of Office" or "On Vacation").',
    inactive: false,
    canActivate: false,
  },
  DnsError: { Type: "DnsError", TypeCode: 256, Name: "DNS error", Description: "A temporary DNS error.", inactive: false, canActivate: false },
  SpamNotification: {
    Type: "SpamNotification",
    TypeCode: 512,
    Name: "Spam notification",
    Description: "The message was delivered, but was either blocked by the user, or classified as spam, bulk mail, or had rejected content.",
    inactive: false,
    canActivate: false,
  },
  SoftBounce: {
    Type: "SoftBounce",
    TypeCode: 4096,
    Name: "Soft bounce",
    Description: "Unable to temporarily deliver message (i.e. mailbox full, account disabled, exceeds quota, out of disk space).",
    inactive: false,
    canActivate: false,
  },
  Blocked: {
    Type: "Blocked",
    TypeCode: 100006,
    Name: "ISP block",
    Description: "Blocked from this ISP due to content or blacklisting.",
    inactive: false,
    canActivate: false,
  },
};

/**
 * A spam complaint arrives as its own RecordType with these fields. Postmark's webhook page shows
 * TypeCode 512 in its example; the Bounce API's table gives SpamComplaint 100001, which is what
 * the emulator sends.
 */
export const SPAM_COMPLAINT: BounceType = {
  Type: "SpamComplaint",
  TypeCode: 100001,
  Name: "Spam complaint",
  Description: "The subscriber explicitly marked this message as spam.",
  inactive: true,
  canActivate: false,
};

/**
 * Postmark's black hole domain: mail to it bounces at once with the bounce type named by the
 * local part (case and underscores ignored; anything else is a hard bounce), or by an
 * X-PM-Bounce-Type header (https://postmarkapp.com/developer/user-guide/sandbox-mode/generate-fake-bounces).
 */
export const BLACK_HOLE_DOMAIN = "bounce-testing.postmarkapp.com";

export function blackHoleBounce(address: string, headerType: string | undefined): BounceType | undefined {
  const at = address.lastIndexOf("@");
  if (address.slice(at + 1) !== BLACK_HOLE_DOMAIN) return undefined;
  const wanted = (headerType ?? address.slice(0, at)).replace(/_/g, "").toLowerCase();
  return Object.values(BOUNCE_TYPES).find((t) => t.Type.toLowerCase() === wanted) ?? BOUNCE_TYPES.HardBounce;
}
