import { randomBytes } from "node:crypto";
import type { EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import type { SalesforceContext } from "./context.ts";

export const DEFAULT_CLIENT_ID = "salesforce-dev-client";
export const DEFAULT_CLIENT_SECRET = "salesforce-dev-client-secret";

/** A connected app or external client app with the client credentials flow: its run-as user. */
export interface OAuthClient {
  secret: string;
  userId: string;
}

const oauthError = (status: number, error: string, description: string): EmulatorResponse => ({
  status,
  body: { error, error_description: description },
});

/**
 * POST /services/oauth2/token with the client credentials flow, as a My Domain answers it: a
 * session for the app's run-as user (no refresh token, no expiry in the answer; the session
 * ends with the org's timeout). POST /_emulator/sessions/expire ends every issued session, so
 * the next call gets 401 INVALID_SESSION_ID, as after a timeout.
 */
export function registerOAuthRoutes(server: EmulatorServer, ctx: SalesforceContext, clients: Record<string, OAuthClient>): { reset(): void } {
  const issued = new Set<string>();
  const expire = () => {
    for (const token of issued) delete ctx.accessTokens[token];
    const count = issued.size;
    issued.clear();
    return count;
  };

  server.route({
    method: "POST",
    pattern: "/services/oauth2/token",
    handler: (req) => {
      const form = new URLSearchParams(req.rawBody);
      const grant = form.get("grant_type");
      if (grant !== "client_credentials") return oauthError(400, "unsupported_grant_type", "grant type not supported");
      const client = clients[form.get("client_id") ?? ""];
      if (!client) return oauthError(400, "invalid_client_id", "client identifier invalid");
      if (client.secret !== form.get("client_secret")) return oauthError(400, "invalid_client", "invalid client credentials");
      const token = `00D!${randomBytes(24).toString("base64url")}`;
      ctx.accessTokens[token] = client.userId;
      issued.add(token);
      return {
        status: 200,
        body: {
          access_token: token,
          instance_url: server.url,
          id: `${server.url}/id/${ctx.orgId}/${client.userId}`,
          token_type: "Bearer",
          issued_at: String(Date.now()),
          signature: randomBytes(32).toString("base64"),
          scope: "api",
        },
      };
    },
  });
  server.route({
    method: "POST",
    pattern: "/_emulator/sessions/expire",
    control: true,
    handler: () => ({ status: 200, body: { expired: expire() } }),
  });
  return { reset: () => void expire() };
}
