import { Hono } from "hono";
import { acceptJudged } from "./acceptance";
import { HubSpotWebhookBatch, judgeHubSpotEvent } from "./hubspot-webhook";
import { verifyHubSpotRequest } from "../platform/signatures/hubspot-signature";
import type { AppEnv } from "../env/app-env";
import { parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, invalidPayload, unauthorized } from "../platform/http/errors";
import { publicUrl } from "../platform/http/public-url";

/**
 * HubSpot webhooks. The request as a whole must be authentic (v3 signature), of a size and type
 * HubSpot sends, and a JSON array of 1–100 items, or it is refused (401/413/415/400). Past that
 * every event is judged on its own: kept, ignored or parked, and the answer is 200 saying which,
 * so one bad event never costs the good ones beside it (HubSpot would re-send, then drop, all).
 */
export const hubspotWebhookRoute = new Hono<AppEnv>().post("/", async (c) => {
  const { config } = c.var;
  if (!config.HUBSPOT_CLIENT_SECRET) {
    throw new HttpError(503, "not_configured", "HubSpot webhooks are off: set the HUBSPOT_CLIENT_SECRET secret");
  }
  if (!config.HUBSPOT_PORTAL_ID) throw new HttpError(503, "not_configured", "HubSpot webhooks are off: set the HUBSPOT_PORTAL_ID var");
  requireContentType(c.req.raw, ["application/json"]);
  const rawBody = await readRawBody(c.req.raw);
  const now = c.var.now();
  const signature = await verifyHubSpotRequest(
    { method: c.req.method, url: publicUrl(c.req.url, config.PUBLIC_BASE_URL), rawBody, headers: c.req.raw.headers },
    { clientSecret: config.HUBSPOT_CLIENT_SECRET, acceptLegacy: config.HUBSPOT_ACCEPT_LEGACY_SIGNATURES, now: now.getTime() },
  );
  if (!signature.ok) throw unauthorized(signature.reason);

  const batch = HubSpotWebhookBatch.safeParse(parseJson(rawBody));
  if (!batch.success) throw invalidPayload(batch.error);
  const context = { portalId: config.HUBSPOT_PORTAL_ID, appId: config.HUBSPOT_APP_ID };
  const judged = await Promise.all(
    batch.data.map(async (item) => ({ verdict: await judgeHubSpotEvent(item, context), raw: () => JSON.stringify(item) })),
  );
  return c.json(await acceptJudged(c.env, "hubspot-webhook", judged, now));
});
