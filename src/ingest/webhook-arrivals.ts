import type { MiddlewareHandler } from "hono";
import { noteWebhookArrival } from "../storage/webhook-arrivals";
import type { AppEnv } from "../env/app-env";

const SOURCES: [RegExp, string][] = [
  [/^\/webhooks\/hubspot$/, "hubspot"],
  [/^\/webhooks\/salesforce\/outbound\//, "salesforce-outbound"],
  [/^\/webhooks\/salesforce$/, "salesforce"],
  [/^\/webhooks\/email\/postmark$/, "postmark"],
  [/^\/webhooks\/email\/mailgun$/, "mailgun"],
  [/^\/slack\/interactions$/, "slack"],
];

/** Within this long of the last note of a source, an isolate does not write another: a burst costs one write. */
const NOTE_EVERY_MS = 60_000;
const noted = new Map<string, number>();

/**
 * Notes the time of each source's last accepted webhook (health, and the alert for a source gone
 * silent). After the response is made, off the webhook's path: losing one note is harmless.
 */
export const webhookArrivalNote: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== "POST" || c.res.status >= 300) return;
  const source = SOURCES.find(([pattern]) => pattern.test(c.req.path))?.[1];
  const at = c.var.now();
  if (!source || at.getTime() - (noted.get(source) ?? 0) < NOTE_EVERY_MS) return;
  noted.set(source, at.getTime());
  const note = noteWebhookArrival(c.env.DB, source, at).catch((error) => {
    noted.delete(source);
    console.error(`noting a ${source} webhook failed: ${(error as Error).message}`);
  });
  try {
    c.executionCtx.waitUntil(note);
  } catch {
    await note; // no execution context (a direct app.request): finish it here
  }
};
