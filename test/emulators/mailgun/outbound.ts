import { randomBytes } from "node:crypto";
import { formatAddress } from "../mail/addresses.ts";
import { headerValue, type Mailbox, messageIdsIn, type StoredMessage } from "../mail/mailbox.ts";
import { buildReply, type ReplyInput } from "../mail/reply.ts";
import type { OutgoingWebhook, WebhookQueue } from "../mail/webhook-queue.ts";
import { splitCredentials } from "../mail/webhook-queue.ts";
import {
  acceptedEvent,
  complainedEvent,
  deliveredEvent,
  type Failure,
  failedEvent,
  HARD_BOUNCE,
  type MailgunWebhookName,
  SUPPRESSED,
  signature,
  unsubscribedEvent,
} from "./events.ts";
import { mailgunRouteForm } from "./inbound.ts";
import type { MailgunMessage } from "./message.ts";

export type SuppressionList = keyof typeof SUPPRESSED;

export interface MailgunConfig {
  /** Where event webhooks go (every webhook name). */
  webhookUrl?: string;
  /** Which webhooks are configured. Default all. */
  webhooks: Record<MailgunWebhookName, boolean>;
  /** The route's forward() URL, where replies go. */
  routeUrl?: string;
  autoDeliver: boolean;
}

export interface MailgunOutboundContext {
  mailbox: Mailbox;
  webhooks: WebhookQueue;
  config: MailgunConfig;
  signingKey: string;
  now: () => number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * Mailgun's message ids look like `20260302090000.5f3a9c1d2e4b6a70@mg.example.com`: a timestamp,
 * a random part and the sending domain (answered with angle brackets).
 */
function newMessageId(nowMs: number, domain: string): string {
  const d = new Date(nowMs);
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `${stamp}.${randomBytes(8).toString("hex")}@${domain}`;
}

/**
 * What happens to a message after Mailgun queued it: delivery, failures, complaints,
 * unsubscribes and replies, recorded in the mailbox and announced with Mailgun's signed webhooks.
 * Each domain keeps Mailgun's three suppression lists.
 */
export class MailgunOutbound {
  private readonly ctx: MailgunOutboundContext;
  private readonly lists = new Map<string, Record<SuppressionList, Set<string>>>();
  /** Every event as Mailgun logs it, per sending domain, oldest first: what the Events API reads. */
  private readonly log = new Map<string, Record<string, unknown>[]>();

  constructor(ctx: MailgunOutboundContext) {
    this.ctx = ctx;
  }

  suppressions(domain: string): Record<SuppressionList, Set<string>> {
    let lists = this.lists.get(domain);
    if (!lists) this.lists.set(domain, (lists = { bounces: new Set(), unsubscribes: new Set(), complaints: new Set() }));
    return lists;
  }

  clearSuppressions(): void {
    this.lists.clear();
    this.log.clear();
  }

  /** The domain's logged events, oldest first. */
  events(domain: string): Record<string, unknown>[] {
    return this.log.get(domain) ?? [];
  }

  private logEvent(domain: string, eventData: unknown): void {
    const log = this.log.get(domain) ?? [];
    log.push(eventData as Record<string, unknown>);
    this.log.set(domain, log);
  }

  private suppressedBy(domain: string, address: string): SuppressionList | undefined {
    const lists = this.suppressions(domain);
    return (["bounces", "complaints", "unsubscribes"] as const).find((l) => lists[l].has(address));
  }

  private emit(name: MailgunWebhookName, eventData: unknown): OutgoingWebhook | undefined {
    const domain = (eventData as { envelope?: { sender?: string } }).envelope?.sender?.split("@")[1];
    if (domain) this.logEvent(domain, eventData);
    if (!this.ctx.config.webhooks[name]) return undefined;
    const payload = { signature: signature(this.ctx.signingKey, this.ctx.now()), "event-data": eventData };
    const target = this.ctx.config.webhookUrl ? splitCredentials(this.ctx.config.webhookUrl) : undefined;
    return this.ctx.webhooks.push({
      kind: name,
      ...(target ? { url: target.url } : {}),
      headers: { "content-type": "application/json", ...(target?.authorization ? { authorization: target.authorization } : {}) },
      body: JSON.stringify(payload),
      payload,
    });
  }

