import { randomBytes } from "node:crypto";
import type { EmulatorServer } from "../shared/server.ts";
import { aadError } from "./errors.ts";
import type { Tenant } from "./tenant.ts";

export const GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default";

/** An app-only access token: which app, which application permissions, until when. */
export interface AppGrant {
  clientId: string;
  roles: Set<string>;
  expiresAt: number;
}

export interface TokenEndpoint {
  /** The grant behind a token: undefined if unknown, "expired" once past its lifetime. */
  grant(token: string): AppGrant | "expired" | undefined;
  reset(): void;
}

/**
 * POST /{tenant}/oauth2/v2.0/token with the client credentials grant, as
 * login.microsoftonline.com answers it ("Microsoft identity platform and the OAuth 2.0 client
 * credentials flow"): `client_id`, `client_secret`, `scope=https://graph.microsoft.com/.default`,
 * `grant_type=client_credentials` → `{token_type: "Bearer", expires_in, ext_expires_in,
 * access_token}`; failures in the AADSTS shape.
 */
export function registerOAuthRoutes(server: EmulatorServer, tenant: Tenant, options: { lifetimeSeconds: number; now: () => number }): TokenEndpoint {
  const grants = new Map<string, AppGrant>();

  server.route({
    method: "POST",
    pattern: "/:tenant/oauth2/v2.0/token",
    handler: (req) => {
      const now = options.now();
      const fail = (status: number, error: string, code: number, message: string) => aadError(status, error, code, message, now);
      const name = req.params.tenant!;
      if (!tenant.is(name)) {
        return fail(
          400,
          "invalid_request",
          90002,
          `Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        );
      }
      const form = new URLSearchParams(req.rawBody);
      const missing = ["grant_type", "client_id", "scope"].find((field) => !form.get(field));
      if (missing) return fail(400, "invalid_request", 900144, `The request body must contain the following parameter: '${missing}'.`);
      const grantType = form.get("grant_type")!;
      if (grantType !== "client_credentials") {
        return fail(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType}'.`);
      }
      const clientId = form.get("client_id")!;
      const app = tenant.app(clientId);
      if (!app) {
        return fail(
          400,
          "unauthorized_client",
          700016,
          `Application with identifier '${clientId}' was not found in the directory '${tenant.id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        );
      }
      const secret = form.get("client_secret");
      if (!secret)
        return fail(
          401,
          "invalid_client",
          7000216,
          "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        );
      if (secret !== app.clientSecret) {
        return fail(
          401,
          "invalid_client",
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
      const scope = form.get("scope")!;
      if (!scope.endsWith("/.default")) {
        return fail(
          400,
          "invalid_scope",
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
      }
      if (scope !== GRAPH_DEFAULT_SCOPE && scope !== "00000003-0000-0000-c000-000000000000/.default") {
        return fail(
          400,
          "invalid_resource",
          500011,
          `The resource principal named ${scope.slice(0, -"/.default".length)} was not found in the tenant named ${tenant.id}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
        );
      }
      const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(48).toString("base64url")}`;
      grants.set(token, { clientId, roles: new Set(app.roles ?? ["Calendars.ReadWrite"]), expiresAt: now + options.lifetimeSeconds * 1000 });
      return {
        status: 200,
        body: { token_type: "Bearer", expires_in: options.lifetimeSeconds, ext_expires_in: options.lifetimeSeconds, access_token: token },
      };
    },
  });

  return {
    grant(token) {
      const grant = grants.get(token);
      if (!grant) return undefined;
      return grant.expiresAt > options.now() ? grant : "expired";
    },
    reset: () => grants.clear(),
  };
}
