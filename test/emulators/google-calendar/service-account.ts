import { randomBytes } from "node:crypto";
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from "jose";

export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/**
 * The JSON key file Google Cloud gives for a service account key ("Create and delete service
 * account keys"): the fields an adapter reads are `client_email`, `private_key` (PKCS #8 PEM),
 * `private_key_id` (the JWT's `kid`) and `token_uri`.
 */
export interface ServiceAccountKeyFile {
  type: "service_account";
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

/** What the emulator knows of a service account: its public key and what the domain delegated to it. */
export interface ServiceAccountInput {
  clientEmail: string;
  /** The numeric OAuth client id a Workspace admin enters under domain-wide delegation. */
  clientId?: string;
  /** SPKI PEM of the key pair's public half. */
  publicKeyPem: string;
  /** When set, a JWT's `kid` must name it. */
  privateKeyId?: string;
  /**
   * The scopes a Workspace admin authorized for this client under "Domain-wide delegation".
   * Undefined or empty: no delegation, so any `sub` is refused (`unauthorized_client`).
   */
  delegatedScopes?: string[];
}

export interface TestServiceAccount {
  keyFile: ServiceAccountKeyFile;
  account: ServiceAccountInput;
}

/**
 * A fresh RS256 key pair in Google's key-file shape, and the matching emulator registration.
 * Keys are made per run and never written anywhere: the private half lives in the returned
 * object only (for a test, or for `npm run dev` to hand the Worker as a secret).
 */
export async function createTestServiceAccount(
  options: { clientEmail?: string; projectId?: string; tokenUri?: string; delegatedScopes?: string[] } = {},
): Promise<TestServiceAccount> {
  const projectId = options.projectId ?? "lead-follow-up-dev";
  const clientEmail = options.clientEmail ?? `calendar-booking@${projectId}.iam.gserviceaccount.com`;
  const clientId = String(100_000_000_000_000_000_000n + BigInt(`0x${randomBytes(8).toString("hex")}`));
  const privateKeyId = randomBytes(20).toString("hex");
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const keyFile: ServiceAccountKeyFile = {
    type: "service_account",
    project_id: projectId,
    private_key_id: privateKeyId,
    private_key: await exportPKCS8(privateKey),
    client_email: clientEmail,
    client_id: clientId,
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: options.tokenUri ?? GOOGLE_TOKEN_URL,
    auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: "googleapis.com",
  };
  const account: ServiceAccountInput = {
    clientEmail,
    clientId,
    privateKeyId,
    publicKeyPem: await exportSPKI(publicKey),
    ...(options.delegatedScopes ? { delegatedScopes: options.delegatedScopes } : {}),
  };
  return { keyFile, account };
}

export interface AssertionClaims {
  /** Space-separated scopes. */
  scope: string;
  /** The Workspace user to act as (domain-wide delegation); omit to act as the service account. */
  sub?: string;
  /** Defaults to the key file's token_uri. */
  aud?: string;
  /** Seconds; default now. */
  iat?: number;
  /** Seconds; default iat + 3600. */
  exp?: number;
}

/**
 * The signed JWT of "Using OAuth 2.0 for Server to Server Applications" (header
 * `{alg: RS256, typ: JWT, kid}`, claims iss/scope/aud/iat/exp and optional sub): what a
 * Worker adapter sends as `assertion`. Tests use it to play the adapter.
 */
export async function signServiceAccountAssertion(keyFile: ServiceAccountKeyFile, claims: AssertionClaims, nowMs = Date.now()): Promise<string> {
  const key = await importPKCS8(keyFile.private_key, "RS256");
  const iat = claims.iat ?? Math.floor(nowMs / 1000);
  const payload: Record<string, unknown> = {
    iss: keyFile.client_email,
    scope: claims.scope,
    aud: claims.aud ?? keyFile.token_uri,
    iat,
    exp: claims.exp ?? iat + 3600,
  };
  if (claims.sub !== undefined) payload.sub = claims.sub;
  return new SignJWT(payload).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: keyFile.private_key_id }).sign(key);
}
