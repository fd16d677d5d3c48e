import { Hono } from "hono";
import { HubSpotWebhookBatch, normalizeHubSpotEvent } from "../ingest/hubspot-webhook";
import { acceptEvents } from "../ingest/record-events";
import { verifyHubSpotRequest } from "../verify/hubspot-signature";
import type { AppEnv } from "./app-env";
import { parseJson, readRawBody, requireContentType } from "./body";
import { HttpError, invalidPayload, unauthorized } from "./errors";
import { publicUrl } from "./public-url";

export const hubspotWebhookRoute = new Hono<AppEnv>().post("/", async (c) => {
  const { config } = c.var;
  if (!config.HUBSPOT_CLIENT_SECRET) {
    throw new HttpError(503, "not_configured", "HubSpot webhooks are off: set the HUBSPOT_CLIENT_SECRET secret");
  }
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
  const context = { appId: config.HUBSPOT_APP_ID };
  const events = (await Promise.all(batch.data.map((e) => normalizeHubSpotEvent(e, context)))).flat();
  return c.json(await acceptEvents(c.env, events));
});
