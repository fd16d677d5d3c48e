import { Hono } from "hono";
import type { AppEnv } from "../env/app-env";
import { parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, unauthorized } from "../platform/http/errors";
import { verifyBasicAuth } from "../platform/signatures/basic-auth";
import { verifyMailgunSignature } from "../platform/signatures/mailgun-signature";
import { activePolicy } from "../storage/policies";
import { handleProviderEvent } from "./provider-event";
import { mailgunEventSignature, type ParsedEvent, parseMailgunEvent, parsePostmarkEvent } from "./provider-events";

/** One event per POST, with a message's headers at most: 256 KB is plenty. */
const MAX_EVENT_BYTES = 256 * 1024;

/**
 * The email providers' event webhooks: deliveries, bounces, spam complaints, unsubscribes.
 * Authenticated as each provider does it (Postmark: basic auth in the webhook URL; Mailgun: an
 * HMAC of timestamp and token under the webhook signing key), 401 otherwise; a malformed payload
 * is 400; an event seen before is 200 and changes nothing.
 */
export const emailEventRoutes = new Hono<AppEnv>()
  .post("/postmark/events", async (c) => {
    const { config } = c.var;
    const auth = verifyBasicAuth(c.req.header("authorization"), {
      username: config.POSTMARK_INBOUND_USERNAME ?? "",
      password: config.POSTMARK_INBOUND_PASSWORD ?? "",
    });
    if (!auth.ok) throw unauthorized(auth.reason);
    requireContentType(c.req.raw, ["application/json"]);
    const parsed = parsePostmarkEvent(parseJson(await readRawBody(c.req.raw, MAX_EVENT_BYTES)), c.var.now().toISOString());
    return c.json(await handle(c, parsed));
  })
  .post("/mailgun/events", async (c) => {
    const { config } = c.var;
    requireContentType(c.req.raw, ["application/json"]);
    const json = parseJson(await readRawBody(c.req.raw, MAX_EVENT_BYTES));
    const signed = mailgunEventSignature(json);
    const signature = await verifyMailgunSignature({
      signingKey: config.MAILGUN_SIGNING_KEY ?? "",
      timestamp: signed.timestamp,
      token: signed.token,
      signature: signed.signature,
      nowMs: c.var.now().getTime(),
    });
    if (!signature.ok) throw unauthorized(signature.reason);
    return c.json(await handle(c, parseMailgunEvent(json, c.var.now().toISOString())));
  });

async function handle(c: { env: Env; var: AppEnv["Variables"] }, parsed: ParsedEvent) {
  if (!parsed.ok) throw new HttpError(400, "invalid_payload", parsed.message);
  const { policy } = await activePolicy(c.env.DB);
  return handleProviderEvent({ env: c.env, policy, now: c.var.now(), storeEffects: (r) => c.var.ports.storeEffects(r) }, parsed.event);
}
