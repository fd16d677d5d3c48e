/**
 * Webhooks an emulator owes its subscriber. Tests drain them with GET /_emulator/webhooks and
 * feed them to the Worker themselves; under `npm run dev` they are POSTed to a target URL.
 */
export class WebhookOutbox<E> {
  private pending: E[] = [];
  private timer?: ReturnType<typeof setTimeout>;

  private readonly deliver: ((events: E[]) => Promise<void>) | undefined;
  private readonly maxBatch: number;
  private readonly delayMs: number;
  private stopped = false;

  constructor(deliver: ((events: E[]) => Promise<void>) | undefined, maxBatch: number, delayMs = 250) {
    this.deliver = deliver;
    this.maxBatch = maxBatch;
    this.delayMs = delayMs;
  }

  /** Stops delivering (the emulator is closing); pending events are dropped. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pending = [];
  }

  push(event: E): void {
    if (this.stopped) return;
    this.pending.push(event);
    if (this.deliver && !this.timer) this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Removes and returns everything pending (the test-side drain). */
  drain(): E[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  reset(): void {
    this.pending = [];
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.deliver!(batch);
      } catch (error) {
        // Like the real CRMs, retry later rather than drop.
        console.error(`webhook delivery failed, retrying in 2 s: ${(error as Error).message}`);
        if (this.stopped) return;
        this.pending.unshift(...batch);
        this.timer = setTimeout(() => void this.flush(), 2_000);
        return;
      }
    }
  }
}
