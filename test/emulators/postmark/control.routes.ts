import { type ActionHandler, type MessageAction, registerMailboxRoutes } from "../mail/mailbox.routes.ts";
import type { Mailbox } from "../mail/mailbox.ts";
import { readReplyInput } from "../mail/reply.ts";
import type { SendRate } from "../mail/send-rate.ts";
import type { OutgoingWebhook, WebhookQueue } from "../mail/webhook-queue.ts";
import type { EmulatorResponse, EmulatorServer, Handler } from "../shared/server.ts";
import { BOUNCE_TYPES } from "./bounce-types.ts";
import type { PostmarkOutbound } from "./outbound.ts";
import type { SuppressionReason, Suppressions } from "./suppressions.ts";
import type { PostmarkTrigger, PostmarkWebhookConfig } from "./webhooks.ts";

export interface PostmarkRuntimeConfig extends PostmarkWebhookConfig {
  autoDeliver: boolean;
}

export interface ControlContext {
  mailbox: Mailbox;
  outbound: PostmarkOutbound;
  suppressions: Suppressions;
  webhooks: WebhookQueue;
  sendRate: SendRate;
  config: PostmarkRuntimeConfig;
}

const done = (message: string, webhooks: (OutgoingWebhook | undefined)[]): EmulatorResponse => ({
  status: 200,
  body: { message, webhooks: webhooks.filter((w) => w !== undefined) },
});
const problem = (status: number, error: string): EmulatorResponse => ({ status, body: { error } });
const REASONS: SuppressionReason[] = ["HardBounce", "SpamComplaint", "ManualSuppression"];
const TRIGGERS: PostmarkTrigger[] = ["Delivery", "Bounce", "SpamComplaint", "SubscriptionChange"];

/** /_emulator/… routes: the mailbox and what a recipient can do to a message, suppressions, webhook settings. */
export function registerControlRoutes(server: EmulatorServer, ctx: ControlContext): void {
  const { outbound, suppressions, config } = ctx;
  const actions: Record<MessageAction, ActionHandler> = {
    deliver: (m, input) => done(m.id, outbound.deliver(m, input.recipient)),
    bounce: (m, input) => {
      const type = BOUNCE_TYPES[String(input.type ?? "HardBounce")];
      if (!type) return problem(400, `type must be one of ${Object.keys(BOUNCE_TYPES).join(", ")}`);
      return done(m.id, outbound.bounce(m, input.recipient, type, typeof input.details === "string" ? input.details : undefined));
    },
    complain: (m, input) => done(m.id, outbound.complain(m, input.recipient)),
    unsubscribe: (m, input) => done(m.id, outbound.unsubscribe(m, input.recipient)),
    reply: (m, input) => {
      const reply = readReplyInput(input);
      return typeof reply === "string" ? problem(400, reply) : done(m.id, [outbound.reply(m, input.recipient, reply)]);
    },
  };
  registerMailboxRoutes(server, {
    title: "Postmark emulator: sent messages",
    mailbox: ctx.mailbox,
    webhooks: ctx.webhooks,
    sendRate: ctx.sendRate,
    actions,
  });

  const control = (method: string, pattern: string, handler: Handler) => server.route({ method, pattern, handler, control: true });
  const streamOf = (value: unknown) => (typeof value === "string" && value ? value : "outbound");

  control("GET", "/_emulator/suppressions", (req) => ({ status: 200, body: { Suppressions: suppressions.list(streamOf(req.query.get("stream"))) } }));

  // A customer suppressing an address by hand (Origin "Customer"), as in Postmark's UI or API.
  control("POST", "/_emulator/suppressions", (req) => {
    const body = (req.body ?? {}) as { email?: unknown; stream?: unknown; reason?: unknown };
    if (typeof body.email !== "string" || !body.email.includes("@")) return problem(400, "email is required");
    const reason = (body.reason ?? "ManualSuppression") as SuppressionReason;
    if (!REASONS.includes(reason)) return problem(400, `reason must be one of ${REASONS.join(", ")}`);
    return done(body.email, outbound.suppress(undefined, streamOf(body.stream), body.email, reason, "Customer"));
  });

  control("DELETE", "/_emulator/suppressions/:email", (req) => {
    const { removed, webhooks } = outbound.reactivate(streamOf(req.query.get("stream")), req.params.email!);
    return removed ? done(req.params.email!, webhooks) : problem(404, "not suppressed");
  });

  control("GET", "/_emulator/config", () => ({ status: 200, body: config }));

  // Changes the webhook settings until the next reset; null clears a URL.
  control("PUT", "/_emulator/config", (req) => {
    const body = (req.body ?? {}) as Partial<Record<keyof PostmarkRuntimeConfig, unknown>>;
    for (const key of ["url", "inboundUrl"] as const) {
      if (body[key] === null) delete config[key];
      else if (typeof body[key] === "string") {
        if (!URL.canParse(body[key])) return problem(400, `${key} is not a URL`);
        config[key] = body[key];
      }
    }
    if (typeof body.autoDeliver === "boolean") config.autoDeliver = body.autoDeliver;
    if (body.triggers && typeof body.triggers === "object") {
      for (const [name, on] of Object.entries(body.triggers)) {
        if (!TRIGGERS.includes(name as PostmarkTrigger) || typeof on !== "boolean")
          return problem(400, `triggers are booleans named ${TRIGGERS.join(", ")}`);
        config.triggers[name as PostmarkTrigger] = on;
      }
    }
    if (body.httpAuth === null) delete config.httpAuth;
    else if (body.httpAuth !== undefined) config.httpAuth = body.httpAuth as PostmarkWebhookConfig["httpAuth"];
    if (body.httpHeaders !== undefined) config.httpHeaders = (body.httpHeaders ?? []) as PostmarkWebhookConfig["httpHeaders"];
    return { status: 200, body: config };
  });
}
