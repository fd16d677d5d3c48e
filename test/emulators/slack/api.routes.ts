import type { EmulatorRequest, EmulatorResponse, EmulatorServer, Handler } from "../shared/server.ts";
import { readBlocks } from "./blocks.ts";
import { type Args, boolArg, charsetWarning, readArgs, stringArg } from "./request.ts";
import type { PostedMessage, SlackStore, SlackUser } from "./store.ts";
import type { PostLimits } from "./post-limits.ts";

export interface BotIdentity {
  teamId: string;
  team: string;
  url: string;
  botUserId: string;
  botId: string;
  appId: string;
  botName: string;
}

export interface ApiContext {
  store: SlackStore;
  identity: BotIdentity;
  /** chat.postMessage's per-channel limit and the form of its answer. */
  postLimits: PostLimits;
  now: () => number;
}

/** Slack answers API errors with HTTP 200 and ok:false. */
export const slackError = (error: string, extra: Record<string, unknown> = {}): EmulatorResponse => ({
  status: 200,
  body: { ok: false, error, ...extra },
});
const ok = (body: Record<string, unknown>): EmulatorResponse => ({ status: 200, body: { ok: true, ...body } });

/** Slack's own cap on message text. */
const MAX_TEXT = 40_000;
/** users.list's largest page. */
const MAX_USERS_PAGE = 1_000;

/** The app's bot user, listed among the workspace's members like any bot. */
const botMember = (identity: BotIdentity): SlackUser => ({ id: identity.botUserId, name: identity.botName, isBot: true });

function messageBody(message: PostedMessage, identity: BotIdentity) {
  return {
    type: "message",
    text: message.text ?? "",
    ...(message.blocks ? { blocks: message.blocks } : {}),
    user: message.user,
    bot_id: message.bot_id,
    app_id: identity.appId,
    team: identity.teamId,
    ts: message.ts,
    ...(message.thread_ts ? { thread_ts: message.thread_ts, parent_user_id: message.user } : {}),
    ...(message.edited ? { edited: { user: message.user, ts: message.edited } } : {}),
  };
}

function userBody(user: SlackUser, identity: BotIdentity, now: number) {
  const tz = user.tz ?? "America/Los_Angeles";
  return {
    id: user.id,
    team_id: identity.teamId,
    name: user.name,
    real_name: user.realName ?? user.name,
    deleted: user.deleted ?? false,
    is_bot: user.isBot ?? false,
    tz,
    tz_label: tz,
    tz_offset: offsetSeconds(tz, now),
    profile: { real_name: user.realName ?? user.name, display_name: user.name, ...(user.email ? { email: user.email } : {}) },
  };
}

/** The zone's UTC offset in seconds at `now`, from the platform's time zone data. */
function offsetSeconds(tz: string, now: number): number {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" }).formatToParts(now).find((p) => p.type === "timeZoneName")?.value ??
    "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60) : 0;
}

