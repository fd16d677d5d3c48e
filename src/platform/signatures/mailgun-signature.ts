import { constantTimeEqual, hmacSha256, toHex, utf8 } from "../bytes";
import type { SignatureResult } from "./signature-result";

/** How far the signed timestamp may be from now; Mailgun recommends refusing old ones. */
export const MAILGUN_TIMESTAMP_TOLERANCE_S = 5 * 60;

export interface MailgunSignedFields {
  /** The HTTP webhook signing key from the Mailgun dashboard (not the API key). */
  signingKey: string;
  /** Epoch seconds, as posted. */
  timestamp: string | null | undefined;
  /** 50 random characters, unique per request. */
  token: string | null | undefined;
  /** Hex HMAC-SHA256. */
  signature: string | null | undefined;
  nowMs: number;
  toleranceSeconds?: number;
}

/** Hex HMAC-SHA256 of `timestamp + token`, keyed with the webhook signing key. */
export async function signMailgun(signingKey: string, timestamp: string | number, token: string): Promise<string> {
  return toHex(await hmacSha256(utf8(signingKey), utf8(`${timestamp}${token}`)));
}

/**
 * Mailgun signs only the timestamp and token, not the body, so a captured request replays
 * within the tolerance; callers that care should also refuse a token they have seen before.
 */
export async function verifyMailgunSignature(fields: MailgunSignedFields): Promise<SignatureResult> {
  const { signingKey, timestamp, token, signature, nowMs, toleranceSeconds = MAILGUN_TIMESTAMP_TOLERANCE_S } = fields;
  if (!signingKey) return { ok: false, reason: "no Mailgun webhook signing key is configured" };
  if (!timestamp || !token || !signature) return { ok: false, reason: "missing Mailgun timestamp, token or signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "Mailgun timestamp is not epoch seconds" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) {
    return { ok: false, reason: `Mailgun timestamp is more than ${toleranceSeconds} s away from now` };
  }
  const expected = await signMailgun(signingKey, timestamp, token);
  return constantTimeEqual(utf8(expected), utf8(signature.trim().toLowerCase()))
    ? { ok: true, scheme: "mailgun-hmac-sha256" }
    : { ok: false, reason: "Mailgun signature does not match" };
}
