/**
 * Webhooks an emulator owes its subscriber. Tests drain them with GET /_emulator/webhooks and
 * feed them to the Worker themselves; under `npm run dev` they are POSTed to a target URL.
 */
export class WebhookOutbox<E> {
  private pending: E[] = [];
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly deliver: ((events: E[]) => Promise<void>) | undefined,
    private readonly maxBatch: number,
    private readonly delayMs = 250,
  ) {}

  push(event: E): void {
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
        this.pending.unshift(...batch);
        this.timer = setTimeout(() => void this.flush(), 2_000);
        return;
      }
    }
  }
}
