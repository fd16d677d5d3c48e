import { describe, expect, it } from "vitest";
import { redact } from "../../src/platform/failure";
import { TEST_BINDINGS } from "../support/test-bindings";

const HUBSPOT_PAT = "pat-na1-4f1d2c3b-aaaa-bbbb-cccc-0123456789ab";
const SLACK_BOT = "xoxb-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx";
const SALESFORCE_SESSION = "00D5g000004ExmplEAA!AQ4AQFakeSessionId.With_Odd-Chars~And+Slash/Equals==";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

describe("redact", () => {
  it.each([
    ["Bearer", `Authorization: Bearer ${HUBSPOT_PAT}`, "Authorization: Bearer [redacted]"],
    ["Bearer JWT", `authorization: bearer ${JWT}`, "authorization: bearer [redacted]"],
    ["OAuth (Salesforce)", `Authorization: OAuth ${SALESFORCE_SESSION}`, "Authorization: OAuth [redacted]"],
  ])("removes %s tokens and keeps the scheme", (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it("removes the tokens of the test configuration wherever they follow Bearer", () => {
    for (const token of [TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, TEST_BINDINGS.SALESFORCE_ACCESS_TOKEN, TEST_BINDINGS.SLACK_BOT_TOKEN]) {
      const out = redact(`request failed; headers {"Authorization":"Bearer ${token}"}`);
      expect(out).not.toContain(token);
      expect(out).toContain("Bearer [redacted]");
    }
  });

  it.each(["xoxb", "xoxp", "xoxa", "xoxr", "xoxs"])("removes bare Slack %s- tokens", (prefix) => {
    const token = `${prefix}-1234567890-abcDEF`;
    expect(redact(`Slack said invalid_auth for ${token}.`)).toBe("Slack said invalid_auth for [redacted].");
  });

  it("removes a bare Slack token inside JSON", () => {
    const out = redact(JSON.stringify({ ok: false, error: "invalid_auth", sent: SLACK_BOT }));
    expect(out).not.toContain(SLACK_BOT);
    expect(out).not.toMatch(/xoxb-\d/);
  });

  it("removes bare HubSpot private-app tokens (pat-…), any case", () => {
    expect(redact(`HubSpot 401: ${HUBSPOT_PAT} is expired`)).toBe("HubSpot 401: [redacted] is expired");
    expect(redact(`HubSpot 401: ${HUBSPOT_PAT.toUpperCase()} is expired`)).toBe("HubSpot 401: [redacted] is expired");
  });

  it("leaves words that merely contain pat- alone", () => {
    expect(redact("compat-mode-enabled-here")).toBe("compat-mode-enabled-here");
    expect(redact("pat-short")).toBe("pat-short");
  });

  it.each([
    ["query string", "GET /x?token=abc123&limit=1", "GET /x?token=[redacted]&limit=1"],
    ["access_token param", "https://login/?access_token=s3cr3t.value&x=1", "https://login/?access_token=[redacted]&x=1"],
    ["JSON access_token", '{"access_token":"s3cr3t","instance_url":"https://x"}', '{"access_token":"[redacted]","instance_url":"https://x"}'],
    ["JSON accessToken", '{"accessToken": "s3cr3t", "ok": true}', '{"accessToken": "[redacted]", "ok": true}'],
    ["client_secret", "client_secret=abc-def_123", "client_secret=[redacted]"],
    ["token: value", "token: abc123, next", "token: [redacted], next"],
    ["upper case", "TOKEN=abc123", "TOKEN=[redacted]"],
    ["single quotes", "{token: 'abc123'}", "{token: '[redacted]'}"],
  ])("removes token=… values (%s)", (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  // Issue 27: "the access token [redacted] owners" on the health page. Each secret kind goes, and
  // only the secret: the word after it stays.
  it.each([
    ["HubSpot private-app token", `HubSpot refused ${HUBSPOT_PAT} for owners`, "HubSpot refused [redacted] for owners"],
    ["Slack bot token", `Slack refused ${SLACK_BOT} in Workspace`, "Slack refused [redacted] in Workspace"],
    ["Slack app token", "socket mode with xapp-1-A0123-4567-abcdef then stopped", "socket mode with [redacted] then stopped"],
    [
      "Slack incoming webhook",
      "posted to https://hooks.slack.com/services/T000/B000/XXXXsecret then failed",
      "posted to https://hooks.slack.com/services/[redacted] then failed",
    ],
    [
      "Salesforce session id",
      `Salesforce said INVALID_SESSION_ID for ${SALESFORCE_SESSION} today`,
      "Salesforce said INVALID_SESSION_ID for [redacted] today",
    ],
    [
      "Salesforce refresh token",
      "refresh with 5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrfnh5fe3rR5Jbwo2Z8jE1vCUS3F7YBs9W8 failed",
      "refresh with [redacted] failed",
    ],
    ["bearer JWT", `sent Bearer ${JWT} twice`, "sent Bearer [redacted] twice"],
    ["bare JWT", `id_token ${JWT} expired`, "id_token [redacted] expired"],
    ["bearer token with dashes", "sent Bearer hubspot-dev-token. Then", "sent Bearer [redacted]. Then"],
    [
      "basic auth in a URL",
      "GET https://api:key-3ax6xnjp29jd6fds4gc373sgvjxteol0@api.mailgun.net/v3/x failed",
      "GET https://[redacted]@api.mailgun.net/v3/x failed",
    ],
    ["basic auth header", "Authorization: Basic dXNlcjpwYXNzd29yZA== was refused", "Authorization: Basic [redacted] was refused"],
    ["API key header", "x-api-key: 0a1b2c3d4e5f then 401", "x-api-key: [redacted] then 401"],
    ["HubSpot developer API key", "GET /crm/v3/objects?hapikey=demo-key-123&limit=1", "GET /crm/v3/objects?hapikey=[redacted]&limit=1"],
    ["api_key in JSON", '{"api_key": "k-123", "ok": false}', '{"api_key": "[redacted]", "ok": false}'],
    ["password", "sign-in with password=hunter2 refused", "sign-in with password=[redacted] refused"],
  ])("%s: removes the secret and keeps the words after it", (_kind, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    "HubSpot: the access token reads owners",
    "Slack: the bot token works in Emulated Workspace",
    "HubSpot refused the access token (HTTP 401)",
    "Bearer token expired, sign in again",
    "OAuth flow finished; the refresh token rotated",
    "the token expired at 12:00",
  ])("leaves prose about tokens alone: %s", (message) => {
    expect(redact(message)).toBe(message);
  });

  it("removes several secrets in one message", () => {
    const out = redact(`Bearer ${HUBSPOT_PAT} then ${SLACK_BOT} then token=zzz and ${HUBSPOT_PAT}`);
    expect(out).toBe("Bearer [redacted] then [redacted] then token=[redacted] and [redacted]");
  });

  it("leaves ordinary error messages untouched", () => {
    for (const message of [
      "HubSpot 400: Property values were not valid: hubspot_owner_id 999999999 is not a valid owner id",
      "Salesforce INVALID_CROSS_REFERENCE_KEY: Owner ID: invalid cross reference id",
      "HubSpot 429: You have reached your ten_secondly_rolling limit.",
      "Salesforce network error: Network connection lost.",
    ]) {
      expect(redact(message)).toBe(message);
    }
  });

  it("truncates long messages to 2,000 characters", () => {
    expect(redact("x".repeat(5_000))).toHaveLength(2_000);
    expect(redact("x".repeat(2_000))).toHaveLength(2_000);
    expect(redact("x".repeat(1_999))).toHaveLength(1_999);
    expect(redact("")).toBe("");
  });

  it("redacts before truncating, so a token across the cut leaves no prefix behind", () => {
    const message = `${"x".repeat(1_990)} Bearer ${HUBSPOT_PAT} ${"y".repeat(100)}`;
    const out = redact(message);
    expect(out).toHaveLength(2_000);
    expect(out).not.toContain(HUBSPOT_PAT.slice(0, 8));
    const bare = redact(`${"x".repeat(1_995)} ${HUBSPOT_PAT}`);
    expect(bare).not.toContain("pat-na1");
  });
});
