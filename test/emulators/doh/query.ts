import { type DnsRecord, RECORD_TYPES, TYPE_NAMES, ttlOf, type ZoneEntry } from "./zone.ts";

/**
 * Cloudflare's DNS over HTTPS JSON answers
 * (https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/):
 * `{Status, TC, RD, RA, AD, CD, Question: [{name, type}], Answer: [{name, type, TTL, data}]}`,
 * Status the DNS RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN). A name without a record of the type
 * asked is Status 0 with no Answer; NXDOMAIN and that case carry the zone's SOA in `Authority`,
 * as resolvers that follow Google's schema (which Cloudflare's mirrors) do.
 */
export interface DohAnswer {
  Status: number;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  AD: boolean;
  CD: boolean;
  Question: { name: string; type: number }[];
  Answer?: { name: string; type: number; TTL: number; data: string }[];
  Authority?: { name: string; type: number; TTL: number; data: string }[];
}

export type ParsedQuery = { ok: true; name: string; type: number; cd: boolean } | { ok: false; error: string };

const FLAG_VALUES = ["", "0", "false", "1", "true"];

/** Reads `name`, `type`, `do` and `cd` as the JSON API documents them; a bad one is a 400. */
export function parseQuery(query: URLSearchParams): ParsedQuery {
  for (const flag of ["cd", "do"] as const) {
    const value = query.get(flag);
    if (value !== null && !FLAG_VALUES.includes(value)) {
      // Cloudflare's own text for a bad CD flag, from the page above.
      return {
        ok: false,
        error: `Invalid ${flag.toUpperCase()} flag \`${value}\`. Expected to be empty or one of \`0\`, \`false\`, \`1\`, or \`true\`.`,
      };
    }
  }
  const rawName = query.get("name");
  if (!rawName) return { ok: false, error: "Missing query name." };
  const name = rawName.toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  if (name.length > 253 || labels.some((l) => l.length === 0 || l.length > 63 || !/^[a-z0-9_-]+$/.test(l))) {
    return { ok: false, error: `Invalid query name \`${rawName}\`.` };
  }
  const rawType = query.get("type") ?? "A";
  const type = /^\d+$/.test(rawType) ? Number(rawType) : RECORD_TYPES[rawType.toUpperCase()];
  if (type === undefined || type < 1 || type > 65535) return { ok: false, error: `Invalid query type \`${rawType}\`.` };
  const cd = query.get("cd");
  return { ok: true, name, type, cd: cd === "1" || cd === "true" };
}

const fqdn = (name: string) => `${name}.`;
/** The SOA of the name's registrable part, as an authoritative server would give it. */
function soa(name: string) {
  const apex = name.split(".").slice(-2).join(".");
  return { name: fqdn(apex), type: 6, TTL: 1800, data: `ns1.${apex}. hostmaster.${apex}. 2026030201 10800 3600 604800 1800` };
}

export function resolve(lookup: (name: string) => ZoneEntry | undefined, name: string, type: number, cd: boolean): DohAnswer {
  const base = { TC: false, RD: true, RA: true, AD: false, CD: cd, Question: [{ name: fqdn(name), type }] };
  const entry = lookup(name);
  if (!entry) return { Status: 3, ...base, Authority: [soa(name)] };
  if ("rcode" in entry) return entry.rcode === "SERVFAIL" ? { Status: 2, ...base } : { Status: 3, ...base, Authority: [soa(name)] };

  const answer: NonNullable<DohAnswer["Answer"]> = [];
  const add = (owner: string, records: DnsRecord[]) => {
    for (const r of records) answer.push({ name: fqdn(owner), type: RECORD_TYPES[r.type]!, TTL: ttlOf(r), data: r.data });
  };
  const wanted = TYPE_NAMES[type];
  const cname = entry.records.find((r) => r.type === "CNAME");
  if (cname && wanted !== "CNAME") {
    // One hop is all the default zone needs; the target's records follow the CNAME, as a resolver answers.
    add(name, [cname]);
    const target = cname.data.toLowerCase().replace(/\.$/, "");
    const targetEntry = lookup(target);
    if (targetEntry && "records" in targetEntry)
      add(
        target,
        targetEntry.records.filter((r) => r.type === wanted),
      );
  } else {
    add(
      name,
      entry.records.filter((r) => r.type === wanted),
    );
  }
  return answer.length > 0 ? { Status: 0, ...base, Answer: answer } : { Status: 0, ...base, Authority: [soa(name)] };
}
