import { fromBase64, utf8 } from "../bytes";
import type { SignatureResult } from "./signature-result";

export interface BasicCredentials {
  username: string;
  password: string;
}

/**
 * Compares in time that depends only on `given`'s length (which the caller sent, so knows):
 * the expected value's length and content do not show in the timing, unlike an early length check.
 */
function timingSafeTextEqual(given: string, expected: string): boolean {
  const a = utf8(given);
  const b = utf8(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b.length > 0 ? b[i % b.length]! : 0);
  return diff === 0;
}

/**
 * Checks an `Authorization: Basic …` header, as Postmark sends for credentials embedded in the
 * inbound webhook URL (https://user:pass@host/path). Postmark offers no signature, so this is
 * the only proof a request came from it. Synchronous: no digest needed for the comparison.
 */
export function verifyBasicAuth(authorizationHeader: string | null | undefined, expected: BasicCredentials): SignatureResult {
  if (!expected.username || !expected.password) return { ok: false, reason: "no basic auth credentials are configured" };
  if (!authorizationHeader) return { ok: false, reason: "missing Authorization header" };
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorizationHeader.trim());
  if (!match) return { ok: false, reason: "Authorization header is not Basic credentials" };
  const decoded = fromBase64(match[1]!);
  if (!decoded) return { ok: false, reason: "Authorization header is not valid base64" };
  const text = new TextDecoder().decode(decoded);
  const colon = text.indexOf(":");
  if (colon < 0) return { ok: false, reason: "basic credentials have no username:password separator" };
  // Both comparisons always run, so timing does not tell which half was wrong.
  const userOk = timingSafeTextEqual(text.slice(0, colon), expected.username);
  const passwordOk = timingSafeTextEqual(text.slice(colon + 1), expected.password);
  return userOk && passwordOk ? { ok: true, scheme: "basic-auth" } : { ok: false, reason: "wrong username or password" };
}
