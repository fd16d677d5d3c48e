import { z } from "zod";
import { describeIssues } from "../platform/zod-issues";

/**
 * What an email provider's event webhook says happened to a message, in one shape for Postmark
 * and Mailgun. `messageId` is what names our send: Postmark's MessageID (the provider's id we
 * recorded), Mailgun's message-id header (our own Message-ID, without brackets).
 */
export interface ProviderEvent {
  provider: "postmark" | "mailgun";
  /** The provider's identity of this event: the same webhook delivered twice has the same id. */
  id: string;
  kind: "delivered" | "bounced" | "complained" | "unsubscribed" | "ignored";
  /** A bounce that means the address will never take mail (Postmark deactivated it; Mailgun's permanent failure). */
  permanent: boolean;
  recipient: string;
  messageId: string;
  at: string;
  detail: string;
}

export type ParsedEvent = { ok: true; event: ProviderEvent } | { ok: false; message: string };

const text = z.string().nullish();

const PostmarkEvent = z.looseObject({
  RecordType: z.string(),
  ID: z.union([z.number(), z.string()]).nullish(),
  MessageID: text,
  Recipient: text,
  Email: text,
  Type: text,
  TypeCode: z.number().nullish(),
  Inactive: z.boolean().nullish(),
  Description: text,
  Details: text,
  DeliveredAt: text,
  BouncedAt: text,
  ChangedAt: text,
  SuppressSending: z.boolean().nullish(),
  SuppressionReason: text,
  Origin: text,
});

/**
 * Postmark's Delivery, Bounce, SpamComplaint and SubscriptionChange webhooks
 * (https://postmarkapp.com/developer/webhooks/webhooks-overview). A bounce is permanent when
 * Postmark made the address inactive (hard bounces, bad addresses); an auto-responder "bounce" is
 * not a bounce. A SubscriptionChange that suppresses for ManualSuppression is an unsubscribe
 * (Postmark's own unsubscribe link, or the customer's hand); those for hard bounces and complaints
 * repeat what their own webhooks said.
 */
export function parsePostmarkEvent(json: unknown, receivedAt: string): ParsedEvent {
  const parsed = PostmarkEvent.safeParse(json);
  if (!parsed.success) return { ok: false, message: `Postmark webhook payload: ${describeIssues(parsed.error)}` };
  const p = parsed.data;
  const messageId = p.MessageID?.trim() ?? "";
  switch (p.RecordType) {
    case "Delivery":
      return event(
        "delivered",
        `postmark:delivery:${messageId}:${p.Recipient}`,
        p.Recipient,
        messageId,
        p.DeliveredAt,
        p.Details ?? "delivered",
        false,
      );
    case "Bounce": {
      const automatic = p.Type === "AutoResponder";
      return event(
        automatic ? "ignored" : "bounced",
        `postmark:bounce:${p.ID ?? `${messageId}:${p.Email}`}`,
        p.Email,
        messageId,
        p.BouncedAt,
        `${p.Type ?? "bounce"}: ${p.Details ?? p.Description ?? ""}`,
        p.Inactive === true,
      );
    }
    case "SpamComplaint":
      return event(
        "complained",
        `postmark:complaint:${p.ID ?? `${messageId}:${p.Email}`}`,
        p.Email,
        messageId,
        p.BouncedAt,
        p.Details ?? "spam complaint",
        true,
      );
    case "SubscriptionChange": {
      const unsubscribed = p.SuppressSending === true && p.SuppressionReason === "ManualSuppression";
      return event(
        unsubscribed ? "unsubscribed" : "ignored",
        `postmark:subscription:${messageId}:${p.Recipient}:${p.ChangedAt}:${p.SuppressSending}`,
        p.Recipient,
        messageId,
        p.ChangedAt,
        `subscription change (${p.SuppressionReason ?? "reactivated"}, ${p.Origin ?? "unknown origin"})`,
        true,
      );
    }
    default:
      return event(
        "ignored",
        `postmark:${p.RecordType}:${messageId}:${p.ID ?? ""}`,
        p.Recipient ?? p.Email,
        messageId,
        undefined,
        p.RecordType,
        false,
      );
  }

  function event(
    kind: ProviderEvent["kind"],
    id: string,
    recipient: string | null | undefined,
    message: string,
    at: string | null | undefined,
    detail: string,
    permanent: boolean,
  ): ParsedEvent {
    if (kind !== "ignored" && (!recipient || !message))
      return { ok: false, message: `Postmark ${p.RecordType} webhook without a recipient or MessageID` };
    return {
      ok: true,
      event: {
        provider: "postmark",
        id: id.slice(0, 300),
        kind,
        permanent,
        recipient: recipient ?? "",
        messageId: message,
        at: instant(at, receivedAt),
        detail: detail.slice(0, 500),
      },
    };
  }
}

