import { Hono } from "hono";
import type { JWTVerifyGetKey } from "jose";
import { type Config, type FeatureName, featureOffMessage, loadConfig } from "../env/config";
import { TURNSTILE_FIELD } from "../core/policy/forms-policy";
import { verifyTurnstile } from "../turnstile/turnstile";
import { systemClock } from "../platform/clock";
import { adminRoutes } from "./admin.routes";
import type { AppEnv } from "../env/app-env";
import { consoleRoutes } from "../console/console.routes";
import { HttpError } from "../platform/http/errors";
import { exampleFormRoutes } from "../intake/example-form.route";
import { hubspotWebhookRoute } from "../ingest/hubspot-webhook.route";
import { inboundEmailRoutes } from "../ingest/inbound-email.routes";
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
  "/slack/interactions",
];

/** Which feature each entry point belongs to: with the feature off, it answers 503 saying what to set. */
const GATES: [path: string, feature: FeatureName][] = [
  ["/webhooks/hubspot", "hubspotWebhooks"],
  ["/webhooks/salesforce", "salesforceChangeEvents"],
  ["/webhooks/salesforce/outbound/*", "salesforceOutboundMessages"],
  ["/webhooks/email/postmark", "postmarkInbound"],
  ["/webhooks/email/mailgun", "mailgunInbound"],
  ["/slack/interactions", "slackButtons"],
  ["/admin/*", "adminApi"],
  ["/console", "adminApi"],
  ["/console/*", "adminApi"],
];

/** What is on, what is off and why (names, never values); 503 only when nothing can work. */
export function healthReport(config: Config, at: Date) {
  const { features, working } = config.report;
  const off = Object.fromEntries(Object.entries(features).filter(([, s]) => s.state !== "on"));
  return {
    ok: working,
    service: "lead-follow-up",
    time: at.toISOString(),
    on: Object.keys(features).filter((f) => features[f as FeatureName].state === "on"),
    off,
  };
}

export function createApp({ now = () => new Date(systemClock.now()), intake, accessKeys }: AppOptions = {}) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("now", now);
    await next();
  });

  app.get("/health", (c) => {
    const report = healthReport(c.var.config, now());
    return c.json(report, report.ok ? 200 : 503);
  });

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
  app.route("/webhooks/email", inboundEmailRoutes);
  app.route("/slack/interactions", slackInteractionsRoute);
  app.route("/admin", adminRoutes);
  app.route("/intake", intakeRoutes(intake));
  app.route("/forms", exampleFormRoutes);
  app.get("/", (c) => c.redirect("/console", 302));
  app.route("/console", consoleRoutes({ selfFetch: (request, env) => Promise.resolve(app.fetch(request, env)), accessKeys }));

  // The baseline of `npm run bench:ingest`: reads the same body, does nothing with it.
  app.post("/bench/noop", async (c) => {
    if (c.var.config.report.features.benchRoutes.state !== "on") return c.notFound();
    await c.req.arrayBuffer();
    return c.json({ ok: true });
  });

  // The floor of `npm run bench:intake`: the least any form's answer must do (read the body, verify
  // its Turnstile token, one write to D1), so the intake route is measured against what is
  // possible on the same thread, not only against doing nothing.
  app.post("/bench/floor", async (c) => {
    const config = c.get("config");
    if (config.report.features.benchRoutes.state !== "on") return c.notFound();
    const fields = new URLSearchParams(await c.req.text());
    const verdict = await verifyTurnstile({
      secret: config.TURNSTILE_SECRET_KEY ?? "",
      token: fields.get(TURNSTILE_FIELD) ?? "",
      scope: "bench/floor",
      url: config.TURNSTILE_SITEVERIFY_URL,
    });
    if (!verdict.ok) return c.json({ ok: false }, 403);
    await c.env.DB.prepare("INSERT INTO bench_floor (id, writes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET writes = writes + 1").run();
    return c.json({ ok: true }, 202);
  });

  for (const path of WEBHOOK_PATHS) {
    app.all(path, () => {
      throw new HttpError(405, "method_not_allowed", "webhooks are delivered with POST", undefined, { allow: "POST" });
    });
  }

  app.notFound((c) => c.json({ error: "not_found", message: `no route for ${c.req.method} ${loggablePath(c.req.url)}` }, 404));

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return c.json({ error: error.code, message: error.message, ...(error.details ?? {}) }, error.status, error.headers);
    }
    // Unexpected: log the details, tell the caller only that it may retry.
    console.error(`${c.req.method} ${loggablePath(c.req.url)} failed`, error);
    return c.json({ error: "internal_error", message: "the request could not be processed; retry later" }, 503);
  });

  return app;
}
