import { randomBytes, randomInt } from "node:crypto";
import type { EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import type { BotIdentity } from "./api.routes.ts";
import { slackSignatureHeaders } from "./signing.ts";
import type { PostedMessage, SlackChannel, SlackStore, SlackUser } from "./store.ts";

/** Where Slack sends interactions, and the secret it signs them with: set by option or at runtime. */
export interface InteractivityConfig {
  url?: string;
  signingSecret: string;
  /** Slack gives up on an app that has not answered within 3 s and shows the user an error. */
  timeoutMs: number;
}

interface ClickRequest {
  channel?: string;
  ts?: string;
  actionId?: string;
  userId?: string;
  /** Overrides the configured interactivity URL for this click. */
  url?: string;
}

type Block = { type?: unknown; block_id?: unknown; elements?: unknown; accessory?: unknown };
type Element = { type?: unknown; action_id?: unknown; text?: unknown; value?: unknown; style?: unknown };

const fail = (status: number, error: string, message?: string): EmulatorResponse => ({
  status,
  body: { ok: false, error, ...(message ? { message } : {}) },
});

/** Slack fills in a block_id for blocks posted without one; the emulator's are stable per position. */
const blockIdOf = (block: Block, index: number) => (typeof block.block_id === "string" ? block.block_id : `emulated-block-${index}`);

/** The interactive elements of a block: an actions block's elements, or a section's accessory. */
function elementsOf(block: Block): Element[] {
  if (block.type === "actions" && Array.isArray(block.elements)) return block.elements as Element[];
  if (block.type === "section" && block.accessory && typeof block.accessory === "object") return [block.accessory as Element];
  return [];
}

function findElement(message: PostedMessage, actionId: string): { element: Element; blockId: string } | undefined {
  const blocks = (message.blocks ?? []) as Block[];
  for (const [index, block] of blocks.entries()) {
    if (!block || typeof block !== "object") continue;
    const element = elementsOf(block).find((e) => e && e.action_id === actionId);
    if (element) return { element, blockId: blockIdOf(block, index) };
  }
  return undefined;
}

function findMessage(store: SlackStore, click: ClickRequest, actionId: string): PostedMessage | undefined {
  const channel = click.channel ? (store.resolveChannel(click.channel)?.id ?? click.channel) : undefined;
  if (channel && click.ts) return store.findMessage(channel, click.ts);
  // The latest message wins, as a user would click the newest alert.
  for (let i = store.messages.length - 1; i >= 0; i--) {
    const message = store.messages[i]!;
    if (message.deleted || (channel && message.channel !== channel) || (click.ts && message.ts !== click.ts)) continue;
    if (findElement(message, actionId)) return message;
  }
  return undefined;
}

/** In a DM the person clicking is the one the bot wrote to; elsewhere the first known user. */
function defaultClicker(store: SlackStore, channel: string): SlackUser | undefined {
  return (channel.startsWith("D") ? store.users.get(`U${channel.slice(1)}`) : undefined) ?? store.users.values().next().value;
}

function slackTs(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${String((nowMs % 1000) * 1000 + randomInt(1000)).padStart(6, "0")}`;
}

/** The message as Slack shows it in the payload, with the block_ids it would have assigned. */
function payloadMessage(message: PostedMessage, identity: BotIdentity) {
  return {
    type: "message",
    user: message.user,
    bot_id: message.bot_id,
    app_id: identity.appId,
    team: identity.teamId,
    text: message.text ?? "",
    ts: message.ts,
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    ...(message.edited ? { edited: { user: message.user, ts: message.edited } } : {}),
    ...(message.blocks ? { blocks: (message.blocks as Block[]).map((b, i) => ({ ...b, block_id: blockIdOf(b, i) })) } : {}),
  };
}

export function buildBlockActionsPayload(args: {
  message: PostedMessage;
  channel: SlackChannel;
  user: SlackUser;
  element: Element;
  blockId: string;
  responseUrl: string;
  identity: BotIdentity;
  nowMs: number;
}) {
  const { message, channel, user, element, blockId, identity, nowMs } = args;
  return {
    type: "block_actions",
    user: { id: user.id, username: user.name, name: user.name, team_id: identity.teamId },
    api_app_id: identity.appId,
    // The deprecated verification token: apps should check the signature instead.
    token: "emulated-verification-token",
    container: { type: "message", message_ts: message.ts, channel_id: channel.id, is_ephemeral: false },
    trigger_id: `${Math.floor(nowMs / 1000)}.${randomInt(1e9)}.${randomBytes(16).toString("hex")}`,
    team: { id: identity.teamId, domain: new URL(identity.url).hostname.split(".")[0] },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.id.startsWith("D") ? "directmessage" : channel.name },
    message: payloadMessage(message, identity),
    state: { values: {} },
    response_url: args.responseUrl,
    actions: [
      {
        action_id: element.action_id,
        block_id: blockId,
        text: element.text,
        ...(element.value !== undefined ? { value: element.value } : {}),
        ...(element.style !== undefined ? { style: element.style } : {}),
        type: "button",
        action_ts: slackTs(nowMs),
      },
    ],
  };
}

async function readAnswer(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : "";
  } catch {
    return text;
  }
}

/**
 * /_emulator/click plays a user pressing a button in a message the bot posted: Slack's signed
 * block_actions request goes to the app's interactivity URL, and its answer comes back.
 * /_emulator/config sets that URL (and the signing secret) at runtime.
 */
export function registerInteractionRoutes(
  server: EmulatorServer,
  store: SlackStore,
  identity: BotIdentity,
  config: InteractivityConfig,
  now: () => number,
): void {
  server.route({ method: "GET", pattern: "/_emulator/config", control: true, handler: () => ({ status: 200, body: configBody(config) }) });
  server.route({
    method: "POST",
    pattern: "/_emulator/config",
    control: true,
    handler: (req) => {
      const body = (req.body ?? {}) as { interactivityUrl?: unknown; signingSecret?: unknown };
      if (body.interactivityUrl !== undefined) {
        if (body.interactivityUrl !== null && typeof body.interactivityUrl !== "string")
          return fail(400, "invalid_arguments", "interactivityUrl must be a URL or null");
        config.url = body.interactivityUrl ?? undefined;
      }
      if (typeof body.signingSecret === "string" && body.signingSecret) config.signingSecret = body.signingSecret;
      return { status: 200, body: configBody(config) };
    },
  });

  server.route({
    method: "POST",
    pattern: "/_emulator/click",
    control: true,
    handler: async (req) => {
      const click = (req.body ?? {}) as ClickRequest;
      if (typeof click.actionId !== "string" || !click.actionId) return fail(400, "invalid_arguments", "actionId is required");
      const url = click.url ?? config.url;
      if (!url) return fail(400, "no_interactivity_url", "set interactivityUrl (option or POST /_emulator/config) or pass url");

      const message = findMessage(store, click, click.actionId);
      if (!message)
        return fail(
          404,
          "message_not_found",
          click.ts ? `no message ${click.ts} in ${click.channel}` : `no message has an element with action_id ${click.actionId}`,
        );
      const found = findElement(message, click.actionId);
      if (!found) return fail(404, "action_not_found", `message ${message.ts} has no element with action_id ${click.actionId}`);
      if (found.element.type !== "button")
        return fail(400, "not_a_button", `${click.actionId} is a ${String(found.element.type)}; only buttons can be clicked`);
      const channel = store.channels.get(message.channel) ?? { id: message.channel, name: message.channel };
      const user = click.userId ? store.users.get(click.userId) : defaultClicker(store, message.channel);
      if (!user) return fail(404, "user_not_found", `no user ${click.userId ?? "to click"}`);

      const minted = store.mintResponseUrl(channel.id, message.ts);
      const payload = buildBlockActionsPayload({
        message,
        channel,
        user,
        element: found.element,
        blockId: found.blockId,
        responseUrl: `${server.url}/response_url/${minted.id}`,
        identity,
        nowMs: now(),
      });
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            ...slackSignatureHeaders(config.signingSecret, now(), body),
          },
          body,
          signal: AbortSignal.timeout(config.timeoutMs),
        });
        return { status: 200, body: { status: response.status, body: await readAnswer(response), payload } };
      } catch (error) {
        const timedOut = (error as Error).name === "TimeoutError";
        return timedOut
          ? fail(504, "operation_timeout", `no answer within ${config.timeoutMs} ms`)
          : fail(502, "interactivity_url_unreachable", (error as Error).message);
      }
    },
  });
}

function configBody(config: InteractivityConfig) {
  return { interactivityUrl: config.url ?? null, signingSecret: config.signingSecret, timeoutMs: config.timeoutMs };
}
