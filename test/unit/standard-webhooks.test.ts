import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { decodeWebhookSecret, standardWebhookSignature, verifyStandardWebhook } from "../../src/platform/signatures/standard-webhooks";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const key = decodeWebhookSecret(secret)!;
const body = '[{"ChangeEventHeader":{"entityName":"Lead"}}]';
const bytes = (s: string) => new TextEncoder().encode(s);

describe("Standard Webhooks signatures", () => {
  it("agree with the standardwebhooks package in both directions", async () => {
    const webhook = new Webhook(secret);
    const at = new Date(1_763_805_600_000);
    const theirs = webhook.sign("msg_1", at, body);
    expect(await standardWebhookSignature(key, "msg_1", "1763805600", bytes(body))).toBe(theirs);

    const ours = await standardWebhookSignature(key, "msg_2", String(Math.floor(Date.now() / 1000)), bytes(body));
    const headers = { "webhook-id": "msg_2", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": ours };
    expect(webhook.verify(body, headers)).toEqual(JSON.parse(body));
    expect(await verifyStandardWebhook(new Headers(headers), bytes(body), key, Date.now())).toMatchObject({ ok: true, id: "msg_2" });
  });

  it("accepts any one of several signatures (secret rotation) and rejects forgeries and stale timestamps", async () => {
    const now = 1_763_805_600_000;
    const ts = String(now / 1000);
    const good = await standardWebhookSignature(key, "m", ts, bytes(body));
    const other = await standardWebhookSignature(decodeWebhookSecret(`whsec_${btoa("another key")}`)!, "m", ts, bytes(body));
    const headers = (signature: string, timestamp = ts) =>
      new Headers({ "webhook-id": "m", "webhook-timestamp": timestamp, "webhook-signature": signature });

    expect(await verifyStandardWebhook(headers(`${other} ${good}`), bytes(body), key, now)).toMatchObject({ ok: true });
    expect(await verifyStandardWebhook(headers(other), bytes(body), key, now)).toMatchObject({ ok: false });
    expect(await verifyStandardWebhook(headers(good), bytes(`${body} `), key, now)).toMatchObject({ ok: false });
    expect(await verifyStandardWebhook(headers(good.replace("v1,", "v2,")), bytes(body), key, now)).toMatchObject({ ok: false });
    expect(await verifyStandardWebhook(headers(good), bytes(body), key, now + 301_000)).toMatchObject({
      ok: false,
      reason: "webhook-timestamp is outside the 5 minute tolerance",
    });
    expect(await verifyStandardWebhook(new Headers({ "webhook-id": "m" }), bytes(body), key, now)).toMatchObject({ ok: false });
  });

  it("decodes whsec_ secrets and refuses malformed ones", () => {
    expect(decodeWebhookSecret("whsec_AAEC")).toEqual(new Uint8Array([0, 1, 2]));
    expect(decodeWebhookSecret("whsec_***")).toBeNull();
  });
});
