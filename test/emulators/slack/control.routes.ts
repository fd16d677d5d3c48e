import type { EmulatorServer, Handler } from "../shared/server.ts";
import type { PostLimitPlan, PostLimits } from "./post-limits.ts";
import type { SlackStore, SlackUser } from "./store.ts";

/**
 * /_emulator/… routes: what the bot posted, what was sent to response URLs, minting those URLs,
 * and chat.postMessage's rate limit.
 */
export function registerControlRoutes(server: EmulatorServer, store: SlackStore, postLimits: PostLimits): void {
  const control = (method: string, pattern: string, handler: Handler) => server.route({ method, pattern, handler, control: true });

  control("GET", "/_emulator/messages", (req) => {
    const channel = req.query.get("channel");
    return { status: 200, body: channel ? store.messages.filter((m) => m.channel === channel) : store.messages };
  });

  control("GET", "/_emulator/responses", () => ({ status: 200, body: store.responses }));

  control("GET", "/_emulator/channels", () => ({ status: 200, body: [...store.channels.values()] }));

  // Members of the workspace until the next reset (one or an array).
  control("POST", "/_emulator/users", (req) => {
    const users = (Array.isArray(req.body) ? req.body : [req.body]) as SlackUser[];
    if (users.some((u) => !u || typeof u.id !== "string" || typeof u.name !== "string")) {
      return { status: 400, body: { error: "each user needs an id and a name" } };
    }
    for (const user of users) store.users.set(user.id, user);
    return { status: 201, body: users };
  });

  // Like /_emulator/faults: PUT replaces the plan (missing fields take the emulator's options), reset restores it.
  control("GET", "/_emulator/post_limits", () => ({ status: 200, body: postLimits.current }));
  control("PUT", "/_emulator/post_limits", (req) => {
    const plan = postLimits.configure((req.body ?? {}) as Partial<PostLimitPlan>);
    return plan ? { status: 200, body: plan } : { status: 400, body: { ok: false, error: "invalid_arguments" } };
  });

  // Stands in for Slack when a test builds a block_actions payload: its response_url comes from here.
  control("POST", "/_emulator/response_urls", (req) => {
    const body = (req.body ?? {}) as { channel?: string; message_ts?: string };
    const channel = body.channel ? (store.resolveChannel(body.channel)?.id ?? body.channel) : undefined;
    const url = store.mintResponseUrl(channel, body.message_ts);
    return { status: 201, body: { response_url: `${server.url}/response_url/${url.id}`, expires_at: url.expiresAt } };
  });
}
