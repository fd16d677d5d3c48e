/**
 * A Slack Web API emulator: chat.postMessage/chat.update with Slack's error conventions and its
 * per-channel rate limit, auth.test, a few user lookups, interaction response URLs, and button
 * clicks sent to the app as signed block_actions requests.
 */
import { EmulatorServer } from "../shared/server.ts";
import { type BotIdentity, registerApiRoutes, slackError } from "./api.routes.ts";
import { registerControlRoutes } from "./control.routes.ts";
import { type InteractivityConfig, registerInteractionRoutes } from "./interaction.routes.ts";
import { tokenOf } from "./request.ts";
import { registerResponseUrlRoutes } from "./response-url.routes.ts";
import { DEFAULT_SIGNING_SECRET } from "./signing.ts";
import { type SlackChannel, SlackStore, type SlackUser } from "./store.ts";
import { DEFAULT_POST_LIMITS, type PostLimitPlan, PostLimits, ratelimited } from "./post-limits.ts";

export type { PostedMessage, RecordedResponse, SlackChannel, SlackUser } from "./store.ts";
export type { PostLimitPlan } from "./post-limits.ts";
export { DEFAULT_SIGNING_SECRET, signSlackRequest } from "./signing.ts";

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
  teamId: "T05EMULATE",
  team: "Emulated Workspace",
  url: "https://emulated-workspace.slack.com/",
  botUserId: "U05LEADBOT1",
  botId: "B05LEADBOT1",
  appId: "A05LEADAPP1",
  botName: "lead-follow-up",
};

export interface SlackEmulatorOptions {
  botTokens?: string[];
  users?: SlackUser[];
  channels?: SlackChannel[];
  /** chat.postMessage's sustained rate per channel. Default 1 (Slack's documented pace). */
  perChannelPerSecond?: number;
  /** Messages a channel may take at once before the rate applies. Default 3. */
  perChannelBurst?: number;
  /** Enforce that per-channel limit. Default true. */
  perChannelLimit?: boolean;
  /**
   * How a rate-limited chat.postMessage is answered: "429" (HTTP 429 `ratelimited`, Retry-After)
   * or "rate_limited" (HTTP 200 `{"ok":false,"error":"rate_limited"}`). Default "429".
   */
  rateLimitAnswer?: PostLimitPlan["answer"];
  /** The app's Request URL for interactivity: where POST /_emulator/click sends block_actions. */
  interactivityUrl?: string;
  /** Signs those requests (X-Slack-Signature). Default "slack-dev-signing-secret". */
  signingSecret?: string;
  /** How long a click waits for the app's answer; Slack's limit is 3 s. */
  interactionTimeoutMs?: number;
  now?: () => number;
}

export interface SlackEmulator {
  server: EmulatorServer;
  store: SlackStore;
  identity: BotIdentity;
  /** Changes made here (or by POST /_emulator/config) last until the next reset. */
  interactivity: InteractivityConfig;
  /** chat.postMessage's limit; PUT /_emulator/post_limits changes it until the next reset. */
  postLimits: PostLimits;
  close(): Promise<void>;
}

export function createSlackEmulator(options: SlackEmulatorOptions = {}): SlackEmulator {
  const now = options.now ?? Date.now;
  const tokens = new Set(options.botTokens ?? [DEFAULT_BOT_TOKEN]);
  const users = options.users ?? DEFAULT_USERS;
  const channels = options.channels ?? DEFAULT_CHANNELS;
  const store = new SlackStore(now);
  store.reset(users, channels);

  const postLimits = new PostLimits(
    {
      answer: options.rateLimitAnswer ?? DEFAULT_POST_LIMITS.answer,
      perChannel: options.perChannelLimit ?? DEFAULT_POST_LIMITS.perChannel,
      perChannelPerSecond: options.perChannelPerSecond ?? DEFAULT_POST_LIMITS.perChannelPerSecond,
      perChannelBurst: options.perChannelBurst ?? DEFAULT_POST_LIMITS.perChannelBurst,
    },
    now,
  );
  const initialInteractivity = (): InteractivityConfig => ({
    url: options.interactivityUrl,
    signingSecret: options.signingSecret ?? DEFAULT_SIGNING_SECRET,
    timeoutMs: options.interactionTimeoutMs ?? 3_000,
  });
  const interactivity = initialInteractivity();

  let serverErrors = 0;
  const server = new EmulatorServer(
    "slack",
    {
      guard: (req) => {
        if (!req.path.startsWith("/api/")) return undefined;
        const token = tokenOf(req);
        if (!token) return slackError("not_authed");
        if (!tokens.has(token)) return slackError("invalid_auth");
        return undefined;
      },
      // chat.postMessage says it its own way when so configured; every other method answers 429.
      rateLimited: (req) => (req.path === "/api/chat.postMessage" ? postLimits.injected() : ratelimited(1)),
      // Slack's edge sometimes answers with plain text rather than JSON; clients must cope with both.
      serverError: () =>
        serverErrors++ % 2 === 0
          ? { status: 500, body: { ok: false, error: "internal_error" } }
          : { status: 503, text: "Service Unavailable", headers: { "content-type": "text/plain" } },
      resetLimits: () => postLimits.reset(),
    },
    () => {
      store.reset(users, channels);
      postLimits.reset();
      Object.assign(interactivity, initialInteractivity());
    },
  );

  registerApiRoutes(server, { store, identity: DEFAULT_IDENTITY, postLimits, now });
  registerResponseUrlRoutes(server, store, now, DEFAULT_IDENTITY.botUserId, DEFAULT_IDENTITY.botId);
  registerControlRoutes(server, store, postLimits);
  registerInteractionRoutes(server, store, DEFAULT_IDENTITY, interactivity, now);
  return { server, store, identity: DEFAULT_IDENTITY, interactivity, postLimits, close: () => server.close() };
}
