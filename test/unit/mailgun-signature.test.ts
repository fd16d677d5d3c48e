import { describe, expect, it } from "vitest";
import { signMailgun, verifyMailgunSignature } from "../../src/platform/signatures/mailgun-signature";

const signingKey = "key-7e55decbd7d7b5ee0a4c2ed6c2ae6c8d";
const timestamp = "1700000000";
const token = "l3qs8oc4c0v2dd8y3m5q6b4p9ku6y1x8h2n5j7a0s9d8f7g6h5";
// Computed independently: python3 hmac.new(key, timestamp + token, sha256).hexdigest()
const signature = "73fcd9c25d5209149e719b88d28c6292ccfd1d58bdc22f50c299b843a4a29af7";
const NOW = 1_700_000_000_000;

const verify = (overrides: Partial<Parameters<typeof verifyMailgunSignature>[0]> = {}) =>
  verifyMailgunSignature({ signingKey, timestamp, token, signature, nowMs: NOW, ...overrides });

describe("Mailgun webhook signatures", () => {
  it("are hex HMAC-SHA256 of timestamp + token, keyed with the signing key", async () => {
    expect(await signMailgun(signingKey, timestamp, token)).toBe(signature);
    expect(await signMailgun(signingKey, 1_700_000_000, token)).toBe(signature);
    expect(await verify()).toEqual({ ok: true, scheme: "mailgun-hmac-sha256" });
    expect(await verify({ signature: ` ${signature.toUpperCase()} ` })).toMatchObject({ ok: true });
  });

  it("refuse another key, token, timestamp or a truncated signature", async () => {
    expect(await verify({ signingKey: "key-other" })).toEqual({ ok: false, reason: "Mailgun signature does not match" });
    expect(await verify({ token: token.replace("l3", "l4") })).toMatchObject({ ok: false, reason: "Mailgun signature does not match" });
    expect(await verify({ timestamp: "1700000001" })).toMatchObject({ ok: false, reason: "Mailgun signature does not match" });
    expect(await verify({ signature: signature.slice(0, 63) })).toMatchObject({ ok: false });
  });

  it("refuse missing fields and an unconfigured key", async () => {
    for (const missing of [{ timestamp: undefined }, { token: "" }, { signature: null }]) {
      expect(await verify(missing)).toEqual({ ok: false, reason: "missing Mailgun timestamp, token or signature" });
    }
    expect(await verify({ signingKey: "" })).toMatchObject({ ok: false, reason: "no Mailgun webhook signing key is configured" });
  });

  it("refuse timestamps that are not epoch seconds or are outside the tolerance", async () => {
    for (const bad of ["17e8", "1700000000.5", " 1700000000", "yesterday"]) {
      expect(await verify({ timestamp: bad })).toMatchObject({ ok: false, reason: "Mailgun timestamp is not epoch seconds" });
    }
    expect(await verify({ nowMs: NOW + 300_000 })).toMatchObject({ ok: true });
    expect(await verify({ nowMs: NOW + 300_001 })).toEqual({ ok: false, reason: "Mailgun timestamp is more than 300 s away from now" });
    expect(await verify({ nowMs: NOW - 300_001 })).toMatchObject({ ok: false });
    expect(await verify({ nowMs: NOW + 31_000, toleranceSeconds: 30 })).toMatchObject({
      ok: false,
      reason: "Mailgun timestamp is more than 30 s away from now",
    });
  });
});
