import { createHmac, randomBytes } from "node:crypto";
import type { StoredMessage } from "../mail/mailbox.ts";

/**
 * Mailgun's event webhooks: one JSON POST per event, `{signature: {timestamp, token, signature},
 * "event-data": {…}}` (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads),
 * signed as "Securing Webhooks" says: hex HMAC-SHA256 of `timestamp + token` keyed with the HTTP
 * webhook signing key (not the API key). A copy of the signer, not an import of the product's:
 * the emulator stands in for Mailgun.
 */
export function signMailgun(signingKey: string, timestamp: string, token: string): string {
  return createHmac("sha256", signingKey).update(`${timestamp}${token}`).digest("hex");
}

export interface MailgunSignature {
  timestamp: string;
  token: string;
  signature: string;
}

/** A fresh signature block: epoch seconds, 50 random characters, their HMAC. */
export function signature(signingKey: string, nowMs: number): MailgunSignature {
  const timestamp = String(Math.floor(nowMs / 1000));
  const token = randomBytes(25).toString("hex");
  return { timestamp, token, signature: signMailgun(signingKey, timestamp, token) };
}

/** Mailgun's webhook names, as the Domain Webhooks API calls them. */
export type MailgunWebhookName = "delivered" | "permanent_fail" | "temporary_fail" | "complained" | "unsubscribed";

/** Event ids are 22 url-safe characters in Mailgun's examples. */
const eventId = () => randomBytes(16).toString("base64url").slice(0, 22);

export function baseEvent(m: StoredMessage, recipient: string, event: string, logLevel: string, nowMs: number) {
  return {
    id: eventId(),
    timestamp: nowMs / 1000,
    "log-level": logLevel,
    event,
    recipient,
    "recipient-domain": recipient.slice(recipient.lastIndexOf("@") + 1),
    envelope: { sender: `bounce+${m.id.split("@")[0]}@${m.stream}`, targets: recipient, transport: "smtp", "sending-ip": "198.51.100.25" },
    message: {
      headers: { to: m.to.join(", "), "message-id": m.id, from: m.from, subject: m.subject },
      attachments: [],
      size: (m.text?.length ?? 0) + (m.html?.length ?? 0),
    },
    flags: { "is-routed": false, "is-authenticated": true, "is-system-test": false, "is-test-mode": false },
    tags: m.tags,
    campaigns: [],
    "user-variables": m.metadata,
  };
}

/** `accepted`: Mailgun queued the message (an event the Events API lists; no webhook is sent for it). */
export function acceptedEvent(m: StoredMessage, recipient: string, nowMs: number) {
  return { ...baseEvent(m, recipient, "accepted", "info", nowMs), method: "HTTP" };
}

export function deliveredEvent(m: StoredMessage, recipient: string, nowMs: number) {
  return {
    ...baseEvent(m, recipient, "delivered", "info", nowMs),
    "delivery-status": {
      tls: true,
      "mx-host": `mx.${recipient.slice(recipient.lastIndexOf("@") + 1)}`,
      "attempt-no": 1,
      description: "",
      "session-seconds": 0.42,
      utf8: true,
      code: 250,
      message: "OK",
      "certificate-verified": true,
    },
  };
}

export interface Failure {
  severity: "permanent" | "temporary";
  /** `bounce`, `generic`, `suppress-bounce`, `suppress-complaint`, `suppress-unsubscribe`, … */
  reason: string;
  code: number;
  message: string;
  description?: string;
}

/** A hard bounce as Mailgun logs it (the SMTP answer of a mailbox that does not exist). */
export const HARD_BOUNCE: Failure = {
  severity: "permanent",
  reason: "bounce",
  code: 550,
  message: "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos.",
};

export const TEMPORARY_FAILURE: Failure = {
  severity: "temporary",
  reason: "generic",
  code: 452,
  message: "4.2.2 The email account that you tried to reach is over quota.",
};

/**
 * Mail to an address on a suppression list is accepted, then dropped without an attempt: a
 * permanent failure with a `suppress-…` reason and a 6xx code. 605 is in Mailgun's published
 * example; 606 and 607 follow the same scheme as seen in Mailgun's logs.
 */
export const SUPPRESSED: Record<"bounces" | "unsubscribes" | "complaints", Failure> = {
  bounces: { severity: "permanent", reason: "suppress-bounce", code: 605, message: "", description: "Not delivering to previously bounced address" },
  unsubscribes: {
    severity: "permanent",
    reason: "suppress-unsubscribe",
    code: 606,
    message: "",
    description: "Not delivering to unsubscribed address",
  },
  complaints: {
    severity: "permanent",
    reason: "suppress-complaint",
    code: 607,
    message: "",
    description: "Not delivering to a user who marked your messages as spam",
  },
};

export function failedEvent(m: StoredMessage, recipient: string, failure: Failure, nowMs: number) {
  const dropped = failure.reason.startsWith("suppress-");
  return {
    ...baseEvent(m, recipient, "failed", failure.severity === "permanent" ? "error" : "warn", nowMs),
    severity: failure.severity,
    reason: failure.reason,
    "delivery-status": {
      "attempt-no": 1,
      code: failure.code,
      message: failure.message,
      description: failure.description ?? "",
      "session-seconds": dropped ? 0 : 1.3,
      ...(dropped ? {} : { "mx-host": `mx.${recipient.slice(recipient.lastIndexOf("@") + 1)}`, tls: true, utf8: true }),
      ...(failure.severity === "temporary" ? { "retry-seconds": 600 } : {}),
    },
  };
}

export function complainedEvent(m: StoredMessage, recipient: string, nowMs: number) {
  return baseEvent(m, recipient, "complained", "warn", nowMs);
}

export function unsubscribedEvent(m: StoredMessage, recipient: string, nowMs: number) {
  return {
    ...baseEvent(m, recipient, "unsubscribed", "info", nowMs),
    ip: "203.0.113.7",
    geolocation: { country: "US", region: "CA", city: "San Francisco" },
    "client-info": {
      "client-type": "browser",
      "client-os": "Linux",
      "device-type": "desktop",
      "client-name": "Firefox",
      "user-agent": "Mozilla/5.0",
    },
  };
}
