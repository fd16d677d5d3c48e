import { Hono } from "hono";
import { sameSalesforceId } from "../domain/salesforce-id";
import { acceptEvents } from "../ingest/record-events";
import { normalizeSalesforceChangeEvent, SalesforceChangeEventBatch } from "../ingest/salesforce-cdc";
import {
  normalizeOutboundMessage,
  OUTBOUND_ACK,
  OutboundMessageError,
  type OutboundNotifications,
  parseOutboundMessage,
} from "../ingest/salesforce-outbound";
import { constantTimeEqual, utf8 } from "../verify/bytes";
import { decodeWebhookSecret, verifyStandardWebhook } from "../verify/standard-webhooks";
import type { AppEnv } from "./app-env";
import { decodeUtf8, parseJson, readRawBody, requireContentType } from "./body";
import { HttpError, invalidPayload, unauthorized } from "./errors";
import { z } from "zod";

function requireOrg(orgId: string | undefined): string {
  if (!orgId) throw new HttpError(503, "not_configured", "Salesforce webhooks are off: set the SALESFORCE_ORG_ID var");
  return orgId;
}

export const salesforceWebhookRoutes = new Hono<AppEnv>()
  /** Change Data Capture events forwarded by the Apex class in salesforce/ (the SFDX project), Standard Webhooks signed. */
  .post("/", async (c) => {
    const { config } = c.var;
    const orgId = requireOrg(config.SALESFORCE_ORG_ID);
    if (!config.SALESFORCE_WEBHOOK_SECRET) {
      throw new HttpError(503, "not_configured", "Salesforce webhooks are off: set the SALESFORCE_WEBHOOK_SECRET secret");
    }
    requireContentType(c.req.raw, ["application/json"]);
    const rawBody = await readRawBody(c.req.raw);
    const now = c.var.now();
    const key = decodeWebhookSecret(config.SALESFORCE_WEBHOOK_SECRET)!;
    const signature = await verifyStandardWebhook(c.req.raw.headers, rawBody, key, now.getTime());
    if (!signature.ok) throw unauthorized(signature.reason);

    const batch = SalesforceChangeEventBatch.safeParse(parseJson(rawBody));
    if (!batch.success) throw invalidPayload(batch.error);
    const context = { orgId, integrationUserId: config.SALESFORCE_INTEGRATION_USER_ID };
    const events = (await Promise.all(batch.data.map((e) => normalizeSalesforceChangeEvent(e, context)))).flat();
    return c.json(await acceptEvents(c.env, events));
  })
  /** Classic Outbound Messages: unsigned SOAP, so the secret path token and the org id authenticate. */
  .post("/outbound/:token", async (c) => {
    const { config } = c.var;
    const orgId = requireOrg(config.SALESFORCE_ORG_ID);
    if (!config.SALESFORCE_OUTBOUND_TOKEN) {
      throw new HttpError(503, "not_configured", "Outbound Messages are off: set the SALESFORCE_OUTBOUND_TOKEN secret");
    }
    if (!constantTimeEqual(utf8(c.req.param("token")), utf8(config.SALESFORCE_OUTBOUND_TOKEN))) {
      throw unauthorized("unknown outbound message token");
    }
    requireContentType(c.req.raw, ["text/xml", "application/soap+xml"]);
    const xml = decodeUtf8(await readRawBody(c.req.raw));
    let message: OutboundNotifications;
    try {
      message = parseOutboundMessage(xml);
    } catch (error) {
      if (error instanceof OutboundMessageError || error instanceof z.ZodError) throw invalidPayload(error);
      throw error;
    }
    if (!sameSalesforceId(message.OrganizationId, orgId)) {
      throw unauthorized("OrganizationId does not match SALESFORCE_ORG_ID");
    }
    const now = c.var.now();
    const events = await normalizeOutboundMessage(message, {
      orgId,
      integrationUserId: config.SALESFORCE_INTEGRATION_USER_ID,
      receivedAt: now,
    });
    await acceptEvents(c.env, events);
    return c.body(OUTBOUND_ACK, 200, { "content-type": "text/xml; charset=utf-8" });
  });
