import type { EmulatorRequest, EmulatorResponse, EmulatorServer, Handler } from "../shared/server.ts";
import type { Mailbox, StoredMessage } from "./mailbox.ts";
import { mailboxListPage, messagePage } from "./mailbox-page.ts";
import type { SendRate, SendRatePlan } from "./send-rate.ts";
import type { WebhookQueue } from "./webhook-queue.ts";

/** What a person can make happen to a sent message; each provider answers with its own webhooks. */
export type MessageAction = "deliver" | "bounce" | "complain" | "unsubscribe" | "reply";

/** The action's input: the JSON body, with `recipient` resolved to one of the message's recipients. */
export type ActionInput = Record<string, unknown> & { recipient: string };

export type ActionHandler = (message: StoredMessage, input: ActionInput) => EmulatorResponse;

export interface MailboxRoutes {
  title: string;
  mailbox: Mailbox;
  webhooks: WebhookQueue;
  sendRate: SendRate;
  actions: Record<MessageAction, ActionHandler>;
}

const wantsHtml = (req: EmulatorRequest) => String(req.headers.accept ?? "").includes("text/html");
const html = (text: string): EmulatorResponse => ({ status: 200, text, headers: { "content-type": "text/html; charset=utf-8" } });
const problem = (status: number, error: string): EmulatorResponse => ({ status, body: { error } });

/** A message as the JSON control routes show it: what was stored, plus the thread it belongs to. */
function messageJson(mailbox: Mailbox, m: StoredMessage) {
  return { ...m, thread: { parent: mailbox.parentOf(m)?.id ?? null } };
}

/**
 * The control routes both email emulators share: the mailbox (JSON, or HTML for a browser),
 * actions on a sent message, the webhook drain and the send rate.
 */
export function registerMailboxRoutes(server: EmulatorServer, routes: MailboxRoutes): void {
  const { mailbox, webhooks, sendRate, actions, title } = routes;
  const control = (method: string, pattern: string, handler: Handler) => server.route({ method, pattern, handler, control: true });

  control("GET", "/_emulator/messages", (req) => {
    const messages = mailbox.list({ to: req.query.get("to") ?? undefined, status: req.query.get("status") ?? undefined });
    return wantsHtml(req) ? html(mailboxListPage(title, mailbox, messages)) : { status: 200, body: messages.map((m) => messageJson(mailbox, m)) };
  });

  control("DELETE", "/_emulator/messages", () => {
    mailbox.clear();
    return { status: 204 };
  });

  control("GET", "/_emulator/messages/:id", (req) => {
    const message = mailbox.get(req.params.id!);
    if (!message)
      return wantsHtml(req) ? { status: 404, text: "no such message", headers: { "content-type": "text/plain" } } : problem(404, "message_not_found");
    return wantsHtml(req) ? html(messagePage(title, mailbox, message)) : { status: 200, body: messageJson(mailbox, message) };
  });

  control("POST", "/_emulator/messages/:id/:action", (req) => {
    const action = req.params.action as MessageAction;
    if (!Object.hasOwn(actions, action)) return problem(404, `unknown action ${req.params.action}; one of ${Object.keys(actions).join(", ")}`);
    const message = mailbox.get(req.params.id!);
    if (!message) return problem(404, "message_not_found");
    const body = req.body && typeof req.body === "object" && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const recipient = typeof body.recipient === "string" ? body.recipient.toLowerCase() : message.recipients[0]!;
    if (!message.recipients.includes(recipient)) return problem(400, `${recipient} is not a recipient of this message`);
    return actions[action](message, { ...body, recipient });
  });

  control("GET", "/_emulator/webhooks", () => ({ status: 200, body: webhooks.drain() }));
  control("GET", "/_emulator/webhooks/deliveries", () => ({ status: 200, body: webhooks.deliveries }));

  control("GET", "/_emulator/send_rate", () => ({ status: 200, body: sendRate.current }));
  control("PUT", "/_emulator/send_rate", (req) => {
    const plan = sendRate.configure((req.body ?? {}) as Partial<SendRatePlan>);
    return plan ? { status: 200, body: plan } : problem(400, "send_rate needs enabled (boolean), perSecond and burst (positive numbers)");
  });
}
