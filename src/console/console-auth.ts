import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";
import { constantTimeEqual, hmacSha256, utf8 } from "../platform/bytes";

/**
 * Who may see the console. In production Cloudflare Access stands in front of it: Access signs
 * a JWT for every request it lets through (header Cf-Access-Jwt-Assertion), verified here
 * against the team's keys with the application's audience. Without Access (locally), an admin
 * signs in with the admin token once and gets a signed, expiring session cookie, which is live only
 * while its row in D1 is (src/storage/console-sessions.ts): signing out deletes the row. Either way every
 * POST carries a CSRF token bound to the session, and no token ever appears in a URL or a log.
 */
export interface ConsoleUser {
  /** Whom the page names: the Access identity's email, or "admin" for a token session. */
  name: string;
  /** What the CSRF token is bound to: the Access subject, or the session id. */
  subject: string;
  /** A token session's id, whose row in D1 must still be there (absent for Access users). */
  sessionId?: string;
}

export const SESSION_COOKIE = "console_session";
export const LOGIN_COOKIE = "console_login";
export const SESSION_TTL_MS = 8 * 60 * 60_000;

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/**
 * Sessions, CSRF tokens and flash notices are MACs under the admin token: rotating it signs
 * everyone out, whatever D1 still holds.
 */
export async function consoleMac(secret: string, purpose: string, message: string): Promise<string> {
  return b64url(await hmacSha256(utf8(secret), utf8(`lead-follow-up console ${purpose}\u0000${message}`)));
}

export const sameText = (a: string, b: string) => constantTimeEqual(utf8(a), utf8(b));

/**
 * A new session: `{expiresAt}.{id}.{mac}`, good until expiresAt (epoch ms) while its row lives.
 * The id is the session's secret (a random UUID, 122 bits): D1 keeps only its hash.
 */
export async function issueSession(secret: string, now: number, id: string = crypto.randomUUID()): Promise<string> {
  const expiresAt = now + SESSION_TTL_MS;
  return `${expiresAt}.${id}.${await consoleMac(secret, "session", `${expiresAt}.${id}`)}`;
}

/** The session's user, or null when it is forged, altered or expired. Whether it was ended is D1's to say. */
export async function verifySession(secret: string, value: string | undefined, now: number): Promise<ConsoleUser | null> {
  const match = /^(\d{13})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match) return null;
  const [, expiresAt, id, given] = match as unknown as [string, string, string, string];
  if (!sameText(given, await consoleMac(secret, "session", `${expiresAt}.${id}`))) return null;
  if (Number(expiresAt) <= now) return null;
  return { name: "admin", subject: `session:${id}`, sessionId: id };
}

export const csrfToken = (secret: string, subject: string) => consoleMac(secret, "csrf", subject);

export async function csrfValid(secret: string, subject: string, given: unknown): Promise<boolean> {
  return typeof given === "string" && sameText(given, await csrfToken(secret, subject));
}

/** The admin token, compared in constant time. */
export const adminTokenMatches = (secret: string, given: unknown) => typeof given === "string" && sameText(given, secret);

export interface AccessSettings {
  /** The team's domain (`myteam.cloudflareaccess.com`): issuer and key set. */
  teamDomain: string;
  /** The Access application's audience tag. */
  audience: string;
}

const keySets = new Map<string, JWTVerifyGetKey>();

/** The team's signing keys, fetched from its certs endpoint and cached (jose refetches on an unknown key id). */
export function accessKeys(teamDomain: string): JWTVerifyGetKey {
  let keys = keySets.get(teamDomain);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`https://${teamDomain}/cdn-cgi/access/certs`));
    keySets.set(teamDomain, keys);
  }
  return keys;
}

/**
 * Verifies an Access JWT: signed by one of the team's keys (RS256), issued by the team, for this
 * application's audience, not expired. Returns the user, or the reason it was refused.
 */
export async function verifyAccessJwt(
  token: string | undefined,
  settings: AccessSettings,
  now: number,
  keys: JWTVerifyGetKey = accessKeys(settings.teamDomain),
): Promise<{ ok: true; user: ConsoleUser } | { ok: false; reason: string }> {
  if (!token) return { ok: false, reason: "no Cf-Access-Jwt-Assertion header: the request did not come through Cloudflare Access" };
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: `https://${settings.teamDomain}`,
      audience: settings.audience,
      algorithms: ["RS256"],
      currentDate: new Date(now),
    });
    const email = typeof payload.email === "string" ? payload.email : undefined;
    if (!payload.sub && !email) return { ok: false, reason: "the Access token names nobody" };
    return { ok: true, user: { name: email ?? String(payload.sub), subject: `access:${payload.sub ?? email}` } };
  } catch (error) {
    // jose's codes say why (ERR_JWT_EXPIRED, ERR_JWT_CLAIM_VALIDATION_FAILED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED …).
    return { ok: false, reason: `the Access token was refused (${(error as { code?: string }).code ?? "invalid"})` };
  }
}