  accept(domain: string, message: MailgunMessage): StoredMessage {
    const now = this.ctx.now();
    // A Message-Id given as h:Message-Id is kept (Mailgun's FAQ on tracking replies relies on it).
    const given = messageIdsIn(headerValue(message.headers, "Message-Id"))[0] ?? headerValue(message.headers, "Message-Id")?.trim();
    const id = given ? given.replace(/^<|>$/g, "") : newMessageId(now, domain);
    const recipients = [...new Set([...message.to, ...message.cc, ...message.bcc].map((a) => a.address))];
    const replyTo = headerValue(message.headers, "Reply-To");
    const inReplyTo = messageIdsIn(headerValue(message.headers, "In-Reply-To"))[0];
    const stored = this.ctx.mailbox.add({
      id,
      provider: "mailgun",
      messageId: `<${id}>`,
      from: formatAddress(message.from),
      fromAddress: message.from.address,
      ...(message.from.name ? { fromName: message.from.name } : {}),
      to: message.to.map((a) => a.raw),
      cc: message.cc.map((a) => a.raw),
      bcc: message.bcc.map((a) => a.raw),
      recipients,
      ...(replyTo ? { replyTo } : {}),
      subject: message.subject,
      ...(message.text ? { text: message.text } : {}),
      ...(message.html ? { html: message.html } : {}),
      headers: message.headers,
      ...(inReplyTo ? { inReplyTo } : {}),
      references: messageIdsIn(headerValue(message.headers, "References")),
      tags: message.tags,
      metadata: message.variables,
      stream: domain,
      submittedAt: new Date(now).toISOString(),
    });
    for (const recipient of recipients) this.logEvent(domain, acceptedEvent(stored, recipient, now));
    for (const recipient of recipients) {
      const list = this.suppressedBy(domain, recipient);
      if (list) {
        this.ctx.mailbox.record(stored, "suppressed", recipient, SUPPRESSED[list].description);
        this.emit("permanent_fail", failedEvent(stored, recipient, SUPPRESSED[list], now));
      } else if (this.ctx.config.autoDeliver) this.deliver(stored, recipient);
    }
    return stored;
  }

  deliver(m: StoredMessage, recipient: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "delivered", recipient);
    return [this.emit("delivered", deliveredEvent(m, recipient, this.ctx.now()))].filter((w) => w !== undefined);
  }

  /** `failed`: permanent (a hard bounce, which adds the address to the bounces list) or temporary. */
  fail(m: StoredMessage, recipient: string, failure: Failure = HARD_BOUNCE): OutgoingWebhook[] {
    const permanent = failure.severity === "permanent";
    this.ctx.mailbox.record(
      m,
      permanent ? "bounced" : "deferred",
      recipient,
      `${failure.severity} ${failure.reason}: ${failure.code} ${failure.message}`,
    );
    if (permanent && failure.reason === "bounce") this.suppressions(m.stream).bounces.add(recipient);
    return [this.emit(permanent ? "permanent_fail" : "temporary_fail", failedEvent(m, recipient, failure, this.ctx.now()))].filter(
      (w) => w !== undefined,
    );
  }

  complain(m: StoredMessage, recipient: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "complained", recipient);
    this.suppressions(m.stream).complaints.add(recipient);
    return [this.emit("complained", complainedEvent(m, recipient, this.ctx.now()))].filter((w) => w !== undefined);
  }

  unsubscribe(m: StoredMessage, recipient: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "unsubscribed", recipient);
    this.suppressions(m.stream).unsubscribes.add(recipient);
    return [this.emit("unsubscribed", unsubscribedEvent(m, recipient, this.ctx.now()))].filter((w) => w !== undefined);
  }

  /** The recipient answers: the route's forward() POST to the route URL, signed. */
  reply(m: StoredMessage, recipient: string, input: ReplyInput): OutgoingWebhook {
    const reply = buildReply(m, recipient, input, this.ctx.now());
    const form = mailgunRouteForm(reply, signature(this.ctx.signingKey, this.ctx.now()));
    this.ctx.mailbox.record(m, "replied", recipient, reply.messageId);
    m.replies.push(reply.messageId);
    const target = this.ctx.config.routeUrl ? splitCredentials(this.ctx.config.routeUrl) : undefined;
    return this.ctx.webhooks.push({
      kind: "inbound",
      ...(target ? { url: target.url } : {}),
      headers: { "content-type": "application/x-www-form-urlencoded", ...(target?.authorization ? { authorization: target.authorization } : {}) },
      body: form.toString(),
      payload: Object.fromEntries(form),
    });
  }
}
