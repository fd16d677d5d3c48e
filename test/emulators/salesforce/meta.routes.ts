import type { EmulatorServer } from "../shared/server.ts";
import { apiRoute, bearerToken, LATEST_VERSION, OLDEST_VERSION, type SalesforceContext } from "./context.ts";

const SEASONS = ["Winter", "Spring", "Summer"];

/** Release names step Winter → Spring → Summer; 62.0 is Winter '25. */
function releaseLabel(major: number): string {
  const k = major - 62;
  return `${SEASONS[((k % 3) + 3) % 3]} '${25 + Math.floor(k / 3)}`;
}

export function versions() {
  const out = [];
  for (let major = Number.parseFloat(OLDEST_VERSION); major <= Number.parseFloat(LATEST_VERSION); major++) {
    out.push({ label: releaseLabel(major), url: `/services/data/v${major}.0`, version: `${major}.0` });
  }
  return out;
}

export function registerMetaRoutes(server: EmulatorServer, ctx: SalesforceContext): void {
  // The versions list is public in Salesforce too: the guard lets it through without a token.
  server.route({ method: "GET", pattern: "/services/data", handler: () => ({ status: 200, body: versions() }) });

  apiRoute(server, ctx, "GET", "", (req, version) => {
    const base = `/services/data/v${version}`;
    const resources = ["sobjects", "query", "queryAll", "composite", "limits", "search", "recent", "tabs"];
    const userId = ctx.accessTokens[bearerToken(req) ?? ""];
    return {
      status: 200,
      body: { ...Object.fromEntries(resources.map((r) => [r, `${base}/${r}`])), identity: `${server.url}/id/${ctx.orgId}/${userId}` },
    };
  });

  // The identity URL (what jsforce's conn.identity() follows): who the token belongs to, in which org.
  server.route({
    method: "GET",
    pattern: "/id/:orgId/:userId",
    handler: (req) => {
      const user = ctx.store.get(req.params.userId ?? "");
      if (req.params.orgId !== ctx.orgId || !user || user.type !== "User") return { status: 404, text: "Bad_Id" };
      const f = user.fields;
      return {
        status: 200,
        body: {
          id: `${server.url}${req.path}`,
          asserted_user: true,
          user_id: f.Id,
          organization_id: ctx.orgId,
          username: f.Username,
          display_name: f.Name,
          email: f.Email,
          active: f.IsActive,
          timezone: f.TimeZoneSidKey,
          user_type: "STANDARD",
          urls: { rest: `${server.url}/services/data/v{version}/` },
        },
      };
    },
  });

  apiRoute(server, ctx, "GET", "/limits", () => {
    const used = ctx.usage.used();
    return { status: 200, body: { DailyApiRequests: { Max: ctx.usage.limit, Remaining: Math.max(0, ctx.usage.limit - used) } } };
  });
}
