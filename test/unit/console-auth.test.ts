import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { csrfToken, csrfValid, issueSession, SESSION_TTL_MS, verifyAccessJwt, verifySession } from "../../src/console/console-auth";
import { FLASH_TTL_MS, noticeText, openFlash, sealFlash } from "../../src/console/flash";

const settings = { teamDomain: "acme.cloudflareaccess.com", audience: "aud-console-0123" };
const NOW = Date.parse("2026-11-24T15:00:00Z");
let teamKeys: ReturnType<typeof createLocalJWKSet>;
let teamKey: CryptoKey;
let otherKey: CryptoKey;

/** A token as Access issues it (RS256, the team as issuer), with what a test changes. */
async function accessToken(
  overrides: { key?: CryptoKey; aud?: string; iss?: string; exp?: number; kid?: string; alg?: string } = {},
): Promise<string> {
  return new SignJWT({ email: "ada@acme.example", type: "app" })
    .setProtectedHeader({ alg: overrides.alg ?? "RS256", kid: overrides.kid ?? "team-1" })
    .setSubject("7335d417-61da-459d-899c-0a01c76a2f94")
    .setIssuer(overrides.iss ?? `https://${settings.teamDomain}`)
    .setAudience(overrides.aud ?? settings.audience)
    .setIssuedAt(Math.floor(NOW / 1000) - 60)
    .setExpirationTime(overrides.exp ?? Math.floor(NOW / 1000) + 3600)
    .sign(overrides.key ?? teamKey);
}

beforeAll(async () => {
  const team = await generateKeyPair("RS256", { extractable: true });
  const other = await generateKeyPair("RS256", { extractable: true });
  teamKey = team.privateKey;
  otherKey = other.privateKey;
  // The team's certs endpoint serves its public keys as a JWKS; the test holds one key.
  const jwk: JWK = { ...(await exportJWK(team.publicKey)), kid: "team-1", alg: "RS256", use: "sig" };
  teamKeys = createLocalJWKSet({ keys: [jwk] });
});

describe("Cloudflare Access tokens", () => {
  it("accept a token of the team for this application, naming the user", async () => {
    expect(await verifyAccessJwt(await accessToken(), settings, NOW, teamKeys)).toEqual({
      ok: true,
      user: { name: "ada@acme.example", subject: "access:7335d417-61da-459d-899c-0a01c76a2f94" },
    });
  });

  it("refuse a token for another application (audience)", async () => {
    const verdict = await verifyAccessJwt(await accessToken({ aud: "someone-elses-app" }), settings, NOW, teamKeys);
    expect(verdict).toEqual({ ok: false, reason: "the Access token was refused (ERR_JWT_CLAIM_VALIDATION_FAILED)" });
  });

  it("refuse an expired token", async () => {
    const verdict = await verifyAccessJwt(await accessToken({ exp: Math.floor(NOW / 1000) - 1 }), settings, NOW, teamKeys);
    expect(verdict).toEqual({ ok: false, reason: "the Access token was refused (ERR_JWT_EXPIRED)" });
  });

  it("refuse a token signed with a key that is not the team's", async () => {
    const verdict = await verifyAccessJwt(await accessToken({ key: otherKey }), settings, NOW, teamKeys);
    expect(verdict).toEqual({ ok: false, reason: "the Access token was refused (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)" });
    const unknownKid = await verifyAccessJwt(await accessToken({ key: otherKey, kid: "attacker" }), settings, NOW, teamKeys);
    expect(unknownKid).toEqual({ ok: false, reason: "the Access token was refused (ERR_JWKS_NO_MATCHING_KEY)" });
  });

  it("refuse another issuer, and no token at all", async () => {
    const verdict = await verifyAccessJwt(await accessToken({ iss: "https://evil.cloudflareaccess.com" }), settings, NOW, teamKeys);
    expect(verdict.ok).toBe(false);
    expect((await verifyAccessJwt(undefined, settings, NOW, teamKeys)).ok).toBe(false);
  });
});

describe("console sessions and CSRF tokens", () => {
  const secret = "test-admin-token-0123456789";

  it("keep a session until it expires, and refuse an altered or foreign one", async () => {
    const session = await issueSession(secret, NOW, "0b0e6d8e-3c59-4c39-9a36-2f8f9b1d5a11");
    expect(await verifySession(secret, session, NOW + SESSION_TTL_MS - 1)).toEqual({
      name: "admin",
      subject: "session:0b0e6d8e-3c59-4c39-9a36-2f8f9b1d5a11",
      sessionId: "0b0e6d8e-3c59-4c39-9a36-2f8f9b1d5a11",
    });
    expect(await verifySession(secret, session, NOW + SESSION_TTL_MS)).toBeNull();
    const [expires, id, mac] = session.split(".");
    expect(await verifySession(secret, `${Number(expires) + 86_400_000}.${id}.${mac}`, NOW)).toBeNull();
    // A rotated admin token signs everyone out.
    expect(await verifySession("another-admin-token-0123", session, NOW)).toBeNull();
    expect(await verifySession(secret, undefined, NOW)).toBeNull();
  });

  it("bind CSRF tokens to the session", async () => {
    const token = await csrfToken(secret, "session:a");
    expect(await csrfValid(secret, "session:a", token)).toBe(true);
    expect(await csrfValid(secret, "session:b", token)).toBe(false);
    expect(await csrfValid(secret, "session:a", undefined)).toBe(false);
  });
});

describe("flash notices", () => {
  const secret = "test-admin-token-0123456789";

  it("carry what the server counted to the same user, for a minute, and cannot be altered", async () => {
    const sealed = await sealFlash(secret, "session:a", { kind: "retried", count: 3 }, NOW);
    expect(await openFlash(secret, "session:a", sealed, NOW + FLASH_TTL_MS - 1)).toEqual({ kind: "retried", count: 3 });
    expect(noticeText({ kind: "retried", count: 3 })).toBe("Retried 3 dead effects.");
    expect(await openFlash(secret, "session:a", sealed, NOW + FLASH_TTL_MS)).toBeNull();
    expect(await openFlash(secret, "session:b", sealed, NOW)).toBeNull();
    expect(await openFlash("another-admin-token-0123", "session:a", sealed, NOW)).toBeNull();
    expect(await openFlash(secret, "session:a", sealed.replace("retried.3.", "retried.30."), NOW)).toBeNull();
    expect(await openFlash(secret, "session:a", sealed.replace("retried.", "saved."), NOW)).toBeNull();
    expect(await openFlash(secret, "session:a", "saved.<b>hi</b>", NOW)).toBeNull();
  });
});
