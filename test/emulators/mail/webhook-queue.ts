import { WebhookOutbox } from "../shared/webhook-outbox.ts";

/** One HTTP request an email provider owes the app: an event, or an inbound email. */
export interface OutgoingWebhook {
  /** Increasing, so drained webhooks keep the order they were made in. */
  seq: number;
  /** The provider's name for it: `Delivery`, `Bounce`, `Inbound`, `delivered`, `failed`, `inbound`, … */
  kind: string;
  /** Where it is POSTed, credentials removed (they are in `headers`); absent when no URL is configured. */
  url?: string;
  headers: Record<string, string>;
  /** The exact body to POST. */
  body: string;
  /** The body, parsed, for assertions. */
  payload: unknown;
}

export interface WebhookDelivery {
  seq: number;
  kind: string;
  url: string;
  status: number;
  at: string;
}

/**
 * `https://user:pass@host/path` → the URL without credentials and the Authorization header they
 * stand for: Postmark's documented way to protect a webhook, and how a browser-style fetch must
 * send them (fetch refuses URLs with credentials).
 */
export function splitCredentials(target: string): { url: string; authorization?: string } {
  const url = new URL(target);
  if (!url.username && !url.password) return { url: url.toString() };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  return { url: url.toString(), authorization: `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}` };
}

const DELIVERY_LOG_SIZE = 200;

/**
 * Webhooks with a URL are POSTed there (one per request, retried every 2 s until the app takes
 * them, as the shared outbox does); webhooks without one wait for the test to drain them
 * (GET /_emulator/webhooks) and feed them to the Worker itself.
 */
export class WebhookQueue {
  private seq = 0;
  private readonly posted: WebhookOutbox<OutgoingWebhook>;
  private readonly held: WebhookOutbox<OutgoingWebhook>;
  readonly deliveries: WebhookDelivery[] = [];
  private readonly now: () => number;

  /** `accepted` says whether the app's answer ends the delivery (else it is retried). */
  constructor(now: () => number, accepted: (status: number) => boolean = (s) => s >= 200 && s < 300, delayMs = 100) {
    this.now = now;
    this.held = new WebhookOutbox<OutgoingWebhook>(undefined, 1);
    this.posted = new WebhookOutbox<OutgoingWebhook>(
      async ([webhook]) => {
        const response = await fetch(webhook!.url!, { method: "POST", headers: webhook!.headers, body: webhook!.body });
        await response.arrayBuffer();
        this.deliveries.push({
          seq: webhook!.seq,
          kind: webhook!.kind,
          url: webhook!.url!,
          status: response.status,
          at: new Date(this.now()).toISOString(),
        });
        if (this.deliveries.length > DELIVERY_LOG_SIZE) this.deliveries.shift();
        if (!accepted(response.status)) throw new Error(`${webhook!.kind} webhook: ${webhook!.url} answered ${response.status}`);
      },
      1,
      delayMs,
    );
  }

  push(webhook: Omit<OutgoingWebhook, "seq">): OutgoingWebhook {
    const queued = { seq: ++this.seq, ...webhook };
    (queued.url ? this.posted : this.held).push(queued);
    return queued;
  }

  /** Removes and returns the webhooks that have no URL to go to. */
  drain(): OutgoingWebhook[] {
    return this.held.drain();
  }

  reset(): void {
    this.held.reset();
    this.posted.reset();
    this.deliveries.length = 0;
  }

  stop(): void {
    this.held.stop();
    this.posted.stop();
  }
}
