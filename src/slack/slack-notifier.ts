import { z } from "zod";
import type { Outcome } from "../crm/crm-port";
import { redact, SlotTooFarAway, TimeoutError, withTimeout } from "../crm/crm-port";
import type { EffectOf } from "../domain/effects";
import { parseRetryAfter } from "../outbox/retry-policy";

const PostMessageResponse = z.looseObject({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional(), channel: z.string().optional() });

/** Slack answers HTTP 200 with ok:false for most errors; these are worth another try. */
const TRANSIENT_ERRORS = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

export interface SlackNotifierOptions {
  botToken: string;
  /** https://slack.com in production; the emulator's URL in dev and tests. */
  apiBase: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
  /** Runs before every API call: the rate limiter's pacing. */
  beforeCall?: () => Promise<void>;
}

export class SlackNotifier {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SlackNotifierOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** chat.postMessage to a user id (a DM from the bot) or a channel, with Block Kit blocks. */
  async post(message: EffectOf<"postSlackMessage">): Promise<Outcome> {
    const now = this.options.now ?? Date.now;
    let response: Response;
    try {
      await this.options.beforeCall?.();
      response = await withTimeout(this.fetch(`${this.options.apiBase}/api/chat.postMessage`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.options.botToken}`, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({ channel: message.channel, text: message.text, blocks: message.blocks, unfurl_links: false }),
      }), this.options.timeoutMs ?? 10_000, "Slack chat.postMessage");
    } catch (error) {
      if (error instanceof SlotTooFarAway) return { ok: false, failure: { kind: "rateLimited", message: error.message, retryAfterMs: error.retryAfterMs, local: true } };
      const text = error instanceof TimeoutError ? error.message : `Slack network error: ${(error as Error).message}`;
      return { ok: false, failure: { kind: "transient", message: redact(text) } };
    }
    if (response.status === 429) {
      return { ok: false, failure: { kind: "rateLimited", message: "Slack 429 ratelimited", retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now()) ?? 1_000 } };
    }
    if (response.status >= 500) return { ok: false, failure: { kind: "transient", message: `Slack ${response.status}` } };
    const body = PostMessageResponse.safeParse(await response.json().catch(() => null));
    if (!body.success) return { ok: false, failure: { kind: "transient", message: `Slack ${response.status}: unreadable response` } };
    if (body.data.ok) return { ok: true, externalId: `${body.data.channel}/${body.data.ts}` };
    const error = body.data.error ?? "unknown_error";
    return { ok: false, failure: { kind: TRANSIENT_ERRORS.has(error) ? "transient" : "permanent", message: `Slack chat.postMessage: ${error}` } };
  }
}
