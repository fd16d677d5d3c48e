import type { ConnectionCheck } from "../platform/connection";
import { z } from "zod";
import type { EffectOf } from "../core/model/effects";
import { systemClock } from "../platform/clock";
import { classify, type Failure, failureOfStatus, parseRetryAfter, withTimeout } from "../platform/failure";
import type { Outcome } from "../platform/outcome";

const PostMessageResponse = z.looseObject({
  ok: z.boolean(),
  error: z.string().optional(),
  ts: z.string().optional(),
  channel: z.string().optional(),
});

/** Slack answers HTTP 200 with ok:false for most errors; these are worth another try. */
const TRANSIENT_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * "Too fast", said in a 200: chat.postMessage's `rate_limited` (an app posting faster than about
 * one message per second per channel) and the older `ratelimited`. They mean what a 429 means.
 */
const RATE_LIMITED_ERRORS = new Set(["rate_limited", "ratelimited"]);

/** Without a Retry-After, about when the channel takes the next message. */
const RATE_LIMIT_FALLBACK_MS = 1_000;

/** Where Slack's interaction response URLs point. */
const RESPONSE_URL_ORIGIN = "https://hooks.slack.com";

type Sent = { ok: true; response: Response } | { ok: false; outcome: Outcome };

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

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

/** auth.test's answers that mean the token itself is refused: nothing is posted until an admin fixes it. */
const SIGN_IN_REFUSALS = new Set(["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"]);

export class SlackNotifier {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SlackNotifierOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** auth.test, paced like every call: does the bot token still work, and in which workspace. */
  async checkConnection(): Promise<ConnectionCheck> {
    const sent = await this.send(
      `${this.options.apiBase}/api/auth.test`,
      "Slack auth.test",
      { authorization: `Bearer ${this.options.botToken}` },
      {},
    );
    if (!sent.ok) {
      const { failure } = sent.outcome as { failure: Failure };
      return { system: "Slack", ok: false, signInFailed: false, detail: failure.message };
    }
    const body = (await sent.response.json().catch(() => ({}))) as { ok?: boolean; error?: string; team?: string };
    if (body.ok) return { system: "Slack", ok: true, signInFailed: false, detail: `the bot token works${body.team ? ` in ${body.team}` : ""}` };
    return {
      system: "Slack",
      ok: false,
      signInFailed: SIGN_IN_REFUSALS.has(body.error ?? ""),
      detail: `Slack: ${body.error ?? `HTTP ${sent.response.status}`}`,
    };
  }

  /** chat.postMessage to a user id (a DM from the bot) or a channel, with Block Kit blocks. */
  async post(message: EffectOf<"postSlackMessage">): Promise<Outcome> {
    const sent = await this.send(
      `${this.options.apiBase}/api/chat.postMessage`,
      "Slack chat.postMessage",
      {
        authorization: `Bearer ${this.options.botToken}`,
      },
      { channel: message.channel, text: message.text, blocks: message.blocks, thread_ts: message.threadTs, unfurl_links: false },
    );
    if (!sent.ok) return sent.outcome;
    const { response } = sent;
    const body = PostMessageResponse.safeParse(await response.json().catch(() => null));
    if (!body.success) return { ok: false, failure: { kind: "transient", message: `Slack ${response.status}: unreadable response` } };
    if (body.data.ok) return { ok: true, externalId: `${body.data.channel}/${body.data.ts}` };
    return { ok: false, failure: this.refusal("Slack chat.postMessage", response, body.data.error ?? "unknown_error") };
  }

  /** What an ok:false answer means: a rate limit (paced like a 429), worth another try, or final. */
  private refusal(what: string, response: Response, error: string): Failure {
    const message = `${what}: ${error}`;
    if (RATE_LIMITED_ERRORS.has(error)) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), (this.options.now ?? Date.now)()) ?? RATE_LIMIT_FALLBACK_MS;
      // Classified as the 429 it stands for; the facts say what was seen.
      return { ...failureOfStatus(429, message, retryAfterMs), status: response.status, code: error };
    }
    return { kind: TRANSIENT_ERRORS.has(error) ? "transient" : "permanent", message, status: response.status, code: error };
  }

  /**
   * Replies through an interaction's response_url (by default replacing the message whose button
   * was clicked). The URL is its own credential: it gets no bot token, and only Slack's own
   * origins are called, so a forged URL cannot make us post elsewhere. Messages never quote it.
   */
  async respond(reply: EffectOf<"respondInSlack">): Promise<Outcome> {
    if (!this.isResponseUrl(reply.responseUrl)) {
      return { ok: false, failure: { kind: "permanent", message: "Slack response_url: not a Slack response URL" } };
    }
    const sent = await this.send(
      reply.responseUrl,
      "Slack response_url",
      {},
      {
        text: reply.text,
        blocks: reply.blocks,
        replace_original: reply.replaceOriginal,
      },
    );
    if (!sent.ok) return sent.outcome;
    const { response } = sent;
    // Slack has answered both plain "ok" and {"ok":true}; errors come as 4xx with {"ok":false,"error":…}.
    const text = await response.text().catch(() => "");
    const body = PostMessageResponse.safeParse(parseJsonOrNull(text));
    const error = body.success ? body.data.error : text.trim().slice(0, 100) || undefined;
    if (response.ok && (body.success ? body.data.ok : true)) return { ok: true };
    // 200 ok:false is Slack's usual refusal; 404/410: the URL expired (30 minutes) or was used up
    // (5 replies), and another try cannot help.
    if (response.ok && error) return { ok: false, failure: this.refusal(`Slack response_url ${response.status}`, response, error) };
    return { ok: false, failure: { kind: "permanent", message: `Slack response_url ${response.status}: ${error ?? "refused"}` } };
  }

  private isResponseUrl(value: string): boolean {
    let origin: string;
    try {
      origin = new URL(value).origin;
    } catch {
      return false;
    }
    return origin === RESPONSE_URL_ORIGIN || origin === new URL(this.options.apiBase).origin;
  }

  /** POSTs JSON, paced by the limiter; rate limits, 5xx and network trouble become failures here. */
  private async send(url: string, what: string, headers: Record<string, string>, body: unknown): Promise<Sent> {
    const now = this.options.now ?? systemClock.now;
    let response: Response;
    try {
      await this.options.beforeCall?.();
      response = await withTimeout(
        this.fetch(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json; charset=utf-8" },
          body: JSON.stringify(body),
        }),
        this.options.timeoutMs ?? 10_000,
        what,
      );
    } catch (error) {
      // Our limiter's hold, a timeout, or a connection that dropped: FailureErrors say which; the rest is transient.
      return { ok: false, outcome: { ok: false, failure: classify(error, (m) => `Slack network error: ${m}`) } };
    }
    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now()) ?? 1_000;
      return { ok: false, outcome: { ok: false, failure: failureOfStatus(429, `${what}: 429 ratelimited`, retryAfterMs) } };
    }
    if (response.status >= 500)
      return { ok: false, outcome: { ok: false, failure: failureOfStatus(response.status, `${what}: ${response.status}`) } };
    return { ok: true, response };
  }
}
