import { describe, expect, it } from "vitest";
import { signSlackRequest, verifySlackSignature } from "../../src/platform/signatures/slack-signature";

// Slack's documented example (https://docs.slack.dev/authentication/verifying-requests-from-slack).
const DOC = {
  secret: "8f742231b10e8888abcd99yyyzzz85a5",
  timestamp: "1531420618",
  body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
  signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
};
const DOC_NOW = 1531420618 * 1000;

const verify = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    signingSecret: DOC.secret,
    timestamp: DOC.timestamp,
    signature: DOC.signature,
    rawBody: DOC.body,
    nowMs: DOC_NOW,
    ...overrides,
  });

describe("Slack v0 signatures", () => {
  it("reproduce Slack's documented test vector", async () => {
    expect(await signSlackRequest(DOC.secret, 1531420618, DOC.body)).toBe(DOC.signature);
    expect(await signSlackRequest(DOC.secret, DOC.timestamp, new TextEncoder().encode(DOC.body))).toBe(DOC.signature);
    expect(await verify()).toEqual({ ok: true, scheme: "slack-v0" });
  });

  it("accept the raw body as bytes, upper-case hex and surrounding spaces", async () => {
    expect(await verify({ rawBody: new TextEncoder().encode(DOC.body) })).toMatchObject({ ok: true });
    expect(await verify({ signature: ` v0=${DOC.signature.slice(3).toUpperCase()} ` })).toMatchObject({ ok: true });
  });

  it("sign non-ASCII bodies as UTF-8", async () => {
    const body = `payload=${encodeURIComponent(JSON.stringify({ text: "Zoë ✓" }))}&raw=Zoë`;
    const signature = await signSlackRequest("s3cret", 1_700_000_000, body);
    expect(
      await verifySlackSignature({ signingSecret: "s3cret", timestamp: "1700000000", signature, rawBody: body, nowMs: 1_700_000_000_000 }),
    ).toMatchObject({ ok: true });
    expect(
      await verifySlackSignature({
        signingSecret: "s3cret",
        timestamp: "1700000000",
        signature,
        rawBody: new TextEncoder().encode(body),
        nowMs: 1_700_000_000_000,
      }),
    ).toMatchObject({ ok: true });
  });

  it("refuse a tampered body, another secret or another timestamp", async () => {
    expect(await verify({ rawBody: DOC.body.replace("roadrunner", "coyote") })).toEqual({ ok: false, reason: "Slack v0 signature does not match" });
    expect(await verify({ signingSecret: "another-secret" })).toMatchObject({ ok: false });
    expect(await verify({ timestamp: "1531420619", nowMs: DOC_NOW })).toMatchObject({ ok: false, reason: "Slack v0 signature does not match" });
    expect(await verify({ signature: DOC.signature.slice(0, -2) })).toMatchObject({ ok: false });
    expect(await verify({ signature: "v0=" })).toMatchObject({ ok: false });
  });

  it("refuse missing headers", async () => {
    expect(await verify({ timestamp: null })).toEqual({ ok: false, reason: "missing X-Slack-Request-Timestamp header" });
    expect(await verify({ timestamp: "" })).toMatchObject({ ok: false, reason: "missing X-Slack-Request-Timestamp header" });
    expect(await verify({ signature: undefined })).toEqual({ ok: false, reason: "missing X-Slack-Signature header" });
    expect(await verify({ signingSecret: "" })).toMatchObject({ ok: false, reason: "no Slack signing secret is configured" });
  });

  it("refuse timestamps that are not epoch seconds", async () => {
    for (const timestamp of ["abc", "1531420618.5", "-1531420618", "1e9", "2018-07-12T18:36:58Z", "1531420618000000"]) {
      expect(await verify({ timestamp })).toMatchObject({ ok: false, reason: "X-Slack-Request-Timestamp is not epoch seconds" });
    }
  });

  it("refuse stale and future timestamps beyond the tolerance, in either direction", async () => {
    expect(await verify({ nowMs: DOC_NOW + 300_000 })).toMatchObject({ ok: true });
    expect(await verify({ nowMs: DOC_NOW - 300_000 })).toMatchObject({ ok: true });
    expect(await verify({ nowMs: DOC_NOW + 301_000 })).toMatchObject({
      ok: false,
      reason: "X-Slack-Request-Timestamp is more than 300 s away from now",
    });
    expect(await verify({ nowMs: DOC_NOW - 301_000 })).toMatchObject({ ok: false });
    expect(await verify({ nowMs: DOC_NOW + 61_000, toleranceSeconds: 60 })).toMatchObject({
      ok: false,
      reason: "X-Slack-Request-Timestamp is more than 60 s away from now",
    });
    // The real clock is years past the doc vector: replaying it today is refused.
    expect(await verify({ nowMs: Date.now() })).toMatchObject({ ok: false });
  });

  it("refuse other signature versions", async () => {
    const hex = DOC.signature.slice(3);
    for (const signature of [`v1=${hex}`, hex, `sha256=${hex}`]) {
      expect(await verify({ signature })).toEqual({ ok: false, reason: "X-Slack-Signature is not a v0=<hex> signature" });
    }
  });
});
