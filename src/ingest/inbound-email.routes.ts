import { Hono } from "hono";
import { type InboundEmail, mailgunSignatureFields, parseMailgunInbound, parsePostmarkInbound } from "./inbound-email";
import { mailgunTokenSeen, rememberMailgunToken } from "../storage/inbound-email";
import { acceptEvents } from "../records/record-inbox";
import { replyEvents } from "./reply-events";
import { verifyBasicAuth } from "../platform/signatures/basic-auth";
import { verifyMailgunSignature } from "../platform/signatures/mailgun-signature";
import type { AppEnv } from "../env/app-env";
import { decodeUtf8, parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, unauthorized } from "../platform/http/errors";

/** Inbound email (replies from leads) is small; attachments are not needed to stop a cadence. */
const MAX_EMAIL_BYTES = 10 * 1024 * 1024;

/**
 * Replies from leads, posted by the email provider's inbound webhook. A matched reply becomes an
 * event of each matching record (the cadence stops there); an unmatched one is answered 200 so
 * the provider does not retry a message nobody here is waiting for.
 */
export const inboundEmailRoutes = new Hono<AppEnv>()
  /** Postmark inbound webhook; the URL carries basic-auth credentials (https://user:pass@host/…). */
  .post("/postmark", async (c) => {
    const { config } = c.var;
    if (!config.POSTMARK_INBOUND_USERNAME || !config.POSTMARK_INBOUND_PASSWORD) {
      throw new HttpError(503, "not_configured", "Postmark inbound is off: set POSTMARK_INBOUND_USERNAME and POSTMARK_INBOUND_PASSWORD");
    }
    const auth = verifyBasicAuth(c.req.header("authorization"), {
      username: config.POSTMARK_INBOUND_USERNAME,
      password: config.POSTMARK_INBOUND_PASSWORD,
    });
    if (!auth.ok) throw unauthorized(auth.reason);
    requireContentType(c.req.raw, ["application/json"]);
    const parsed = parsePostmarkInbound(parseJson(await readRawBody(c.req.raw, MAX_EMAIL_BYTES)), c.var.now().toISOString());
    if (!parsed.ok) throw new HttpError(400, "invalid_payload", parsed.message);
    return c.json(await deliverReply(c.env, parsed.email));
  })
  /** Mailgun inbound route ("forward" action), signed with the webhook signing key. */
  .post("/mailgun", async (c) => {
    const { config } = c.var;
    if (!config.MAILGUN_SIGNING_KEY) throw new HttpError(503, "not_configured", "Mailgun inbound is off: set MAILGUN_SIGNING_KEY");
    requireContentType(c.req.raw, ["application/x-www-form-urlencoded", "multipart/form-data"]);
    const fields = await readForm(c.req.raw);
    const signed = mailgunSignatureFields(fields);
    const signature = await verifyMailgunSignature({
      signingKey: config.MAILGUN_SIGNING_KEY,
      timestamp: signed.timestamp,
      token: signed.token,
      signature: signed.signature,
      nowMs: c.var.now().getTime(),
    });
    if (!signature.ok) throw unauthorized(signature.reason);
    if (await mailgunTokenSeen(c.env.DB, signed.token!)) throw unauthorized("this Mailgun token was used before (replayed request)");
    const parsed = parseMailgunInbound(fields, c.var.now().toISOString());
    if (!parsed.ok) throw new HttpError(400, "invalid_payload", parsed.message);
    const delivered = await deliverReply(c.env, parsed.email);
    // Spent only once the reply is safe: Mailgun's retry of a failed delivery must not be refused.
    await rememberMailgunToken(c.env.DB, signed.token!, c.var.now());
    return c.json(delivered);
  });

async function readForm(request: Request): Promise<URLSearchParams | FormData> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  const raw = await readRawBody(request, MAX_EMAIL_BYTES);
  if (type.startsWith("application/x-www-form-urlencoded")) return new URLSearchParams(decodeUtf8(raw));
  try {
    return await new Response(raw, { headers: { "content-type": request.headers.get("content-type")! } }).formData();
  } catch {
    throw new HttpError(400, "invalid_payload", "body is not valid multipart/form-data");
  }
}

async function deliverReply(env: Env, email: InboundEmail) {
  // An out-of-office or auto-responder message is not the lead engaging: the cadence goes on.
  if (email.automatic) return { matched: 0, records: [] as string[], ignored: "automatic reply" };
  const events = await replyEvents(env.DB, email);
  if (events.length === 0) {
    // Neither the address nor the subject is logged: they are the sender's personal data.
    console.log(`inbound ${email.provider} email: no lead with this sender address`);
    return { matched: 0, records: [] as string[] };
  }
  await acceptEvents(env, events);
  return { matched: events.length, records: events.map((e) => e.recordKey) };
}
