import { Hono } from "hono";
import { z } from "zod";
import { sameSalesforceId } from "../core/model/salesforce-id";
import { acceptJudged } from "./acceptance";
import { judgeSalesforceChangeEvent, SalesforceChangeEventBatch } from "./salesforce-cdc";
import {
  judgeOutboundNotification,
  OUTBOUND_ACK,
  OutboundMessageError,
  type OutboundNotifications,
  parseOutboundMessage,
} from "./salesforce-outbound";
import { constantTimeEqual, utf8 } from "../platform/bytes";
import { decodeWebhookSecret, verifyStandardWebhook } from "../platform/signatures/standard-webhooks";
import type { AppEnv } from "../env/app-env";
import { decodeUtf8, parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, invalidPayload, unauthorized } from "../platform/http/errors";

function requireOrg(orgId: string | undefined): string {
  if (!orgId) throw new HttpError(503, "not_configured", "Salesforce webhooks are off: set the SALESFORCE_ORG_ID var");
  return orgId;
}

/** Either token of a rotation opens the door; each is compared in constant time, and both always are. */
function knownOutboundToken(given: string, tokens: readonly (string | undefined)[]): boolean {
  const bytes = utf8(given);
  return tokens.reduce((found, token) => (token !== undefined && constantTimeEqual(bytes, utf8(token))) || found, false);
}

export const salesforceWebhookRoutes = new Hono<AppEnv>()
  /**
   * Change Data Capture events forwarded by the Apex class in salesforce/ (the SFDX project), Standard Webhooks
   * signed. Authentic, well-formed requests are judged event by event (see the HubSpot route).
   */
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
    const judged = await Promise.all(
      batch.data.map(async (item) => ({ verdict: await judgeSalesforceChangeEvent(item, context), raw: () => JSON.stringify(item) })),
    );
    return c.json(await acceptJudged(c.env, "salesforce-cdc", judged, now));
  })
  /**
   * Classic Outbound Messages: unsigned SOAP, so the secret path token and the org id
   * authenticate (Salesforce can neither sign them nor add a header). The token is never logged
   * by the Worker (see loggablePath); during a rotation the previous one is accepted too.
   */
  .post("/outbound/:token", async (c) => {
    const { config } = c.var;
    const orgId = requireOrg(config.SALESFORCE_ORG_ID);
    if (!config.SALESFORCE_OUTBOUND_TOKEN) {
      throw new HttpError(503, "not_configured", "Outbound Messages are off: set the SALESFORCE_OUTBOUND_TOKEN secret");
    }
    if (!knownOutboundToken(c.req.param("token"), [config.SALESFORCE_OUTBOUND_TOKEN, config.SALESFORCE_OUTBOUND_TOKEN_PREVIOUS])) {
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
    const context = { orgId, integrationUserId: config.SALESFORCE_INTEGRATION_USER_ID, receivedAt: now };
    const judged = await Promise.all(
      message.Notification.map(async (n) => ({ verdict: await judgeOutboundNotification(n, context), raw: () => JSON.stringify(n) })),
    );
    // Salesforce understands only the Ack: what became of each notification is in the parked table.
    await acceptJudged(c.env, "salesforce-outbound", judged, now);
    return c.body(OUTBOUND_ACK, 200, { "content-type": "text/xml; charset=utf-8" });
  });
