import { createHmac } from "node:crypto";

export const DEFAULT_SIGNING_SECRET = "slack-dev-signing-secret";

/**
 * Slack's v0 request signing: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}` keyed with the signing
 * secret as text. A copy of src/platform/signatures/slack-signature.ts's signer, because the emulators stand
 * in for Slack and must not share code with the app they test.
 */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestampSeconds}:${body}`).digest("hex")}`;
}

export function slackSignatureHeaders(signingSecret: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signSlackRequest(signingSecret, timestamp, body),
  };
}