const MailgunEvent = z.looseObject({
  signature: z.looseObject({ timestamp: z.union([z.string(), z.number()]), token: z.string(), signature: z.string() }),
  "event-data": z.looseObject({
    id: z.string(),
    event: z.string(),
    timestamp: z.number().nullish(),
    recipient: text,
    severity: text,
    reason: text,
    message: z.looseObject({ headers: z.looseObject({ "message-id": text }).nullish() }).nullish(),
    "delivery-status": z.looseObject({ code: z.union([z.number(), z.string()]).nullish(), message: text, description: text }).nullish(),
  }),
});

/** The signature block of a Mailgun event webhook, for verifyMailgunSignature. */
export function mailgunEventSignature(json: unknown): { timestamp?: string; token?: string; signature?: string } {
  const sig = (json as { signature?: { timestamp?: unknown; token?: unknown; signature?: unknown } } | null)?.signature;
  return {
    ...(sig?.timestamp !== undefined ? { timestamp: String(sig.timestamp) } : {}),
    ...(typeof sig?.token === "string" ? { token: sig.token } : {}),
    ...(typeof sig?.signature === "string" ? { signature: sig.signature } : {}),
  };
}

/**
 * Mailgun's event webhooks (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads):
 * delivered, failed (permanent or temporary), complained, unsubscribed. A permanent failure for a
 * suppressed address (reason suppress-…) is not a new bounce: the address is suppressed already.
 */
export function parseMailgunEvent(json: unknown, receivedAt: string): ParsedEvent {
  const parsed = MailgunEvent.safeParse(json);
  if (!parsed.success) return { ok: false, message: `Mailgun webhook payload: ${describeIssues(parsed.error)}` };
  const d = parsed.data["event-data"];
  const messageId = d.message?.headers?.["message-id"]?.trim().replace(/^<|>$/g, "") ?? "";
  const status = d["delivery-status"];
  const detail =
    `${d.event}${d.severity ? ` (${d.severity}${d.reason ? `, ${d.reason}` : ""})` : ""}: ${status?.code ?? ""} ${status?.message || status?.description || ""}`.trim();
  const kind: ProviderEvent["kind"] =
    d.event === "delivered"
      ? "delivered"
      : d.event === "failed"
        ? "bounced"
        : d.event === "complained"
          ? "complained"
          : d.event === "unsubscribed"
            ? "unsubscribed"
            : "ignored";
  if (kind !== "ignored" && (!d.recipient || !messageId)) return { ok: false, message: `Mailgun ${d.event} event without a recipient or message-id` };
  return {
    ok: true,
    event: {
      provider: "mailgun",
      id: `mailgun:${d.id}`.slice(0, 300),
      kind,
      permanent: kind === "bounced" ? d.severity === "permanent" : kind !== "delivered",
      recipient: d.recipient ?? "",
      messageId,
      at: d.timestamp ? new Date(d.timestamp * 1000).toISOString() : receivedAt,
      detail: detail.slice(0, 500),
    },
  };
}

function instant(value: string | null | undefined, fallback: string): string {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}
