import { Hono } from "hono";
import type { JWTVerifyGetKey } from "jose";
import { type FeatureName, featureOffMessage, loadConfig } from "../env/config";
import { systemClock } from "../platform/clock";
import { portsFor } from "../ports";
import { adminRoutes } from "./admin.routes";
import type { AppEnv } from "../env/app-env";
import { consoleRoutes } from "../console/console.routes";
import { errorAnswer, HttpError } from "../platform/http/errors";
import { benchRoutes } from "./bench.routes";
import { bookingRoutes } from "../booking/booking.routes";
import { healthRoute } from "./health.route";
import { exampleFormRoutes } from "../intake/example-form.route";
import { hubspotWebhookRoute } from "../ingest/hubspot-webhook.route";
import { inboundEmailRoutes } from "../ingest/inbound-email.routes";
import { emailEventRoutes } from "../outreach/email-events.routes";
import { unsubscribeRoutes } from "../outreach/unsubscribe.routes";
import { type IntakeDeps, intakeRoutes } from "../intake/intake.route";
import { loggablePath } from "../platform/http/public-url";
import { salesforceWebhookRoutes } from "../ingest/salesforce-webhook.route";
import { slackInteractionsRoute } from "../ingest/slack-interactions.route";
import { webhookArrivalNote } from "../ingest/webhook-arrivals";

export interface AppOptions {
  /** Injected so tests can stand at any instant; production uses the request's clock. */
  now?: () => Date;
  /** The intake route's outbound fetch (Turnstile) and ids; tests give stand-ins. */
  intake?: IntakeDeps;
  /** Cloudflare Access's signing keys for the console; production fetches the team's. */
  accessKeys?: JWTVerifyGetKey;
}

const WEBHOOK_PATHS = [
  "/webhooks/hubspot",
  "/webhooks/salesforce",
  "/webhooks/salesforce/outbound/:token",
  "/webhooks/email/postmark",
  "/webhooks/email/mailgun",
  "/webhooks/email/postmark/events",
  "/webhooks/email/mailgun/events",
  "/slack/interactions",
];

/** Which feature each entry point belongs to: with the feature off, it answers 503 saying what to set. */
const GATES: [path: string, feature: FeatureName][] = [
  ["/webhooks/hubspot", "hubspotWebhooks"],
  ["/webhooks/salesforce", "salesforceChangeEvents"],
  ["/webhooks/salesforce/outbound/*", "salesforceOutboundMessages"],
  ["/webhooks/email/postmark", "postmarkInbound"],
  ["/webhooks/email/mailgun", "mailgunInbound"],
  ["/webhooks/email/postmark/events", "postmarkInbound"],
  ["/webhooks/email/mailgun/events", "mailgunInbound"],
  ["/unsubscribe/*", "emailUnsubscribe"],
  ["/slack/interactions", "slackButtons"],
  ["/admin/*", "adminApi"],
  ["/console", "adminApi"],
  ["/console/*", "adminApi"],
  ["/book/*", "booking"],
];

export function createApp({ now = () => new Date(systemClock.now()), intake, accessKeys }: AppOptions = {}) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("now", now);
    c.set("ports", portsFor(c.env));
    await next();
  });

  app.route("/health", healthRoute);

  for (const [path, feature] of GATES) {
    app.use(path, async (c, next) => {
      const off = featureOffMessage(c.var.config, feature);
      if (off) throw new HttpError(503, "not_configured", off, { feature, ...c.var.config.report.features[feature] });
      await next();
    });
  }

  app.use("/webhooks/*", webhookArrivalNote);
  app.use("/slack/interactions", webhookArrivalNote);
  app.route("/webhooks/hubspot", hubspotWebhookRoute);
  app.route("/webhooks/salesforce", salesforceWebhookRoutes);
  app.route("/webhooks/email", emailEventRoutes);
  app.route("/webhooks/email", inboundEmailRoutes);
  app.route("/unsubscribe", unsubscribeRoutes);
  app.route("/slack/interactions", slackInteractionsRoute);
  app.route("/admin", adminRoutes);
  app.route("/intake", intakeRoutes(intake));
  app.route("/forms", exampleFormRoutes);
  app.route("/book", bookingRoutes);
  app.get("/", (c) => c.redirect("/console", 302));
  app.route("/console", consoleRoutes({ selfFetch: (request, env) => Promise.resolve(app.fetch(request, env)), accessKeys }));

  app.route("/bench", benchRoutes);

  for (const path of WEBHOOK_PATHS) {
    app.all(path, () => {
      throw new HttpError(405, "method_not_allowed", "webhooks are delivered with POST", undefined, { allow: "POST" });
    });
  }

  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${loggablePath(c.req.url)}` }, 404));

  app.onError(errorAnswer);

  return app;
}
