import { failureOfStatus, parseRetryAfter, redact, withTimeout } from "../platform/failure";
import type { EmailSender, LookupAnswer, OutgoingEmail, SendAnswer } from "./email-port";
import { formatFrom, unknownOf } from "./email-port";
import { settled } from "../platform/settled";
import { jsonOrUndefined } from "../platform/json";

/**
 * Postmark's Email API (https://postmarkapp.com/developer/api/email-api): POST /email with the
 * server token, one message per call, on the configured message stream. Errors are told apart by
 * HTTP status and Postmark's ErrorCode, never by text (the API overview's error code table).
 */
export interface PostmarkOptions {
  serverToken: string;
  /** https://api.postmarkapp.com; the emulator locally. */
  apiBase: string;
  messageStream: string;
  /** Runs before every send: the pacing of the provider's send rate. */
  beforeSend?: () => Promise<void>;
  now?: () => number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** ErrorCodes (within a 422) that say the recipient is the problem: 406 inactive recipient, 300 invalid email request. */
const ADDRESS_CODES = new Set([406, 300]);
/** 300 is also returned for a bad From or body: only a message naming the To field means the address. */
const toProblem = (code: number, message: string) => code === 406 || (code === 300 && /'To'|recipient|email address/i.test(message));

export class PostmarkSender implements EmailSender {
  readonly provider = "postmark" as const;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: PostmarkOptions) {
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  private headers(json: boolean): Record<string, string> {
    return {
      accept: "application/json",
      ...(json ? { "content-type": "application/json" } : {}),
      "x-postmark-server-token": this.options.serverToken,
    };
  }

  async send(email: OutgoingEmail): Promise<SendAnswer> {
    const body = {
      From: formatFrom(email.from),
      To: email.to.address,
      Subject: email.subject,
      TextBody: email.text,
      HtmlBody: email.html,
      ReplyTo: email.replyTo,
      MessageStream: this.options.messageStream,
      Tag: email.tag,
      Metadata: { effect: email.key },
      // A person's note, not a campaign: no open pixel, no rewritten links.
      TrackOpens: false,
      TrackLinks: "None",
      Headers: [
        { Name: "Message-ID", Value: email.messageId },
        ...(email.inReplyTo ? [{ Name: "In-Reply-To", Value: email.inReplyTo }] : []),
        ...(email.references.length > 0 ? [{ Name: "References", Value: email.references.join(" ") }] : []),
        ...Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
      ],
    };
    await this.options.beforeSend?.();
    let response: Response;
    try {
      response = await withTimeout(
        settled(this.fetcher(`${this.options.apiBase}/email`, { method: "POST", headers: this.headers(true), body: JSON.stringify(body) })),
        this.options.timeoutMs ?? 15_000,
        "Postmark send",
      );
    } catch (error) {
      return unknownOf(error, "Postmark");
    }
    const text = await response.text().catch(() => "");
    const answer = jsonOrUndefined(text) as { ErrorCode?: number; Message?: string; MessageID?: string } | undefined;
    const code = typeof answer?.ErrorCode === "number" ? answer.ErrorCode : undefined;
    const message = redact(
      `Postmark ${response.status}${code !== undefined ? ` (ErrorCode ${code})` : ""}: ${answer?.Message ?? text.slice(0, 200)}`,
    );
    if (response.ok && code === 0 && answer?.MessageID) return { kind: "sent", providerId: answer.MessageID };
    if (response.status === 429) {
      // Postmark documents no Retry-After: only a given one pauses every send (our pacing keeps
      // under the rate); without it this email alone backs off.
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.now());
      return { kind: "notSent", failure: { kind: "rateLimited", message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), status: 429 } };
    }
    // 503 with ErrorCode 100: "offline for maintenance"; nothing was taken.
    if (response.status === 503 && code === 100) return { kind: "notSent", failure: failureOfStatus(503, message) };
    if (response.status === 422 && code !== undefined)
      return {
        kind: "refused",
        address: ADDRESS_CODES.has(code) && toProblem(code, answer?.Message ?? ""),
        failure: { kind: "permanent", message, status: 422, code: String(code) },
      };
    // A wrong token or the like: nothing was taken, and retrying will not help until an admin acts.
    if (response.status >= 400 && response.status < 500) return { kind: "notSent", failure: failureOfStatus(response.status, message) };
    return { kind: "unknown", failure: failureOfStatus(response.status, message) };
  }

  /**
   * The outbound message search, by the metadata field the send set (Postmark searches one
   * metadata field at a time: https://postmarkapp.com/support/article/1125-custom-metadata-faq).
   */
  async lookUp(email: Pick<OutgoingEmail, "key">): Promise<LookupAnswer> {
    const query = new URLSearchParams({ count: "1", offset: "0", metadata_effect: email.key });
    try {
      const response = await withTimeout(
        settled(this.fetcher(`${this.options.apiBase}/messages/outbound?${query}`, { headers: this.headers(false) })),
        this.options.timeoutMs ?? 15_000,
        "Postmark message search",
      );
      const text = await response.text();
      if (!response.ok)
        return {
          kind: "failed",
          failure: failureOfStatus(response.status, redact(`Postmark message search ${response.status}: ${text.slice(0, 200)}`)),
        };
      const found = (jsonOrUndefined(text) as { Messages?: { MessageID?: string }[] } | undefined)?.Messages?.[0]?.MessageID;
      return found ? { kind: "found", providerId: found } : { kind: "notFound" };
    } catch (error) {
      return { kind: "failed", failure: { kind: "transient", message: redact(`Postmark message search: ${(error as Error).message}`) } };
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