export function registerApiRoutes(server: EmulatorServer, ctx: ApiContext): void {
  const { store, identity } = ctx;
  const method = (name: string, handler: (args: Args, req: EmulatorRequest) => EmulatorResponse, verbs = ["POST"]) => {
    const wrapped: Handler = (req) => handler(readArgs(req), req);
    for (const verb of verbs) server.route({ method: verb, pattern: `/api/${name}`, handler: wrapped });
  };

  method(
    "auth.test",
    () =>
      ok({
        url: identity.url,
        team: identity.team,
        user: identity.botName,
        team_id: identity.teamId,
        user_id: identity.botUserId,
        bot_id: identity.botId,
        is_enterprise_install: false,
      }),
    ["POST", "GET"],
  );

  method("chat.postMessage", (args, req) => {
    const channelArg = stringArg(args, "channel");
    const channel = channelArg ? store.resolveChannel(channelArg) : undefined;
    if (!channel) return slackError("channel_not_found");
    if (channel.isMember === false) return slackError("not_in_channel");
    const blocks = readBlocks(args.blocks);
    if (!blocks.ok) return slackError("invalid_blocks", { response_metadata: { messages: blocks.messages } });
    const text = stringArg(args, "text");
    if (!text && !blocks.blocks?.length && !args.attachments) return slackError("no_text");
    if (text && text.length > MAX_TEXT) return slackError("msg_too_long");

    const limited = ctx.postLimits.take(channel.id);
    if (limited) return limited;

    const message: PostedMessage = {
      channel: channel.id,
      ts: store.nextTs(),
      text,
      blocks: blocks.blocks,
      thread_ts: stringArg(args, "thread_ts"),
      user: identity.botUserId,
      bot_id: identity.botId,
    };
    store.messages.push(message);
    if (message.thread_ts && boolArg(args, "reply_broadcast")) {
      store.messages.push({ ...message, ts: store.nextTs(), thread_ts: undefined });
    }
    return ok({ channel: channel.id, ts: message.ts, message: messageBody(message, identity), ...charsetWarning(req) });
  });

  method("chat.update", (args, req) => {
    const channelArg = stringArg(args, "channel");
    const channel = channelArg ? store.resolveChannel(channelArg) : undefined;
    if (!channel) return slackError("channel_not_found");
    const ts = stringArg(args, "ts");
    const message = ts ? store.findMessage(channel.id, ts) : undefined;
    if (!message) return slackError("message_not_found");
    const blocks = readBlocks(args.blocks);
    if (!blocks.ok) return slackError("invalid_blocks", { response_metadata: { messages: blocks.messages } });
    const text = stringArg(args, "text");
    if (!text && !blocks.blocks?.length) return slackError("no_text");
    message.text = text;
    if (blocks.blocks) message.blocks = blocks.blocks;
    message.edited = store.nextTs();
    return ok({ channel: channel.id, ts: message.ts, text: message.text ?? "", message: messageBody(message, identity), ...charsetWarning(req) });
  });

  method("conversations.open", (args) => {
    const users = (stringArg(args, "users") ?? "").split(",").filter(Boolean);
    const user = users.length === 1 ? store.users.get(users[0]!) : undefined;
    if (users.length === 0) return slackError("users_list_not_supplied");
    if (!user) return slackError("user_not_found");
    return ok({ channel: { id: store.openDm(user).id } });
  });

  method(
    "users.info",
    (args) => {
      const user = store.users.get(stringArg(args, "user") ?? "");
      return user ? ok({ user: userBody(user, identity, ctx.now()) }) : slackError("user_not_found");
    },
    ["POST", "GET"],
  );

  // As https://api.slack.com/methods/users.list documents it: `limit` up to 1000, an opaque `cursor`
  // (here the next member's id, base64), `response_metadata.next_cursor` "" on the last page, and
  // deactivated accounts and bots among the members.
  method(
    "users.list",
    (args) => {
      const limitArg = stringArg(args, "limit");
      const limit = limitArg === undefined || Number(limitArg) === 0 ? MAX_USERS_PAGE : Number(limitArg);
      if (!Number.isInteger(limit) || limit < 0) return slackError("invalid_limit");
      const members = [...store.users.values(), botMember(identity)];
      const cursor = stringArg(args, "cursor");
      let start = 0;
      if (cursor) {
        const id = /^user:(.+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"))?.[1];
        start = members.findIndex((m) => m.id === id);
        if (start < 0) return slackError("invalid_cursor");
      }
      const page = members.slice(start, start + Math.min(limit, MAX_USERS_PAGE));
      const next = members[start + page.length];
      return ok({
        members: page.map((u) => userBody(u, identity, ctx.now())),
        cache_ts: Math.floor(ctx.now() / 1000),
        response_metadata: { next_cursor: next ? Buffer.from(`user:${next.id}`).toString("base64") : "" },
      });
    },
    ["POST", "GET"],
  );

  method(
    "users.lookupByEmail",
    (args) => {
      const email = (stringArg(args, "email") ?? "").toLowerCase();
      const user = [...store.users.values()].find((u) => u.email?.toLowerCase() === email);
      return user ? ok({ user: userBody(user, identity, ctx.now()) }) : slackError("users_not_found");
    },
    ["POST", "GET"],
  );
}
