import { Connection } from "jsforce/browser/core";
import { systemClock } from "../platform/clock";
import { type Failure, FailureError, failureOfStatus } from "../platform/failure";
import { RuntimeFetchTransport } from "../platform/salesforce-transport";

export const SALESFORCE_API_VERSION = "62.0";

/**
 * How this service signs in to Salesforce: a fixed session (a token pasted for a trial), or an
 * app's client credentials flow, which gets a session for the app's run-as user and a new one
 * whenever Salesforce ends it (sessions time out after hours, so a pasted token stops working).
 */
export type SalesforceAuth = { accessToken: string } | { clientId: string; clientSecret: string };

/** Starts the message of a sign-in Salesforce refused (a wrong client id or secret, the flow not enabled). */
export const SIGN_IN_REFUSED = "Salesforce refused the client credentials sign-in";

/** A session being got or held, and when it was asked for. */
interface HeldSession {
  token: Promise<string>;
  since: number;
}

/** Sessions by org and app credentials, shared by every connection of this isolate: one sign-in, not one per connection. */
const sessions = new Map<string, HeldSession>();

/**
 * A session refused this soon after it was issued will be refused again (the org locks sessions
 * to an IP range, or the run-as user may not use the API): jsforce would renew and repeat the
 * call without end, so the call fails instead.
 */
const MIN_RENEWAL_INTERVAL_MS = 10_000;

export interface SalesforceSession {
  conn: Connection;
  /** Resolves once the connection has a session: at once for a fixed token or a session already held. */
  signIn(): Promise<void>;
  /**
   * How the latest renewal jsforce asked for (after a 401) failed, if it failed at or after
   * `since`. jsforce re-wraps the error of a renewal in a plain Error, so the call that saw it
   * learns the real failure (a refused sign-in is permanent) from here.
   */
  renewalFailureSince(since: number): Failure | undefined;
}

/** A jsforce connection on the runtime's fetch that signs in before its first call and again when Salesforce ends the session (401). */
export function salesforceConnection(instanceUrl: string, auth: SalesforceAuth, now: () => number = systemClock.now): SalesforceSession {
  if ("accessToken" in auth) {
    const conn = withRuntimeTransport(new Connection({ instanceUrl, accessToken: auth.accessToken, version: SALESFORCE_API_VERSION }));
    return { conn, signIn: async () => {}, renewalFailureSince: () => undefined };
  }
  // The secret is part of the key: a session got with other credentials must not stand in for these.
  const key = `${instanceUrl}\u0000${auth.clientId}\u0000${auth.clientSecret}`;
  const signInAnew = (): Promise<string> => {
    const token = requestSession(instanceUrl, auth);
    const held = { token, since: now() };
    sessions.set(key, held);
    // A failed sign-in is not kept: the next call tries again.
    token.catch(() => {
      if (sessions.get(key) === held) sessions.delete(key);
    });
    return token;
  };
  /** A session to replace `rejected`: one another connection already got, else a new one, unless the held one is brand new. */
  const renew = async (rejected: string): Promise<string> => {
    const held = sessions.get(key);
    if (held) {
      const token = await held.token.catch(() => undefined);
      if (token && token !== rejected) return token;
      const age = now() - held.since;
      // A clock that went back says nothing about the session's age.
      if (token === rejected && age >= 0 && age < MIN_RENEWAL_INTERVAL_MS) {
        // Transient: the effect is retried with backoff (an admin fixing the app's IP relaxation meanwhile), not in a loop.
        throw new FailureError({
          kind: "transient",
          message: "Salesforce refused a session it had just issued: check the app's IP relaxation and the run-as user's API access",
        });
      }
    }
    return signInAnew();
  };
  let renewalFailure: { at: number; failure: Failure } | undefined;
  const conn = withRuntimeTransport(
    new Connection({
      instanceUrl,
      accessToken: "",
      version: SALESFORCE_API_VERSION,
      // jsforce calls this on a 401 (session timed out or revoked) and then repeats the call.
      refreshFn: (current, done) => {
        renew(current.accessToken ?? "").then(
          (token) => done(null, token),
          (error: Error) => {
            renewalFailure = { at: now(), failure: error instanceof FailureError ? error.failure : { kind: "transient", message: error.message } };
            done(error);
          },
        );
      },
    }),
  );
  return {
    conn,
    signIn: async () => {
      if (!conn.accessToken) conn.accessToken = await (sessions.get(key)?.token ?? signInAnew());
    },
    renewalFailureSince: (since) => (renewalFailure && renewalFailure.at >= since ? renewalFailure.failure : undefined),
  };
}

function withRuntimeTransport(conn: Connection): Connection {
  // jsforce has no option for its transport; its own one never settles a call whose connection drops.
  conn._transport = new RuntimeFetchTransport() as unknown as Connection["_transport"];
  return conn;
}

const SIGN_IN_TIMEOUT_MS = 15_000;

/** The client credentials flow against the org's My Domain: a session for the app's run-as user. */
export async function requestSession(instanceUrl: string, auth: { clientId: string; clientSecret: string }): Promise<string> {
  const response = await fetch(`${instanceUrl}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: auth.clientId, client_secret: auth.clientSecret }),
    signal: AbortSignal.timeout(SIGN_IN_TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (response.ok && body.access_token) return body.access_token;
  if (response.status >= 500 || response.status === 429) {
    throw new FailureError(failureOfStatus(response.status, `Salesforce token endpoint answered HTTP ${response.status}`));
  }
  // The answer names the problem (invalid_client, unsupported_grant_type); it never echoes the secret.
  // Retrying cannot help until an admin fixes the app.
  throw new FailureError({
    kind: "permanent",
    credentials: true,
    status: response.status,
    message: `${SIGN_IN_REFUSED} (HTTP ${response.status}): ${body.error ?? "no error code"}${body.error_description ? `, ${body.error_description}` : ""}`,
  });
}
