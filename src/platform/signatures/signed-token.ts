import { constantTimeEqual, hmacSha256, utf8 } from "../bytes";

/*
 * Short signed tokens for links (`{payload}.{mac}`, both base64url): the payload names what the
 * link is for (`sub`) and until when (`exp`, epoch seconds); the MAC is HMAC-SHA256 over the
 * purpose and the payload, so a token made for one purpose (booking) is refused for another
 * (managing a meeting). Nothing secret is in a token: it is signed, not encrypted.
 */

export interface TokenClaims {
  sub: string;
  /** Epoch seconds. */
  exp: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "malformed" | "forged" | "expired" };

/** Longest token read: anything longer is not one of ours, and is not hashed. */
const MAX_TOKEN_LENGTH = 512;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

const mac = (secret: string, purpose: string, payload: string) => hmacSha256(utf8(secret), utf8(`${purpose}.${payload}`));

export async function signToken(purpose: string, claims: TokenClaims, secret: string): Promise<string> {
  const payload = base64url(utf8(JSON.stringify({ sub: claims.sub, exp: Math.floor(claims.exp) })));
  return `${payload}.${base64url(await mac(secret, purpose, payload))}`;
}

/** Checks the MAC before anything in the payload is believed, then the expiry against `nowMs`. */
export async function verifyToken(purpose: string, token: string, secret: string, nowMs: number): Promise<TokenCheck> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: "malformed" };
  const given = fromBase64url(signature);
  if (!given) return { ok: false, reason: "malformed" };
  if (!constantTimeEqual(given, await mac(secret, purpose, payload))) return { ok: false, reason: "forged" };
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(fromBase64url(payload) ?? new Uint8Array()));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const { sub, exp } = (claims ?? {}) as Partial<TokenClaims>;
  if (typeof sub !== "string" || sub === "" || typeof exp !== "number" || !Number.isFinite(exp)) return { ok: false, reason: "malformed" };
  if (exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims: { sub, exp } };
}
