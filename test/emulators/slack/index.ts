/**
 * A Slack Web API emulator: chat.postMessage/chat.update with Slack's error conventions and its
 * per-channel rate limit, auth.test, a few user lookups, and interaction response URLs.
 */
import { EmulatorServer } from "../shared/server.ts";
import { type BotIdentity, ratelimited, registerApiRoutes, slackError } from "./api.routes.ts";
import { registerControlRoutes } from "./control.routes.ts";
import { tokenOf } from "./request.ts";
import { registerResponseUrlRoutes } from "./response-url.routes.ts";
import { type SlackChannel, SlackStore, type SlackUser } from "./store.ts";
import { TokenBucketLimiter } from "./token-bucket.ts";

export type { PostedMessage, RecordedResponse, SlackChannel, SlackUser } from "./store.ts";

export const DEFAULT_BOT_TOKEN = "xoxb-dev-token";

export const DEFAULT_USERS: SlackUser[] = [
  { id: "U05REPONE01", name: "rep.one", realName: "Rep One", tz: "America/New_York", email: "rep.one@example.com" },
  { id: "U05REPTWO02", name: "rep.two", realName: "Rep Two", tz: "Europe/London", email: "rep.two@example.com" },
];
export const DEFAULT_CHANNELS: SlackChannel[] = [
  { id: "C05LEADS001", name: "lead-alerts" },
  { id: "C05GENERAL1", name: "general" },
];

export const DEFAULT_IDENTITY: BotIdentity = {
  teamId: "T05EMULATE", team: "Emulated Workspace", url: "https://emulated-workspace.slack.com/",
  botUserId: "U05LEADBOT1", botId: "B05LEADBOT1", appId: "A05LEADAPP1", botName: "lead-follow-up",
};

export interface SlackEmulatorOptions {
  botTokens?: string[];
  users?: SlackUser[];
  channels?: SlackChannel[];
  /** chat.postMessage's sustained rate per channel. Default 1 (Slack's documented pace). */
  perChannelPerSecond?: number;
  /** Messages a channel may take at once before the rate applies. Default 3. */
  perChannelBurst?: number;
  now?: () => number;
}

export interface SlackEmulator {
  server: EmulatorServer;
  store: SlackStore;
  identity: BotIdentity;
  close(): Promise<void>;
}

export function createSlackEmulator(options: SlackEmulatorOptions = {}): SlackEmulator {
  const now = options.now ?? Date.now;
  const tokens = new Set(options.botTokens ?? [DEFAULT_BOT_TOKEN]);
  const users = options.users ?? DEFAULT_USERS;
  const channels = options.channels ?? DEFAULT_CHANNELS;
  const store = new SlackStore(now);
  store.reset(users, channels);

  const postLimiter = new TokenBucketLimiter(options.perChannelBurst ?? 3, options.perChannelPerSecond ?? 1, now);

  let serverErrors = 0;
  const server = new EmulatorServer("slack", {
    guard: (req) => {
      if (!req.path.startsWith("/api/")) return undefined;
      const token = tokenOf(req);
      if (!token) return slackError("not_authed");
      if (!tokens.has(token)) return slackError("invalid_auth");
      return undefined;
    },
    rateLimited: () => ratelimited(1),
    // Slack's edge sometimes answers with plain text rather than JSON; clients must cope with both.
    serverError: () => (serverErrors++ % 2 === 0
      ? { status: 500, body: { ok: false, error: "internal_error" } }
      : { status: 503, text: "Service Unavailable", headers: { "content-type": "text/plain" } }),
  }, () => {
    store.reset(users, channels);
    postLimiter.reset();
  });

  registerApiRoutes(server, { store, identity: DEFAULT_IDENTITY, postLimiter, now });
  registerResponseUrlRoutes(server, store, now, DEFAULT_IDENTITY.botUserId, DEFAULT_IDENTITY.botId);
  registerControlRoutes(server, store);
  return { server, store, identity: DEFAULT_IDENTITY, close: () => server.close() };
}
