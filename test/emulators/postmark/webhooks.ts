import type { StoredMessage } from "../mail/mailbox.ts";
import { type OutgoingWebhook, splitCredentials } from "../mail/webhook-queue.ts";
import type { BounceType } from "./bounce-types.ts";
import type { SuppressionOrigin, SuppressionReason } from "./suppressions.ts";

/**
 * Postmark's outbound webhooks, one JSON object per POST, in the shapes of its webhook pages
 * (https://postmarkapp.com/developer/webhooks/delivery-webhook, …/bounce-webhook,
 * …/spam-complaint-webhook, …/subscription-change-webhook); field names as there and in
 * postmark.js's payload types. Datetimes are ISO 8601.
 *
 * Postmark does not sign webhooks. A webhook is protected by HTTP basic auth (credentials in the
 * webhook URL, https://user:pass@host/path, or the webhook's HttpAuth), by custom HttpHeaders
 * configured on the webhook, and by Postmark's published source IPs
 * (https://postmarkapp.com/developer/webhooks/webhooks-overview#protecting-your-webhook).
 */
export type PostmarkTrigger = "Delivery" | "Bounce" | "SpamComplaint" | "SubscriptionChange";

export interface PostmarkWebhookConfig {
  /** The outbound stream's webhook URL; credentials in it are sent as basic auth. */
  url?: string;
  /** The webhook's HttpAuth, sent as basic auth. */
  httpAuth?: { Username: string; Password: string };
  /** The webhook's HttpHeaders, sent with every request. */
  httpHeaders?: { Name: string; Value: string }[];
  /** Which events are posted. Default: all four. */
  triggers: Record<PostmarkTrigger, boolean>;
  /** The inbound stream's webhook URL (InboundHookUrl); credentials in it are sent as basic auth. */
  inboundUrl?: string;
}

export const ALL_TRIGGERS: Record<PostmarkTrigger, boolean> = { Delivery: true, Bounce: true, SpamComplaint: true, SubscriptionChange: true };

/** The request Postmark would make for a payload: JSON, basic auth if configured, the custom headers. */
export function postmarkRequest(
  kind: string,
  target: string | undefined,
  config: Pick<PostmarkWebhookConfig, "httpAuth" | "httpHeaders">,
  payload: unknown,
): Omit<OutgoingWebhook, "seq"> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const split = target ? splitCredentials(target) : undefined;
  const credentials = config.httpAuth
    ? `Basic ${Buffer.from(`${config.httpAuth.Username}:${config.httpAuth.Password}`, "utf8").toString("base64")}`
    : split?.authorization;
  if (credentials) headers.authorization = credentials;
  for (const h of config.httpHeaders ?? []) headers[h.Name.toLowerCase()] = h.Value;
  return { kind, ...(split ? { url: split.url } : {}), headers, body: JSON.stringify(payload), payload };
}

const tagOf = (m: StoredMessage) => m.tags[0] ?? "";

export function deliveryPayload(m: StoredMessage, recipient: string, at: string, serverId: number) {
  return {
    RecordType: "Delivery",
    ServerID: serverId,
    MessageStream: m.stream,
    MessageID: m.id,
    Recipient: recipient,
    Tag: tagOf(m),
    DeliveredAt: at,
    Details: "smtp;250 2.0.0 OK",
    Metadata: m.metadata,
  };
}

export function bouncePayload(
  m: StoredMessage,
  recipient: string,
  type: BounceType,
  at: string,
  serverId: number,
  bounceId: number,
  details?: string,
) {
  const spam = type.Type === "SpamComplaint";
  return {
    RecordType: spam ? "SpamComplaint" : "Bounce",
    MessageStream: m.stream,
    ID: bounceId,
    Type: type.Type,
    TypeCode: type.TypeCode,
    Name: type.Name,
    Tag: tagOf(m),
    MessageID: m.id,
    Metadata: m.metadata,
    ServerID: serverId,
    Description: type.Description,
    Details:
      details ?? (spam ? "Spam complaint reported by the recipient's mailbox provider" : `smtp;550 5.1.1 <${recipient}>: Recipient address rejected`),
    Email: recipient,
    From: m.fromAddress,
    BouncedAt: at,
    DumpAvailable: false,
    Inactive: type.inactive,
    CanActivate: type.canActivate,
    Subject: m.subject,
  };
}

export function subscriptionChangePayload(
  m: StoredMessage | undefined,
  stream: string,
  recipient: string,
  suppress: { SuppressSending: boolean; SuppressionReason: SuppressionReason | null; Origin: SuppressionOrigin },
  at: string,
  serverId: number,
) {
  return {
    RecordType: "SubscriptionChange",
    MessageID: m?.id ?? "",
    ServerID: serverId,
    MessageStream: stream,
    ChangedAt: at,
    Recipient: recipient,
    Origin: suppress.Origin,
    SuppressSending: suppress.SuppressSending,
    SuppressionReason: suppress.SuppressionReason,
    Tag: m ? tagOf(m) : "",
    Metadata: m?.metadata ?? {},
  };
}
