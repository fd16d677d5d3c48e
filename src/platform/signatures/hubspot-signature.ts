import { concatBytes, constantTimeEqual, fromBase64, hmacSha256, sha256, toBase64, toHex, utf8 } from "../bytes";
import type { SignatureResult } from "./signature-result";

/** HubSpot rejects (and so do we) v3 requests whose timestamp is older than this. */
export const HUBSPOT_MAX_TIMESTAMP_AGE_MS = 5 * 60 * 1000;
/** Clock skew tolerated in the other direction: a timestamp from the future is as suspicious. */
const MAX_FUTURE_SKEW_MS = 60 * 1000;

export interface HubSpotSignedRequest {
  method: string;
  /** The full URL HubSpot called: scheme, host, path and query exactly as sent. */
  url: string;
  rawBody: Uint8Array;
  headers: Headers;
}

export interface HubSpotVerifyOptions {
  clientSecret: string;
  acceptLegacy: boolean;
  now: number;
}

/**
 * HubSpot decodes exactly these escapes before signing; every other escape (%20, %26, %3D …)
 * stays encoded. Decoding more, or less, breaks the signature of URLs with query strings.
 */
const DECODED_ESCAPES: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

export function hubspotSignedUri(url: string): string {
  return url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (sequence) => DECODED_ESCAPES[sequence.toUpperCase()]!);
}

export async function hubspotV3Signature(clientSecret: string, method: string, url: string, rawBody: Uint8Array, timestamp: string): Promise<string> {
  const signed = concatBytes(utf8(method.toUpperCase() + hubspotSignedUri(url)), rawBody, utf8(timestamp));
  return toBase64(await hmacSha256(utf8(clientSecret), signed));
}

export async function verifyHubSpotRequest(req: HubSpotSignedRequest, opts: HubSpotVerifyOptions): Promise<SignatureResult> {
  const v3 = req.headers.get("x-hubspot-signature-v3");
  if (v3) return verifyV3(req, v3, opts);

  const legacy = req.headers.get("x-hubspot-signature");
  if (!legacy) return { ok: false, reason: "missing X-HubSpot-Signature-v3 header" };
  if (!opts.acceptLegacy) {
    return { ok: false, reason: "legacy v1/v2 signatures are not accepted; use v3 or set HUBSPOT_ACCEPT_LEGACY_SIGNATURES" };
  }
  const version = (req.headers.get("x-hubspot-signature-version") ?? "v1").toLowerCase();
  if (version !== "v1" && version !== "v2") return { ok: false, reason: `unknown signature version ${version}` };
  const source =
    version === "v1"
      ? concatBytes(utf8(opts.clientSecret), req.rawBody)
      : concatBytes(utf8(opts.clientSecret + req.method.toUpperCase() + req.url), req.rawBody);
  const expected = utf8(toHex(await sha256(source)));
  return constantTimeEqual(expected, utf8(legacy.trim().toLowerCase()))
    ? { ok: true, scheme: `hubspot-${version}` }
    : { ok: false, reason: `${version} signature does not match` };
}

async function verifyV3(req: HubSpotSignedRequest, signature: string, opts: HubSpotVerifyOptions): Promise<SignatureResult> {
  const timestamp = req.headers.get("x-hubspot-request-timestamp");
  if (!timestamp || !/^\d{10,16}$/.test(timestamp)) {
    return { ok: false, reason: "missing or malformed X-HubSpot-Request-Timestamp (epoch milliseconds)" };
  }
  const age = opts.now - Number(timestamp);
  if (age > HUBSPOT_MAX_TIMESTAMP_AGE_MS) return { ok: false, reason: "timestamp is older than 5 minutes" };
  if (age < -MAX_FUTURE_SKEW_MS) return { ok: false, reason: "timestamp is in the future" };

  const given = fromBase64(signature.trim());
  if (!given) return { ok: false, reason: "signature is not base64" };
  const expected = fromBase64(await hubspotV3Signature(opts.clientSecret, req.method, req.url, req.rawBody, timestamp))!;
  return constantTimeEqual(expected, given) ? { ok: true, scheme: "hubspot-v3" } : { ok: false, reason: "v3 signature does not match" };
}
