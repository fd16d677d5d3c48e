/**
 * Every message an email emulator accepted, as a person reading a mailbox would want to see it:
 * who sent it to whom, the subject, the headers that thread it, the body, and what became of it
 * (delivered, bounced, complained about, replied to).
 */

export type MessageStatus =
  /** Accepted, nothing has happened to it yet. */
  | "queued"
  | "delivered"
  | "bounced"
  /** A temporary failure (a soft bounce, Mailgun's `failed` with severity `temporary`). */
  | "deferred"
  | "complained"
  | "unsubscribed"
  /** Never sent: the recipient was on the suppression list. */
  | "suppressed";

export interface MessageHeader {
  name: string;
  value: string;
}

export interface MessageEvent {
  at: string;
  type: MessageStatus | "replied" | "resubscribed";
  recipient: string;
  detail?: string;
}

export interface StoredMessage {
  /** The provider's id: Postmark's MessageID (a UUID), Mailgun's id without angle brackets. */
  id: string;
  provider: "postmark" | "mailgun";
  /** The Message-ID header, angle brackets included, as later replies quote it. */
  messageId: string;
  from: string;
  fromAddress: string;
  fromName?: string;
  /** As written (display names kept). */
  to: string[];
  cc: string[];
  bcc: string[];
  /** Bare lower-case addresses of To, Cc and Bcc. */
  recipients: string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  /** Custom headers as the API call gave them (Postmark `Headers`, Mailgun `h:` parameters). */
  headers: MessageHeader[];
  inReplyTo?: string;
  references: string[];
  tags: string[];
  /** Postmark `Metadata`, Mailgun `v:` user variables. */
  metadata: Record<string, unknown>;
  /** Postmark's message stream, or the Mailgun sending domain. */
  stream: string;
  submittedAt: string;
  status: MessageStatus;
  /** The latest status of each recipient. */
  recipientStatus: Record<string, MessageStatus>;
  events: MessageEvent[];
  /** Ids of the replies sent to the app for this message. */
  replies: string[];
}

export type NewMessage = Omit<StoredMessage, "status" | "recipientStatus" | "events" | "replies" | "references"> & {
  references?: string[];
};

export function headerValue(headers: MessageHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** The `<…>` ids of a References or In-Reply-To value. */
export function messageIdsIn(value: string | undefined): string[] {
  return value ? [...value.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]) : [];
}

export class Mailbox {
  private readonly messages: StoredMessage[] = [];
  private readonly byId = new Map<string, StoredMessage>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  add(message: NewMessage, initial: MessageStatus = "queued"): StoredMessage {
    const stored: StoredMessage = {
      ...message,
      references: message.references ?? [],
      status: initial,
      recipientStatus: Object.fromEntries(message.recipients.map((r) => [r, initial])),
      events: [],
      replies: [],
    };
    this.messages.push(stored);
    this.byId.set(stored.id, stored);
    this.byId.set(stored.messageId, stored);
    return stored;
  }

  /** By the provider's id or by the Message-ID header (with or without brackets). */
  get(id: string): StoredMessage | undefined {
    return this.byId.get(id) ?? this.byId.get(`<${id}>`) ?? this.byId.get(id.replace(/^<|>$/g, ""));
  }

  list(filter: { to?: string; status?: string } = {}): StoredMessage[] {
    const to = filter.to?.toLowerCase();
    return this.messages.filter((m) => (!to || m.recipients.includes(to)) && (!filter.status || m.status === filter.status));
  }

  /** The message this one answers, when it is in the mailbox. */
  parentOf(message: StoredMessage): StoredMessage | undefined {
    return message.inReplyTo ? this.byId.get(message.inReplyTo) : undefined;
  }

  record(message: StoredMessage, type: MessageEvent["type"], recipient: string, detail?: string): MessageEvent {
    const event: MessageEvent = { at: new Date(this.now()).toISOString(), type, recipient, ...(detail ? { detail } : {}) };
    message.events.push(event);
    if (type !== "replied" && type !== "resubscribed") {
      message.recipientStatus[recipient] = type;
      message.status = type;
    }
    return event;
  }

  clear(): void {
    this.messages.length = 0;
    this.byId.clear();
  }
}
