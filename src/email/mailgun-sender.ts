import { toBase64, utf8 } from "../platform/bytes";
import { failureOfStatus, parseRetryAfter, redact, withTimeout } from "../platform/failure";
import type { EmailSender, LookupAnswer, OutgoingEmail, SendAnswer } from "./email-port";
import { formatFrom, unknownOf } from "./email-port";
import { settled } from "../platform/settled";
import { jsonOrUndefined } from "../platform/json";

/**
 * Mailgun's messages API (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages):
 * POST /v3/{domain}/messages, basic auth `api:KEY`, form fields; custom headers as `h:` fields
 * (Mailgun keeps a given Message-Id), the effect's id as the user variable `v:effect`.
 */
export interface MailgunOptions {
  apiKey: string;
  domain: string;
  /** https://api.mailgun.net (or api.eu.mailgun.net); the emulator locally. */
  apiBase: string;
  beforeSend?: () => Promise<void>;
  now?: () => number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class MailgunSender implements EmailSender {
  readonly provider = "mailgun" as const;
  private readonly fetcher: typeof fetch;
  private readonly auth: string;

  constructor(private readonly options: MailgunOptions) {
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    this.auth = `Basic ${toBase64(utf8(`api:${options.apiKey}`))}`;
  }

  private url(path: string): string {
    return `${this.options.apiBase}/v3/${encodeURIComponent(this.options.domain)}${path}`;
  }

  async send(email: OutgoingEmail): Promise<SendAnswer> {
    const form = new URLSearchParams({
      from: formatFrom(email.from),
      to: email.to.address,
      subject: email.subject,
      text: email.text,
      html: email.html,
      "h:Reply-To": email.replyTo,
      "h:Message-Id": email.messageId,
      "o:tag": email.tag,
      "o:tracking": "no",
      "v:effect": email.key,
    });
    if (email.inReplyTo) form.set("h:In-Reply-To", email.inReplyTo);
    if (email.references.length > 0) form.set("h:References", email.references.join(" "));
    for (const [name, value] of Object.entries(email.headers)) form.set(`h:${name}`, value);
    await this.options.beforeSend?.();
    let response: Response;
    try {
      response = await withTimeout(
        settled(this.fetcher(this.url("/messages"), { method: "POST", headers: { authorization: this.auth }, body: form })),
        this.options.timeoutMs ?? 15_000,
        "Mailgun send",
      );
    } catch (error) {
      return unknownOf(error, "Mailgun");
    }
    const text = await response.text().catch(() => "");
    const answer = jsonOrUndefined(text) as { id?: string; message?: string } | undefined;
    const message = redact(`Mailgun ${response.status}: ${answer?.message ?? text.slice(0, 200)}`);
    if (response.ok && answer?.id) return { kind: "sent", providerId: answer.id.replace(/^<|>$/g, "") };
    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.now());
      return { kind: "notSent", failure: { kind: "rateLimited", message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), status: 429 } };
    }
    // 400: a parameter Mailgun will not take; "'to' parameter is not a valid address" is the recipient's fault.
    if (response.status === 400)
      return { kind: "refused", address: /'to' parameter/i.test(answer?.message ?? ""), failure: { kind: "permanent", message, status: 400 } };
    // 401 (a wrong key), 404 (a domain the account does not have): nothing was taken, an admin must act.
    if (response.status >= 400 && response.status < 500) return { kind: "notSent", failure: failureOfStatus(response.status, message) };
    return { kind: "unknown", failure: failureOfStatus(response.status, message) };
  }

  /**
   * The Events API (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/events):
   * an `accepted` event for our Message-ID means Mailgun took the message.
   */
  async lookUp(email: Pick<OutgoingEmail, "messageId">): Promise<LookupAnswer> {
    const id = email.messageId.replace(/^<|>$/g, "");
    const query = new URLSearchParams({ event: "accepted", "message-id": id, limit: "1" });
    try {
      const response = await withTimeout(
        settled(this.fetcher(`${this.url("/events")}?${query}`, { headers: { authorization: this.auth } })),
        this.options.timeoutMs ?? 15_000,
        "Mailgun events",
      );
      const text = await response.text();
      if (!response.ok)
        return { kind: "failed", failure: failureOfStatus(response.status, redact(`Mailgun events ${response.status}: ${text.slice(0, 200)}`)) };
      const items = (jsonOrUndefined(text) as { items?: unknown[] } | undefined)?.items ?? [];
      return items.length > 0 ? { kind: "found", providerId: id } : { kind: "notFound" };
    } catch (error) {
      return { kind: "failed", failure: { kind: "transient", message: redact(`Mailgun events: ${(error as Error).message}`) } };
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
