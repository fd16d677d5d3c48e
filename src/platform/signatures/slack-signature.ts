import { concatBytes, constantTimeEqual, hmacSha256, toHex, utf8 } from "../bytes";
import type { SignatureResult } from "./signature-result";

/** Slack's own SDKs refuse requests more than five minutes old (or ahead), to stop replays. */
export const SLACK_TIMESTAMP_TOLERANCE_S = 5 * 60;

export interface SlackSignedRequest {
  signingSecret: string;
  /** X-Slack-Request-Timestamp: epoch seconds. */
  timestamp: string | null | undefined;
  /** X-Slack-Signature: `v0=<hex>`. */
  signature: string | null | undefined;
  /** The body exactly as received: Slack signs the form-encoded bytes, not the decoded payload. */
  rawBody: string | Uint8Array;
  nowMs: number;
  toleranceSeconds?: number;
}

function bodyBytes(rawBody: string | Uint8Array): Uint8Array {
  return typeof rawBody === "string" ? utf8(rawBody) : rawBody;
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, keyed with the signing secret as UTF-8 text. */
export async function signSlackRequest(signingSecret: string, timestampSeconds: number | string, rawBody: string | Uint8Array): Promise<string> {
  const base = concatBytes(utf8(`v0:${timestampSeconds}:`), bodyBytes(rawBody));
  return `v0=${toHex(await hmacSha256(utf8(signingSecret), base))}`;
}

export async function verifySlackSignature(req: SlackSignedRequest): Promise<SignatureResult> {
  const { signingSecret, timestamp, signature, rawBody, nowMs, toleranceSeconds = SLACK_TIMESTAMP_TOLERANCE_S } = req;
  if (!signingSecret) return { ok: false, reason: "no Slack signing secret is configured" };
  if (!timestamp) return { ok: false, reason: "missing X-Slack-Request-Timestamp header" };
  if (!signature) return { ok: false, reason: "missing X-Slack-Signature header" };
  if (!/^\d{1,12}$/.test(timestamp.trim())) return { ok: false, reason: "X-Slack-Request-Timestamp is not epoch seconds" };
  const ts = timestamp.trim();
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceSeconds) {
    return { ok: false, reason: `X-Slack-Request-Timestamp is more than ${toleranceSeconds} s away from now` };
  }

  const given = signature.trim().toLowerCase();
  if (!given.startsWith("v0=")) return { ok: false, reason: "X-Slack-Signature is not a v0=<hex> signature" };
  const expected = await signSlackRequest(signingSecret, ts, rawBody);
  return constantTimeEqual(utf8(expected), utf8(given))
    ? { ok: true, scheme: "slack-v0" }
    : { ok: false, reason: "Slack v0 signature does not match" };
}
