import { Signature } from "@hubspot/api-client";
import { describe, expect, it } from "vitest";
import { hubspotSignedUri, hubspotV3Signature, verifyHubSpotRequest } from "../../src/platform/signatures/hubspot-signature";

const secret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
const body = '{"example_field":"example_value"}';
const bytes = (s: string) => new TextEncoder().encode(s);
const NOW = 1_700_000_000_000;

function request(opts: { url?: string; body?: string; headers: Record<string, string>; method?: string }) {
  return {
    method: opts.method ?? "POST",
    url: opts.url ?? "https://www.example.com/webhook_uri",
    rawBody: bytes(opts.body ?? body),
    headers: new Headers(opts.headers),
  };
}

async function v3Headers(timestamp = NOW, url = "https://www.example.com/webhook_uri", raw = body, key = secret) {
  return {
    "x-hubspot-signature-v3": await hubspotV3Signature(key, "POST", url, bytes(raw), String(timestamp)),
    "x-hubspot-request-timestamp": String(timestamp),
  };
}

describe("HubSpot v3 signatures", () => {
  it("matches the reference vector", async () => {
    expect(await hubspotV3Signature(secret, "POST", "https://www.example.com/webhook_uri", bytes(body), "1700000000000")).toBe(
      "rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=",
    );
  });

  it("agrees with @hubspot/api-client's Signature utility", async () => {
    for (const [url, raw] of [
      ["https://hooks.example.com/webhooks/hubspot", '[{"eventId":1}]'],
      ["https://hooks.example.com/webhooks/hubspot?portal=62515&x=a%20b", "[]"],
      ["https://hooks.example.com/p/ünïcode", '[{"propertyValue":"Jürgen ☃"}]'],
    ] as const) {
      const timestamp = Date.now();
      const ours = await hubspotV3Signature(secret, "POST", url, bytes(raw), String(timestamp));
      const theirs = Signature.getSignature("POST", "v3", { signature: "", clientSecret: secret, requestBody: raw, url, timestamp });
      expect(ours).toBe(theirs);
      expect(
        Signature.isValid({ signatureVersion: "v3", signature: ours, clientSecret: secret, requestBody: raw, url, method: "POST", timestamp }),
      ).toBe(true);
    }
  });

  it("decodes only the escapes HubSpot decodes", () => {
    expect(hubspotSignedUri("https://h.example.com/a%3Ab%2Fc?q=%40x%20y%26z%3Dw%2a%2C")).toBe("https://h.example.com/a:b/c?q=@x%20y%26z%3Dw*,");
  });

  it("accepts a valid request and rejects tampering, wrong secrets and stale or future timestamps", async () => {
    const opts = { clientSecret: secret, acceptLegacy: false, now: NOW + 1000 };
    expect(await verifyHubSpotRequest(request({ headers: await v3Headers() }), opts)).toEqual({ ok: true, scheme: "hubspot-v3" });
    const tampered = await verifyHubSpotRequest(request({ headers: await v3Headers(), body: body.replace("value", "valuf") }), opts);
    expect(tampered).toMatchObject({ ok: false, reason: "v3 signature does not match" });
    expect(await verifyHubSpotRequest(request({ headers: await v3Headers(NOW, undefined, body, "other-secret") }), opts)).toMatchObject({
      ok: false,
    });
    expect(await verifyHubSpotRequest(request({ headers: await v3Headers(), url: "https://www.example.com/webhook_uri/" }), opts)).toMatchObject({
      ok: false,
    });
    const stale = await verifyHubSpotRequest(request({ headers: await v3Headers(NOW - 5 * 60_000 - 1) }), { ...opts, now: NOW });
    expect(stale).toMatchObject({ ok: false, reason: "timestamp is older than 5 minutes" });
    const future = await verifyHubSpotRequest(request({ headers: await v3Headers(NOW + 10 * 60_000) }), { ...opts, now: NOW });
    expect(future).toMatchObject({ ok: false, reason: "timestamp is in the future" });
    expect(
      await verifyHubSpotRequest(request({ headers: { "x-hubspot-signature-v3": "!!!", "x-hubspot-request-timestamp": String(NOW) } }), opts),
    ).toMatchObject({ ok: false });
    expect(await verifyHubSpotRequest(request({ headers: {} }), opts)).toMatchObject({ ok: false, reason: "missing X-HubSpot-Signature-v3 header" });
  });
});

describe("HubSpot legacy signatures", () => {
  const v1Body =
    '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';

  it("verifies v1 and v2 only when an admin opted in", async () => {
    const v1 = request({
      body: v1Body,
      headers: { "x-hubspot-signature": "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de", "x-hubspot-signature-version": "v1" },
    });
    expect(await verifyHubSpotRequest(v1, { clientSecret: secret, acceptLegacy: false, now: NOW })).toMatchObject({ ok: false });
    expect(await verifyHubSpotRequest(v1, { clientSecret: secret, acceptLegacy: true, now: NOW })).toEqual({ ok: true, scheme: "hubspot-v1" });

    const v2 = request({
      headers: { "x-hubspot-signature": "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900", "x-hubspot-signature-version": "v2" },
    });
    expect(await verifyHubSpotRequest(v2, { clientSecret: secret, acceptLegacy: true, now: NOW })).toEqual({ ok: true, scheme: "hubspot-v2" });
    const v2get = request({
      method: "GET",
      body: "",
      headers: { "x-hubspot-signature": "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e", "x-hubspot-signature-version": "v2" },
    });
    expect(await verifyHubSpotRequest(v2get, { clientSecret: secret, acceptLegacy: true, now: NOW })).toEqual({ ok: true, scheme: "hubspot-v2" });
    const forged = request({ headers: { "x-hubspot-signature": "0".repeat(64), "x-hubspot-signature-version": "v2" } });
    expect(await verifyHubSpotRequest(forged, { clientSecret: secret, acceptLegacy: true, now: NOW })).toMatchObject({ ok: false });
  });
});
