import { createHmac, randomUUID } from "node:crypto";

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` keyed with the base64-decoded part of a `whsec_` secret.
 */
export function signStandardWebhook(secret: string, body: string, nowMs: number, id = `msg_${randomUUID()}`): SignedDelivery {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
  if (key.length === 0) throw new Error("the webhook secret must be whsec_<base64>");
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": `v1,${signature}`,
    },
  };
}
