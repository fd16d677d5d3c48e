import { Hono } from "hono";
import { escapeHtml } from "../core/email/email-message";
import type { AppEnv } from "../env/app-env";
import { readRawBody } from "../platform/http/body";
import { verifyUnsubscribeToken } from "../platform/signatures/unsubscribe-token";
import { type EmailSendRow, sendsOf } from "../storage/email-sends";
import { activePolicy } from "../storage/policies";
import { optOut } from "./opt-out";

/** A one-click POST carries "List-Unsubscribe=One-Click" and nothing more. */
const MAX_UNSUBSCRIBE_BODY = 4 * 1024;

const page = (title: string, body: string, status: 200 | 404 = 200) =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.5rem 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" } },
  );

const notFound = () =>
  page("This link does not work", "<p>The unsubscribe link is incomplete or not one of ours. Reply to the email instead and we will stop.</p>", 404);

async function sendOf(c: { env: Env; var: AppEnv["Variables"] }, token: string): Promise<EmailSendRow | undefined> {
  const key = c.var.config.UNSUBSCRIBE_SIGNING_KEY;
  const sendId = key ? await verifyUnsubscribeToken(key, token) : null;
  return sendId ? (await sendsOf(c.env.DB, [sendId])).get(sendId) : undefined;
}

/**
 * The link every cadence email carries (RFC 8058). GET shows a confirmation page with one button
 * (link scanners and prefetchers open GETs: a GET must change nothing); POST, which mail clients
 * send for "unsubscribe" with no cookie and no confirmation, unsubscribes at once: the address
 * is suppressed, the consents withdrawn, the CRM's opt-out written and every cadence of the
 * person stopped. Doing it again changes nothing.
 */
export const unsubscribeRoutes = new Hono<AppEnv>()
  .get("/:token", async (c) => {
    const send = await sendOf(c, c.req.param("token"));
    if (!send) return notFound();
    const action = `/unsubscribe/${encodeURIComponent(c.req.param("token"))}`;
    return page(
      "Unsubscribe?",
      `<p>Stop the emails to <strong>${escapeHtml(send.recipient)}</strong>? You will not hear from us by email again.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  })
  .post("/:token", async (c) => {
    // The body is read (bounded) and not needed: the link itself says who.
    await readRawBody(c.req.raw, MAX_UNSUBSCRIBE_BODY).catch(() => undefined);
    const send = await sendOf(c, c.req.param("token"));
    if (!send) return notFound();
    const { policy } = await activePolicy(c.env.DB);
    const now = c.var.now();
    await optOut(
      { env: c.env, policy, storeEffects: (r) => c.var.ports.storeEffects(r) },
      {
        address: send.recipient,
        kind: "unsubscribed",
        source: "unsubscribe",
        reference: `unsubscribe:${send.effectId}`,
        at: now,
        detail: `one-click unsubscribe from the email of step ${send.step ?? "?"} (${send.messageId})`,
        send,
      },
    );
    return page("You are unsubscribed", `<p>No more emails will go to <strong>${escapeHtml(send.recipient)}</strong>.</p>`);
  });
