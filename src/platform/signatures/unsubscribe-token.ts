import { constantTimeEqual, fromBase64, hmacSha256, toBase64, utf8 } from "../bytes";

/*
 * The token in an email's one-click unsubscribe link: the send's id and an HMAC-SHA256 of it
 * under UNSUBSCRIBE_SIGNING_KEY, base64url. Whoever holds the link may unsubscribe that one
 * recipient (RFC 8058 asks for exactly that: no cookie, no sign-in, no confirmation); nobody can
 * make a link for another send without the key.
 */
const b64url = (bytes: Uint8Array) => toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const fromB64url = (text: string) => fromBase64(text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4));

const MAC_BYTES = 16;

export async function unsubscribeToken(signingKey: string, sendId: string): Promise<string> {
  const mac = (await hmacSha256(utf8(signingKey), utf8(`unsubscribe:${sendId}`))).slice(0, MAC_BYTES);
  return `${sendId}.${b64url(mac)}`;
}

/** The send id a token names, when its MAC is right; null otherwise. */
export async function verifyUnsubscribeToken(signingKey: string, token: string): Promise<string | null> {
  if (token.length > 200) return null;
  const dot = token.lastIndexOf(".");
  if (dot <= 0) return null;
  const sendId = token.slice(0, dot);
  if (!/^[0-9a-f]{40}$/.test(sendId)) return null;
  const given = fromB64url(token.slice(dot + 1));
  if (!given || given.length !== MAC_BYTES) return null;
  const expected = (await hmacSha256(utf8(signingKey), utf8(`unsubscribe:${sendId}`))).slice(0, MAC_BYTES);
  return constantTimeEqual(given, expected) ? sendId : null;
}
