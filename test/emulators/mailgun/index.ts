/**
 * A Mailgun emulator: POST /v3/{domain}/messages with Mailgun's basic auth, form bodies, `h:`,
 * `o:` and `v:` parameters, errors and a send rate; the delivered, failed, complained and
 * unsubscribed event webhooks, signed with the webhook signing key; a route's forward() of
 * replies; and a mailbox to read.
 */
import { Mailbox } from "../mail/mailbox.ts";
import { SendRate, type SendRatePlan } from "../mail/send-rate.ts";
import { WebhookQueue } from "../mail/webhook-queue.ts";
import { EmulatorServer, type EmulatorRequest } from "../shared/server.ts";
import { registerControlRoutes } from "./control.routes.ts";
import * as errors from "./errors.ts";
import type { MailgunWebhookName } from "./events.ts";
import { registerEventsRoutes } from "./events.routes.ts";
import { registerMessageRoutes } from "./messages.routes.ts";
import { type MailgunConfig, MailgunOutbound } from "./outbound.ts";

export type { StoredMessage } from "../mail/mailbox.ts";
export type { OutgoingWebhook } from "../mail/webhook-queue.ts";
export { signMailgun } from "./events.ts";

export const DEFAULT_API_KEY = "mailgun-dev-api-key";
export const DEFAULT_DOMAIN = "mg.example.com";
export const DEFAULT_SIGNING_KEY = "mailgun-dev-webhook-signing-key";

/**
 * Mailgun says it rate-limits without publishing numbers: this default (50 messages a second per
 * sending domain, bursts of 50) is the emulator's own.
 */
export const DEFAULT_SEND_RATE: SendRatePlan = { enabled: true, perSecond: 50, burst: 50 };

const ALL_WEBHOOKS: Record<MailgunWebhookName, boolean> = {
  delivered: true,
  permanent_fail: true,
  temporary_fail: true,
  complained: true,
  unsubscribed: true,
};

export interface MailgunEmulatorOptions {
  /** Accepted API keys (basic auth `api:KEY`). Default ["mailgun-dev-api-key"]. */
  apiKeys?: string[];
  /** Sending domains of the account; others answer 404. Default ["mg.example.com"]. */
  domains?: string[];
  /** The HTTP webhook signing key that signs webhooks and route forwards. Default "mailgun-dev-webhook-signing-key". */
  webhookSigningKey?: string;
  /** Messages per second per domain. Default 50/s, burst 50. */
  sendRate?: Partial<SendRatePlan>;
  /** Deliver every accepted message at once, with a `delivered` webhook. Default true. */
  autoDeliver?: boolean;
  /** Where event webhooks are POSTed (the same URL for every webhook name). */
  webhookUrl?: string;
  /** Which webhooks are configured. Default all. */
  webhooks?: Partial<Record<MailgunWebhookName, boolean>>;
  /** The route's forward("…") URL, where replies go. */
  routeUrl?: string;
  now?: () => number;
}

export interface MailgunEmulator {
  server: EmulatorServer;
  mailbox: Mailbox;
  outbound: MailgunOutbound;
  webhooks: WebhookQueue;
  sendRate: SendRate;
  config: MailgunConfig;
  signingKey: string;
  close(): Promise<void>;
}

/** The API key of `Authorization: Basic base64(api:KEY)`, if the user is `api`. */
function apiKeyOf(req: EmulatorRequest): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(String(req.headers.authorization ?? "").trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 && decoded.slice(0, colon) === "api" ? decoded.slice(colon + 1) : undefined;
}

export function createMailgunEmulator(options: MailgunEmulatorOptions = {}): MailgunEmulator {
  const now = options.now ?? Date.now;
  const keys = new Set(options.apiKeys ?? [DEFAULT_API_KEY]);
  const domains = new Set((options.domains ?? [DEFAULT_DOMAIN]).map((d) => d.toLowerCase()));
  const signingKey = options.webhookSigningKey ?? DEFAULT_SIGNING_KEY;
  const initialConfig = (): MailgunConfig => ({
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    webhooks: { ...ALL_WEBHOOKS, ...options.webhooks },
    ...(options.routeUrl ? { routeUrl: options.routeUrl } : {}),
    autoDeliver: options.autoDeliver ?? true,
  });
  const config = initialConfig();
  const mailbox = new Mailbox(now);
  // Mailgun retries a webhook the app did not take, unless it answered 406 ("rejected, do not retry").
  const webhooks = new WebhookQueue(now, (status) => (status >= 200 && status < 300) || status === 406);
  const sendRate = new SendRate({ ...DEFAULT_SEND_RATE, ...options.sendRate }, now);
  const outbound = new MailgunOutbound({ mailbox, webhooks, config, signingKey, now });

  const server = new EmulatorServer(
    "mailgun",
    {
      guard: (req) => {
        const key = apiKeyOf(req);
        if (!key || !keys.has(key)) return errors.forbidden();
        const domain = /^\/v3\/([^/]+)\/messages$/.exec(req.path)?.[1]?.toLowerCase();
        if (!domain) return undefined;
        const taken = sendRate.take(domain);
        return taken.allowed ? undefined : errors.rateLimited(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
      },
      rateLimited: () => errors.rateLimited(),
      serverError: errors.serverErrors(),
    },
    () => {
      mailbox.clear();
      outbound.clearSuppressions();
      webhooks.reset();
      sendRate.reset();
      const fresh = initialConfig();
      for (const key of Object.keys(config) as (keyof MailgunConfig)[]) delete config[key];
      Object.assign(config, fresh);
    },
  );

  registerMessageRoutes(server, { outbound, domains });
  registerEventsRoutes(server, { outbound, domains });
  registerControlRoutes(server, { mailbox, outbound, webhooks, sendRate, config });

  return {
    server,
    mailbox,
    outbound,
    webhooks,
    sendRate,
    config,
    signingKey,
    async close() {
      webhooks.stop();
      await server.close();
    },
  };
}
