import { randomUUID } from "node:crypto";
import { formatAddress } from "../mail/addresses.ts";
import { headerValue, type Mailbox, messageIdsIn, type StoredMessage } from "../mail/mailbox.ts";
import { buildReply, type ReplyInput } from "../mail/reply.ts";
import type { OutgoingWebhook, WebhookQueue } from "../mail/webhook-queue.ts";
import { BOUNCE_TYPES, type BounceType, blackHoleBounce, SPAM_COMPLAINT } from "./bounce-types.ts";
import type { PostmarkMessage } from "./message.ts";
import { postmarkInboundPayload } from "./inbound.ts";
import type { SuppressionOrigin, SuppressionReason, Suppressions } from "./suppressions.ts";
import { bouncePayload, deliveryPayload, type PostmarkWebhookConfig, postmarkRequest, subscriptionChangePayload } from "./webhooks.ts";

export interface OutboundContext {
  mailbox: Mailbox;
  suppressions: Suppressions;
  webhooks: WebhookQueue;
  config: PostmarkWebhookConfig;
  serverId: number;
  /** Deliver each accepted message at once (a Delivery webhook per recipient). */
  autoDeliver: () => boolean;
  now: () => number;
}

/**
 * What happens to a message after Postmark accepted it: delivery, bounces, complaints,
 * unsubscribes and replies, each recorded in the mailbox and announced with Postmark's webhook.
 */
export class PostmarkOutbound {
  private readonly ctx: OutboundContext;
  private bounceIds = 4_323_372_036_000;

  constructor(ctx: OutboundContext) {
    this.ctx = ctx;
  }

  private at(): string {
    return new Date(this.ctx.now()).toISOString();
  }

  private emit(trigger: keyof PostmarkWebhookConfig["triggers"], payload: unknown): OutgoingWebhook | undefined {
    if (!this.ctx.config.triggers[trigger]) return undefined;
    return this.ctx.webhooks.push(postmarkRequest(trigger, this.ctx.config.url, this.ctx.config, payload));
  }

  isInactive(stream: string, address: string): boolean {
    return this.ctx.suppressions.has(stream, address);
  }

  /** Stores an accepted message; returns it and the recipients it will not be sent to. */
  accept(message: PostmarkMessage): { stored: StoredMessage; inactive: string[] } {
    const { mailbox, suppressions } = this.ctx;
    const id = randomUUID();
    const all = [...message.to, ...message.cc, ...message.bcc];
    const recipients = [...new Set(all.map((a) => a.address))];
    const inactive = recipients.filter((r) => suppressions.has(message.messageStream, r));
    // Postmark writes its own Message-ID unless the sender gave one in Headers.
    const messageId = messageIdsIn(headerValue(message.headers, "Message-ID"))[0] ?? `<${id}@mtasv.net>`;
    const stored = mailbox.add({
      id,
      provider: "postmark",
      messageId,
      from: formatAddress(message.from),
      fromAddress: message.from.address,
      ...(message.from.name ? { fromName: message.from.name } : {}),
      to: message.to.map((a) => a.raw),
      cc: message.cc.map((a) => a.raw),
      bcc: message.bcc.map((a) => a.raw),
      recipients,
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      subject: message.subject,
      ...(message.textBody ? { text: message.textBody } : {}),
      ...(message.htmlBody ? { html: message.htmlBody } : {}),
      headers: message.headers,
      ...(headerValue(message.headers, "In-Reply-To") ? { inReplyTo: messageIdsIn(headerValue(message.headers, "In-Reply-To"))[0] } : {}),
      references: messageIdsIn(headerValue(message.headers, "References")),
      tags: message.tag ? [message.tag] : [],
      metadata: message.metadata,
      stream: message.messageStream,
      submittedAt: this.at(),
    });
    for (const r of inactive) mailbox.record(stored, "suppressed", r, "inactive recipient: not sent");
    const bounceHeader = headerValue(message.headers, "X-PM-Bounce-Type");
    for (const r of recipients) {
      if (inactive.includes(r)) continue;
      const blackHole = blackHoleBounce(r, bounceHeader);
      if (blackHole) this.bounce(stored, r, blackHole);
      else if (this.ctx.autoDeliver()) this.deliver(stored, r);
    }
    return { stored, inactive };
  }

  deliver(m: StoredMessage, recipient: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "delivered", recipient);
    return [this.emit("Delivery", deliveryPayload(m, recipient, this.at(), this.ctx.serverId))].filter((w) => w !== undefined);
  }

  /** A bounce; a hard bounce also puts the address on the stream's suppression list. */
  bounce(m: StoredMessage, recipient: string, type: BounceType = BOUNCE_TYPES.HardBounce!, details?: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "bounced", recipient, `${type.Type}${details ? `: ${details}` : ""}`);
    const sent = [this.emit("Bounce", bouncePayload(m, recipient, type, this.at(), this.ctx.serverId, ++this.bounceIds, details))];
    if (type.inactive) sent.push(...this.suppress(m, m.stream, recipient, "HardBounce", "Recipient"));
    return sent.filter((w) => w !== undefined);
  }

  complain(m: StoredMessage, recipient: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "complained", recipient);
    const sent = [this.emit("SpamComplaint", bouncePayload(m, recipient, SPAM_COMPLAINT, this.at(), this.ctx.serverId, ++this.bounceIds))];
    sent.push(...this.suppress(m, m.stream, recipient, "SpamComplaint", "Recipient"));
    return sent.filter((w) => w !== undefined);
  }

  /** The recipient used Postmark's unsubscribe link: a manual suppression. */
  unsubscribe(m: StoredMessage, recipient: string): OutgoingWebhook[] {
    this.ctx.mailbox.record(m, "unsubscribed", recipient);
    return this.suppress(m, m.stream, recipient, "ManualSuppression", "Recipient");
  }

  suppress(m: StoredMessage | undefined, stream: string, recipient: string, reason: SuppressionReason, origin: SuppressionOrigin): OutgoingWebhook[] {
    this.ctx.suppressions.add(stream, recipient, reason, origin, this.at());
    const payload = subscriptionChangePayload(
      m,
      stream,
      recipient,
      { SuppressSending: true, SuppressionReason: reason, Origin: origin },
      this.at(),
      this.ctx.serverId,
    );
    return [this.emit("SubscriptionChange", payload)].filter((w) => w !== undefined);
  }

  /** Removes an address from a stream's suppression list (a customer reactivating it). */
  reactivate(stream: string, recipient: string): { removed: boolean; webhooks: OutgoingWebhook[] } {
    const removed = this.ctx.suppressions.remove(stream, recipient);
    if (!removed) return { removed: false, webhooks: [] };
    const payload = subscriptionChangePayload(
      undefined,
      stream,
      recipient,
      { SuppressSending: false, SuppressionReason: null, Origin: "Customer" },
      this.at(),
      this.ctx.serverId,
    );
    return { removed: true, webhooks: [this.emit("SubscriptionChange", payload)].filter((w) => w !== undefined) };
  }

  /** The recipient answers: an inbound webhook to the inbound stream's URL. */
  reply(m: StoredMessage, recipient: string, input: ReplyInput): OutgoingWebhook {
    const reply = buildReply(m, recipient, input, this.ctx.now());
    const payload = postmarkInboundPayload(reply);
    this.ctx.mailbox.record(m, "replied", recipient, reply.messageId);
    m.replies.push(payload.MessageID);
    return this.ctx.webhooks.push(postmarkRequest("Inbound", this.ctx.config.inboundUrl, {}, payload));
  }
}
