import { type ActionHandler, type MessageAction, registerMailboxRoutes } from "../mail/mailbox.routes.ts";
import type { Mailbox } from "../mail/mailbox.ts";
import { readReplyInput } from "../mail/reply.ts";
import type { SendRate } from "../mail/send-rate.ts";
import type { OutgoingWebhook, WebhookQueue } from "../mail/webhook-queue.ts";
import type { EmulatorResponse, EmulatorServer, Handler } from "../shared/server.ts";
import { type Failure, HARD_BOUNCE, type MailgunWebhookName, TEMPORARY_FAILURE } from "./events.ts";
import type { MailgunConfig, MailgunOutbound, SuppressionList } from "./outbound.ts";

export interface ControlContext {
  mailbox: Mailbox;
  outbound: MailgunOutbound;
  webhooks: WebhookQueue;
  sendRate: SendRate;
  config: MailgunConfig;
}

const done = (message: string, webhooks: (OutgoingWebhook | undefined)[]): EmulatorResponse => ({
  status: 200,
  body: { message, webhooks: webhooks.filter((w) => w !== undefined) },
});
const problem = (status: number, error: string): EmulatorResponse => ({ status, body: { error } });
const LISTS: SuppressionList[] = ["bounces", "unsubscribes", "complaints"];
const NAMES: MailgunWebhookName[] = ["delivered", "permanent_fail", "temporary_fail", "complained", "unsubscribed"];

/** /_emulator/… routes: the mailbox and what a recipient can do to a message, suppressions, webhook settings. */
export function registerControlRoutes(server: EmulatorServer, ctx: ControlContext): void {
  const { outbound, config } = ctx;
  const actions: Record<MessageAction, ActionHandler> = {
    deliver: (m, input) => done(m.id, outbound.deliver(m, input.recipient)),
    // `bounce` is Mailgun's `failed`: {severity?: "permanent"|"temporary", code?, message?, reason?}.
    bounce: (m, input) => {
      const severity = input.severity ?? "permanent";
      if (severity !== "permanent" && severity !== "temporary") return problem(400, "severity must be permanent or temporary");
      const base = severity === "permanent" ? HARD_BOUNCE : TEMPORARY_FAILURE;
      const failure: Failure = {
        ...base,
        ...(typeof input.code === "number" ? { code: input.code } : {}),
        ...(typeof input.message === "string" ? { message: input.message } : {}),
        ...(typeof input.reason === "string" ? { reason: input.reason } : {}),
      };
      return done(m.id, outbound.fail(m, input.recipient, failure));
    },
    complain: (m, input) => done(m.id, outbound.complain(m, input.recipient)),
    unsubscribe: (m, input) => done(m.id, outbound.unsubscribe(m, input.recipient)),
    reply: (m, input) => {
      const reply = readReplyInput(input);
      return typeof reply === "string" ? problem(400, reply) : done(m.id, [outbound.reply(m, input.recipient, reply)]);
    },
  };
  registerMailboxRoutes(server, {
    title: "Mailgun emulator: sent messages",
    mailbox: ctx.mailbox,
    webhooks: ctx.webhooks,
    sendRate: ctx.sendRate,
    actions,
  });

  const control = (method: string, pattern: string, handler: Handler) => server.route({ method, pattern, handler, control: true });

  control("GET", "/_emulator/suppressions/:domain", (req) => {
    const lists = outbound.suppressions(req.params.domain!.toLowerCase());
    return { status: 200, body: Object.fromEntries(LISTS.map((l) => [l, [...lists[l]]])) };
  });

  control("POST", "/_emulator/suppressions/:domain/:list", (req) => {
    const list = req.params.list as SuppressionList;
    const address = (req.body as { address?: unknown } | undefined)?.address;
    if (!LISTS.includes(list)) return problem(404, `list must be one of ${LISTS.join(", ")}`);
    if (typeof address !== "string" || !address.includes("@")) return problem(400, "address is required");
    outbound.suppressions(req.params.domain!.toLowerCase())[list].add(address.toLowerCase());
    return { status: 200, body: { message: "Address has been added to the suppression list", address } };
  });

  control("DELETE", "/_emulator/suppressions/:domain/:list/:address", (req) => {
    const list = req.params.list as SuppressionList;
    if (!LISTS.includes(list)) return problem(404, `list must be one of ${LISTS.join(", ")}`);
    const removed = outbound.suppressions(req.params.domain!.toLowerCase())[list].delete(req.params.address!.toLowerCase());
    return removed ? { status: 200, body: { message: "Suppression has been removed", address: req.params.address } } : problem(404, "not suppressed");
  });

  control("GET", "/_emulator/config", () => ({ status: 200, body: config }));

  // Changes the webhook settings until the next reset; null clears a URL.
  control("PUT", "/_emulator/config", (req) => {
    const body = (req.body ?? {}) as Partial<Record<keyof MailgunConfig, unknown>>;
    for (const key of ["webhookUrl", "routeUrl"] as const) {
      if (body[key] === null) delete config[key];
      else if (typeof body[key] === "string") {
        if (!URL.canParse(body[key])) return problem(400, `${key} is not a URL`);
        config[key] = body[key];
      }
    }
    if (typeof body.autoDeliver === "boolean") config.autoDeliver = body.autoDeliver;
    if (body.webhooks && typeof body.webhooks === "object") {
      for (const [name, on] of Object.entries(body.webhooks)) {
        if (!NAMES.includes(name as MailgunWebhookName) || typeof on !== "boolean")
          return problem(400, `webhooks are booleans named ${NAMES.join(", ")}`);
        config.webhooks[name as MailgunWebhookName] = on;
      }
    }
    return { status: 200, body: config };
  });
}
