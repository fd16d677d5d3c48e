import { randomBytes } from "node:crypto";
import { compactVerify, decodeJwt, decodeProtectedHeader, importSPKI, type JWTPayload } from "jose";
import type { EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import type { Directory } from "./directory.ts";
import { JWT_BEARER_GRANT } from "./service-account.ts";

/** An issued access token: who it acts as and with which scopes. */
export interface AccessGrant {
  /** The impersonated user (`sub`), or the service account itself. */
  subject: string;
  serviceAccount: string;
  /** True when `sub` named a domain user (domain-wide delegation). */
  delegated: boolean;
  scopes: Set<string>;
  expiresAt: number;
}

/** Scopes under https://www.googleapis.com/auth/ that Calendar documents (the API's discovery document). */
export const CALENDAR_SCOPES = [
  "calendar",
  "calendar.readonly",
  "calendar.events",
  "calendar.events.readonly",
  "calendar.events.owned",
  "calendar.events.owned.readonly",
  "calendar.events.freebusy",
  "calendar.freebusy",
  "calendar.app.created",
  "calendar.settings.readonly",
].map((s) => `https://www.googleapis.com/auth/${s}`);

const SCOPE_PREFIX = "https://www.googleapis.com/auth/";
/** Google's "Invalid JWT: Token must be a short-lived token (60 minutes)"; iat may run ahead of our clock by this much. */
const MAX_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;

/**
 * The JWT error codes of "Using OAuth 2.0 for Server to Server Applications"
 * (developers.google.com/identity/protocols/oauth2/service-account#error-codes). The token
 * endpoint answers `{error, error_description}`; `unauthorized_client` comes with 401, the
 * rest with 400. "No valid verifier found for issuer" and the audience message are what
 * Google sends for those cases; the guide has no row for them.
 */
const oauthError = (status: number, error: string, description: string): EmulatorResponse => ({
  status,
  body: { error, error_description: description },
});
const SHORT_LIVED =
  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your 'iat' and 'exp' values and use a clock with skew to account for clock differences between systems.";
const NOT_DELEGATED = "Unauthorized client or scope in request.";
const SCOPES_NOT_DELEGATED =
  "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.";

export interface TokenEndpoint {
  grants: Map<string, AccessGrant>;
  /** The grant behind a bearer token, if it exists and has not expired. */
  grant(token: string | undefined): AccessGrant | undefined;
  reset(): void;
}

/**
 * POST /token, as https://oauth2.googleapis.com/token answers the JWT bearer grant: verifies the
 * RS256 signature with the service account's public key, then iss, aud, iat/exp, scope and
 * (for domain-wide delegation) sub, and answers `{access_token, expires_in, token_type}`.
 */
export function registerOAuthRoutes(
  server: EmulatorServer,
  directory: Directory,
  options: { audiences: () => string[]; lifetimeSeconds: number; now: () => number },
): TokenEndpoint {
  const grants = new Map<string, AccessGrant>();
  const keys = new Map<string, ReturnType<typeof importSPKI>>();
  const publicKey = (pem: string) => {
    let key = keys.get(pem);
    if (!key) keys.set(pem, (key = importSPKI(pem, "RS256")));
    return key;
  };

  server.route({
    method: "POST",
    pattern: "/token",
    handler: async (req) => {
      const form = new URLSearchParams(req.rawBody);
      const grantType = form.get("grant_type");
      if (grantType !== JWT_BEARER_GRANT) return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
      const assertion = form.get("assertion");
      if (!assertion) return oauthError(400, "invalid_request", "Missing required parameter: assertion");

      let claims: JWTPayload;
      let kid: string | undefined;
      try {
        claims = decodeJwt(assertion);
        kid = decodeProtectedHeader(assertion).kid;
      } catch {
        return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
      }
      const account = typeof claims.iss === "string" ? directory.serviceAccount(claims.iss) : undefined;
      if (!account) return oauthError(400, "invalid_grant", "Invalid JWT: No valid verifier found for issuer.");
      if (account.privateKeyId && kid !== undefined && kid !== account.privateKeyId)
        return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
      try {
        await compactVerify(assertion, await publicKey(account.publicKeyPem), { algorithms: ["RS256"] });
      } catch {
        return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
      }

      const audiences = options.audiences();
      if (typeof claims.aud !== "string" || !audiences.includes(claims.aud)) {
        return oauthError(400, "invalid_grant", `Invalid JWT: Failed audience check. The right audience is ${audiences[0]}`);
      }
      const nowS = Math.floor(options.now() / 1000);
      const { iat, exp } = claims;
      if (
        typeof iat !== "number" ||
        typeof exp !== "number" ||
        exp <= iat ||
        exp - iat > MAX_LIFETIME_S ||
        exp <= nowS ||
        iat > nowS + CLOCK_SKEW_S
      ) {
        return oauthError(400, "invalid_grant", SHORT_LIVED);
      }

      const scopes = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [];
      if (scopes.length === 0 || scopes.some((s) => !s.startsWith(SCOPE_PREFIX))) {
        return oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
      }

      let subject = account.clientEmail.toLowerCase();
      const delegated = claims.sub !== undefined;
      if (delegated) {
        const sub = claims.sub!;
        if (!/^[^@\s]+@[^@\s]+$/.test(sub)) return oauthError(400, "invalid_grant", "Not a valid email.");
        if (!directory.user(sub)) return oauthError(400, "invalid_grant", "Invalid email or User ID");
        const allowed = account.delegatedScopes ?? [];
        if (allowed.length === 0) return oauthError(401, "unauthorized_client", NOT_DELEGATED);
        if (scopes.some((s) => !allowed.includes(s))) return oauthError(401, "unauthorized_client", SCOPES_NOT_DELEGATED);
        subject = sub.toLowerCase();
      }

      const token = `ya29.${randomBytes(48).toString("base64url")}`;
      grants.set(token, {
        subject,
        serviceAccount: account.clientEmail.toLowerCase(),
        delegated,
        scopes: new Set(scopes),
        expiresAt: options.now() + options.lifetimeSeconds * 1000,
      });
      return { status: 200, body: { access_token: token, expires_in: options.lifetimeSeconds, token_type: "Bearer" } };
    },
  });

  return {
    grants,
    grant(token) {
      const grant = token ? grants.get(token) : undefined;
      return grant && grant.expiresAt > options.now() ? grant : undefined;
    },
    reset: () => grants.clear(),
  };
}
