import { concatBytes, constantTimeEqual, fromBase64, hmacSha256, toBase64, utf8 } from "../bytes";
import type { SignatureResult } from "./signature-result";

/** The Standard Webhooks spec's replay window, in both directions. */
export const STANDARD_WEBHOOKS_TOLERANCE_S = 5 * 60;

/** `whsec_<base64>` → key bytes; null when the secret is not in that form. */
export function decodeWebhookSecret(secret: string): Uint8Array | null {
  const body = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = fromBase64(body);
  return key && key.length > 0 ? key : null;
}

export async function standardWebhookSignature(key: Uint8Array, id: string, timestamp: string, rawBody: Uint8Array) {
  const mac = await hmacSha256(key, concatBytes(utf8(`${id}.${timestamp}.`), rawBody));
  return `v1,${toBase64(mac)}`;
}

/**
 * Verifies `webhook-id`, `webhook-timestamp` (epoch seconds) and `webhook-signature`, which may
 * carry several space-separated `v1,<base64>` signatures during a secret rotation.
 */
export async function verifyStandardWebhook(
  headers: Headers,
  rawBody: Uint8Array,
  key: Uint8Array,
  nowMs: number,
): Promise<SignatureResult & { id?: string }> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) {
    return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp is not epoch seconds" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > STANDARD_WEBHOOKS_TOLERANCE_S) {
    return { ok: false, reason: "webhook-timestamp is outside the 5 minute tolerance" };
  }
  const expected = fromBase64((await standardWebhookSignature(key, id, timestamp, rawBody)).slice(3))!;
  for (const candidate of signatures.split(" ")) {
    const [version, encoded] = candidate.split(",", 2);
    if (version !== "v1" || !encoded) continue;
    const given = fromBase64(encoded);
    if (given && constantTimeEqual(expected, given)) return { ok: true, scheme: "standard-webhooks-v1", id };
  }
  return { ok: false, reason: "no webhook-signature matches" };
}
