import { type DomainMail, domainMailOf } from "../core/email/verification";
import { settled } from "../platform/settled";
import { withTimeout } from "../platform/failure";

/**
 * DNS over HTTPS, JSON flavour (https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/):
 * `GET {url}?name=…&type=MX` with `accept: application/dns-json`. Whether a domain takes mail:
 * its MX records, and without any, its A record.
 */
export interface DohOptions {
  /** https://cloudflare-dns.com/dns-query; the emulator locally. */
  url: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface DohAnswer {
  Status: number;
  Answer?: { name: string; type: number; TTL?: number; data: string }[];
}

export class DohResolver {
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: DohOptions) {
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  private async query(name: string, type: "MX" | "A"): Promise<DohAnswer> {
    const url = `${this.options.url}?${new URLSearchParams({ name, type })}`;
    const response = await withTimeout(
      settled(this.fetcher(url, { headers: { accept: "application/dns-json" } })),
      this.options.timeoutMs ?? 5_000,
      "DNS over HTTPS",
    );
    if (!response.ok) throw new Error(`DNS over HTTPS answered HTTP ${response.status}`);
    const body = (await response.json()) as DohAnswer;
    if (typeof body?.Status !== "number") throw new Error("DNS over HTTPS answered without a Status");
    return body;
  }

  /** What DNS says of a domain's mail; a resolver that cannot be asked is `lookupFailed`, never thrown. */
  async mailOf(domain: string): Promise<DomainMail> {
    try {
      const mx = await this.query(domain, "MX");
      const hasMx = mx.Status === 0 && (mx.Answer ?? []).some((r) => r.type === 15);
      const a = mx.Status === 0 && !hasMx ? await this.query(domain, "A") : undefined;
      return domainMailOf(mx, a);
    } catch (error) {
      return { kind: "lookupFailed", detail: (error as Error).message.slice(0, 200) };
    }
  }
}
