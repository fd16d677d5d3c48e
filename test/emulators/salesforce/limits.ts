const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The org's daily API request allocation, a rolling 24-hour window. Timestamps arrive in order,
 * so expiring them is a moving head index rather than a filter over every hit.
 */
export class ApiUsage {
  private hits: number[] = [];
  private head = 0;

  limit: number;
  private readonly now: () => number;

  constructor(limit: number, now: () => number) {
    this.limit = limit;
    this.now = now;
  }

  used(): number {
    const cutoff = this.now() - DAY_MS;
    while (this.head < this.hits.length && this.hits[this.head]! <= cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.hits.length) {
      this.hits = this.hits.slice(this.head);
      this.head = 0;
    }
    return this.hits.length - this.head;
  }

  record(): void {
    this.hits.push(this.now());
  }

  /** Sent on every API response, as Salesforce does. */
  header(): Record<string, string> {
    return { "Sforce-Limit-Info": `api-usage=${this.used()}/${this.limit}` };
  }

  reset(): void {
    this.hits = [];
    this.head = 0;
  }
}
