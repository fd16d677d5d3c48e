/**
 * A Postmark server's suppression lists, one per message stream: addresses Postmark will not
 * send to ("inactive recipients"). Reasons and origins as the Suppressions API and the
 * SubscriptionChange webhook name them (https://postmarkapp.com/developer/api/suppressions-api).
 */
export type SuppressionReason = "HardBounce" | "SpamComplaint" | "ManualSuppression";
export type SuppressionOrigin = "Recipient" | "Customer" | "Admin";

export interface Suppression {
  EmailAddress: string;
  SuppressionReason: SuppressionReason;
  Origin: SuppressionOrigin;
  CreatedAt: string;
}

export class Suppressions {
  private readonly streams = new Map<string, Map<string, Suppression>>();

  add(stream: string, address: string, reason: SuppressionReason, origin: SuppressionOrigin, at: string): Suppression {
    const list = this.streams.get(stream) ?? new Map<string, Suppression>();
    this.streams.set(stream, list);
    const suppression = { EmailAddress: address.toLowerCase(), SuppressionReason: reason, Origin: origin, CreatedAt: at };
    list.set(suppression.EmailAddress, suppression);
    return suppression;
  }

  remove(stream: string, address: string): Suppression | undefined {
    const list = this.streams.get(stream);
    const found = list?.get(address.toLowerCase());
    list?.delete(address.toLowerCase());
    return found;
  }

  has(stream: string, address: string): boolean {
    return this.streams.get(stream)?.has(address.toLowerCase()) ?? false;
  }

  list(stream: string): Suppression[] {
    return [...(this.streams.get(stream)?.values() ?? [])];
  }

  clear(): void {
    this.streams.clear();
  }
}
