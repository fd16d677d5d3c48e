import type { Failure } from "../platform/failure";

/**
 * What the outbox needs of an email provider (Postmark, Mailgun): send one message, and find out
 * whether a message whose answer was lost went out. Providers have no idempotency key, so the
 * product makes its own (the effect's id, carried in the message as metadata, and the Message-ID
 * it derives) and looks a send up by it before sending again.
 */
export interface OutgoingEmail {
  /** The sendEmail effect's id: Postmark Metadata `effect`, Mailgun user variable `v:effect`. */
  key: string;
  from: { address: string; name?: string };
  to: { address: string; name?: string };
  replyTo: string;
  subject: string;
  text: string;
  html: string;
  /** Ours, on the sending domain: set on the message, so replies and bounces name it. */
  messageId: string;
  inReplyTo?: string;
  references: string[];
  /** More headers: List-Unsubscribe, List-Unsubscribe-Post. */
  headers: Record<string, string>;
  tag: string;
}

/**
 * What a send came to. `sent`: the provider took it. `refused`: it never will (`address`: the
 * recipient is the reason: an inactive or invalid address). `notSent`: certainly not taken (a 429,
 * maintenance), send again later. `unknown`: it may have been taken (a timeout, a dropped
 * connection, a 5xx): look it up before sending again.
 */
export type SendAnswer =
  | { kind: "sent"; providerId: string }
  | { kind: "refused"; address: boolean; failure: Failure }
  | { kind: "notSent"; failure: Failure }
  | { kind: "unknown"; failure: Failure };

export type LookupAnswer = { kind: "found"; providerId: string } | { kind: "notFound" } | { kind: "failed"; failure: Failure };

export interface EmailSender {
  readonly provider: "postmark" | "mailgun";
  send(email: OutgoingEmail): Promise<SendAnswer>;
  /** Whether the provider has the message with this key (and Message-ID). */
  lookUp(email: Pick<OutgoingEmail, "key" | "messageId">): Promise<LookupAnswer>;
}

/** How a fetch that threw ended: it may have reached the provider. */
export function unknownOf(error: unknown, provider: string): SendAnswer {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "unknown", failure: { kind: "transient", message: `${provider}: ${message}`.slice(0, 500) } };
}

/** `Alex Rivera <alex@…>`; a name with specials is quoted, as RFC 5322 asks. */
export function formatFrom(from: { address: string; name?: string }): string {
  if (!from.name) return from.address;
  const name = from.name.replace(/["\\\r\n]/g, "").trim();
  return /[(),.:;<>@[\]]/.test(name) ? `"${name}" <${from.address}>` : `${name} <${from.address}>`;
}
