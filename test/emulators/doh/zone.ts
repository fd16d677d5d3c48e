/**
 * The names the DNS-over-HTTPS emulator answers for: a record set per name, or an error code.
 * Names are lower-case without the trailing dot; record data is written as Cloudflare's JSON
 * answers write it (`10 mx.example.com.` for MX, `0 .` for a null MX per RFC 7505).
 */

/** Resource record types by name and number (IANA DNS parameters). */
export const RECORD_TYPES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  HTTPS: 65,
  CAA: 257,
};
export const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RECORD_TYPES).map(([name, n]) => [n, name]));

export interface DnsRecord {
  /** A type name the zone knows: A, AAAA, MX, TXT, CNAME, NS. */
  type: string;
  data: string;
  TTL?: number;
}

/** A name that exists with these records, or a name the resolver answers with an error code. */
export type ZoneEntry = { records: DnsRecord[] } | { rcode: "NXDOMAIN" | "SERVFAIL" };

const TTL = { A: 300, AAAA: 300, MX: 3600, TXT: 3600, CNAME: 300, NS: 86400 } as Record<string, number>;
export const ttlOf = (record: DnsRecord) => record.TTL ?? TTL[record.type] ?? 300;

const deliverable = (domain: string, ip: string): Record<string, ZoneEntry> => ({
  [domain]: {
    records: [
      { type: "MX", data: `10 mx.${domain}.` },
      { type: "A", data: ip },
      { type: "TXT", data: '"v=spf1 mx -all"' },
    ],
  },
  [`mx.${domain}`]: { records: [{ type: "A", data: ip }] },
});

/**
 * The default zone. `example.com`-style domains (RFC 2606) and the big free-mail providers are
 * deliverable (an MX, and an A for the exchanger); a few names show the other cases an address
 * check must tell apart. Any other name is NXDOMAIN unless `unknownNames: "deliverable"`.
 */
export function defaultZone(): Record<string, ZoneEntry> {
  return {
    ...deliverable("example.com", "192.0.2.10"),
    ...deliverable("example.org", "192.0.2.11"),
    ...deliverable("example.net", "192.0.2.12"),
    "gmail.com": {
      records: [
        { type: "MX", data: "5 gmail-smtp-in.l.google.com." },
        { type: "MX", data: "10 alt1.gmail-smtp-in.l.google.com." },
      ],
    },
    "outlook.com": { records: [{ type: "MX", data: "5 outlook-com.olc.protection.outlook.com." }] },
    "hotmail.com": { records: [{ type: "MX", data: "2 hotmail-com.olc.protection.outlook.com." }] },
    "yahoo.com": { records: [{ type: "MX", data: "1 mta5.am0.yahoodns.net." }] },
    /** A host with an address and no MX: mail goes to the A record (RFC 5321 §5.1). */
    "no-mx.example.com": { records: [{ type: "A", data: "192.0.2.20" }] },
    /** RFC 7505's null MX: the domain accepts no mail at all. */
    "null-mx.example.com": {
      records: [
        { type: "MX", data: "0 ." },
        { type: "A", data: "192.0.2.21" },
      ],
    },
    /** A name that exists with neither MX nor A (only text): NOERROR, no answer. */
    "no-mail.example.com": { records: [{ type: "TXT", data: '"v=spf1 -all"' }] },
    /** A name whose MX is a CNAME chain to a deliverable host. */
    "alias.example.com": { records: [{ type: "CNAME", data: "example.com." }] },
    /** A resolver failure (Status 2), as a broken authoritative server causes. */
    "servfail.example.com": { rcode: "SERVFAIL" },
  };
}

export function validRecord(record: unknown): record is DnsRecord {
  if (!record || typeof record !== "object") return false;
  const { type, data, TTL: ttl } = record as Record<string, unknown>;
  if (typeof type !== "string" || !(type in RECORD_TYPES) || typeof data !== "string") return false;
  if (ttl !== undefined && (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0)) return false;
  switch (type) {
    case "A":
      return /^(\d{1,3})(\.\d{1,3}){3}$/.test(data);
    case "AAAA":
      return data.includes(":");
    case "MX":
      return /^\d{1,5} \S+\.$|^\d{1,5} \.$/.test(data);
    default:
      return data.length > 0;
  }
}
