/**
 * A Postmark emulator: the Email API (POST /email, /email/batch) with Postmark's authentication,
 * validation, inactive recipients, message streams and errors; a send rate; the delivery, bounce,
 * spam complaint and subscription change webhooks; inbound replies; and a mailbox to read.
 */
import { Mailbox } from "../mail/mailbox.ts";
import { SendRate, type SendRatePlan } from "../mail/send-rate.ts";
import { WebhookQueue } from "../mail/webhook-queue.ts";
import { EmulatorServer } from "../shared/server.ts";
import { type ControlContext, type PostmarkRuntimeConfig, registerControlRoutes } from "./control.routes.ts";
import { registerEmailRoutes, type StreamType, TEST_TOKEN } from "./email.routes.ts";
import { registerMessagesRoutes } from "./messages.routes.ts";
import * as errors from "./errors.ts";
import { PostmarkOutbound } from "./outbound.ts";
import { Suppressions } from "./suppressions.ts";
import { ALL_TRIGGERS, type PostmarkTrigger, type PostmarkWebhookConfig } from "./webhooks.ts";

export type { StoredMessage } from "../mail/mailbox.ts";
export type { OutgoingWebhook } from "../mail/webhook-queue.ts";
export type { SendRatePlan } from "../mail/send-rate.ts";
export { BLACK_HOLE_DOMAIN, BOUNCE_TYPES } from "./bounce-types.ts";
export { TEST_TOKEN } from "./email.routes.ts";

export const DEFAULT_SERVER_TOKEN = "postmark-dev-server-token";

/**
 * Postmark publishes no per-second number, only that it answers 429 when requests come too fast:
 * this default (50 messages a second per server token, bursts of 50) is the emulator's own.
 */
export const DEFAULT_SEND_RATE: SendRatePlan = { enabled: true, perSecond: 50, burst: 50 };

export const DEFAULT_STREAMS: Record<string, StreamType> = { outbound: "Transactional", broadcast: "Broadcasts", inbound: "Inbound" };

export interface PostmarkEmulatorOptions {
  /** Accepted X-Postmark-Server-Token values. Default ["postmark-dev-server-token"]; POSTMARK_API_TEST always works. */
  serverTokens?: string[];
  /** ServerID in webhooks. Default 23 (Postmark's examples). */
  serverId?: number;
  /** The server's message streams. Default outbound (Transactional), broadcast (Broadcasts), inbound (Inbound). */
  streams?: Record<string, StreamType>;
  /** Messages per second per server token (a batch counts each message). Default 50/s, burst 50. */
  sendRate?: Partial<SendRatePlan>;
  /** Deliver every accepted message at once, with a Delivery webhook. Default true. */
  autoDeliver?: boolean;
  /** The outbound stream's webhook URL (Delivery, Bounce, SpamComplaint, SubscriptionChange); user:pass@ become basic auth. */
  webhookUrl?: string;
  /** Basic auth configured on the webhook (HttpAuth). */
  webhookHttpAuth?: { Username: string; Password: string };
  /** Custom headers configured on the webhook (HttpHeaders). */
  webhookHttpHeaders?: { Name: string; Value: string }[];
  /** Which events are posted. Default all. */
  triggers?: Partial<Record<PostmarkTrigger, boolean>>;
  /** The inbound stream's webhook URL, where replies go; user:pass@ become basic auth. */
  inboundUrl?: string;
  now?: () => number;
}

export interface PostmarkEmulator {
  server: EmulatorServer;
  mailbox: Mailbox;
  suppressions: Suppressions;
  /** Sends, delivers, bounces, complains, unsubscribes and replies, as the control routes do. */
  outbound: PostmarkOutbound;
  /** Webhooks owed to the app; those without a URL wait for GET /_emulator/webhooks. */
  webhooks: WebhookQueue;
  sendRate: SendRate;
  /** Webhook settings and autoDeliver; PUT /_emulator/config changes them until the next reset. */
  config: PostmarkRuntimeConfig;
  close(): Promise<void>;
}

const JSON_TYPES = ["application/json", "text/json", "text/x-json"];
const namesJson = (value: unknown) =>
  JSON_TYPES.some((t) =>
    String(value ?? "")
      .toLowerCase()
      .includes(t),
  );

export function createPostmarkEmulator(options: PostmarkEmulatorOptions = {}): PostmarkEmulator {
  const now = options.now ?? Date.now;
  const tokens = new Set(options.serverTokens ?? [DEFAULT_SERVER_TOKEN]);
  const streams = new Map(Object.entries(options.streams ?? DEFAULT_STREAMS));
  const initialConfig = (): PostmarkRuntimeConfig => ({
    ...(options.webhookUrl ? { url: options.webhookUrl } : {}),
    ...(options.webhookHttpAuth ? { httpAuth: options.webhookHttpAuth } : {}),
    ...(options.webhookHttpHeaders ? { httpHeaders: options.webhookHttpHeaders } : {}),
    triggers: { ...ALL_TRIGGERS, ...options.triggers },
    ...(options.inboundUrl ? { inboundUrl: options.inboundUrl } : {}),
    autoDeliver: options.autoDeliver ?? true,
  });
  const config = initialConfig();
  const mailbox = new Mailbox(now);
  const suppressions = new Suppressions();
  const webhooks = new WebhookQueue(now);
  const sendRate = new SendRate({ ...DEFAULT_SEND_RATE, ...options.sendRate }, now);
  const outbound = new PostmarkOutbound({
    mailbox,
    suppressions,
    webhooks,
    config: config as PostmarkWebhookConfig,
    serverId: options.serverId ?? 23,
    autoDeliver: () => config.autoDeliver,
    now,
  });

  const server = new EmulatorServer(
    "postmark",
    {
      guard: (req) => {
        // https://postmarkapp.com/developer/api/overview#authentication: 401 for a wrong or missing token.
        const token = req.headers["x-postmark-server-token"];
        const value = typeof token === "string" ? token : undefined;
        if (!value || (!tokens.has(value) && value !== TEST_TOKEN)) return errors.unauthorized(value);
        // A read (the messages API) names JSON in Accept only, and is not a send: it takes nothing from the send rate.
        if (req.method === "GET") return namesJson(req.headers.accept) ? undefined : errors.jsonRequired();
        if (!namesJson(req.headers["content-type"]) || !namesJson(req.headers.accept)) return errors.jsonRequired();
        const messages = Array.isArray(req.body) ? Math.max(1, req.body.length) : 1;
        const taken = sendRate.take(value, messages);
        return taken.allowed ? undefined : errors.rateLimited(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
      },
      rateLimited: () => errors.rateLimited(),
      serverError: errors.serverErrors(),
    },
    () => {
      mailbox.clear();
      suppressions.clear();
      webhooks.reset();
      sendRate.reset();
      const fresh = initialConfig();
      for (const key of Object.keys(config) as (keyof PostmarkRuntimeConfig)[]) delete config[key];
      Object.assign(config, fresh);
    },
  );

  registerEmailRoutes(server, { outbound, streams, now });
  registerMessagesRoutes(server, { mailbox });
  const control: ControlContext = { mailbox, outbound, suppressions, webhooks, sendRate, config };
  registerControlRoutes(server, control);

  return {
    server,
    mailbox,
    suppressions,
    outbound,
    webhooks,
    sendRate,
    config,
    async close() {
      webhooks.stop();
      await server.close();
    },
  };
}
