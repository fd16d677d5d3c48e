/**
 * A DNS-over-HTTPS emulator speaking Cloudflare's JSON API (GET /dns-query?name=…&type=…), with
 * a zone a test can change, and the shared faults plus slow answers.
 */
import { EmulatorServer, type EmulatorResponse, type Handler } from "../shared/server.ts";
import { parseQuery, resolve } from "./query.ts";
import { defaultZone, validRecord, type ZoneEntry } from "./zone.ts";

export type { DnsRecord, ZoneEntry } from "./zone.ts";
export type { DohAnswer } from "./query.ts";
export { defaultZone } from "./zone.ts";

export const DNS_JSON = "application/dns-json";

export interface DohEmulatorOptions {
  /** Names and their records (or error codes), replacing the default zone. */
  zone?: Record<string, ZoneEntry>;
  /** Added to the default zone (or to `zone`), a name given here replacing the same name. */
  extraNames?: Record<string, ZoneEntry>;
  /**
   * What a name outside the zone gets: "nxdomain" (Status 3, the default) or "deliverable"
   * (an MX and an A, handy for `npm run dev` where people type any domain).
   */
  unknownNames?: "nxdomain" | "deliverable";
  /** Delay before every answer, in ms. Default 0. */
  latencyMs?: number;
  now?: () => number;
}

export interface DohQueryRecord {
  at: number;
  name: string;
  type: number;
  status: number;
}

export interface DohEmulator {
  server: EmulatorServer;
  zone: Map<string, ZoneEntry>;
  /** Every answered query, in order (the shared call log has no query strings). */
  queries: DohQueryRecord[];
  close(): Promise<void>;
}

const problem = (status: number, error: string): EmulatorResponse => ({ status, body: { error } });
const normalise = (name: string) => name.toLowerCase().replace(/\.$/, "");

export function createDohEmulator(options: DohEmulatorOptions = {}): DohEmulator {
  const now = options.now ?? Date.now;
  const initialZone = () => new Map(Object.entries({ ...(options.zone ?? defaultZone()), ...options.extraNames }).map(([n, e]) => [normalise(n), e]));
  const zone = initialZone();
  const queries: DohQueryRecord[] = [];
  let latencyMs = options.latencyMs ?? 0;

  const lookup = (name: string): ZoneEntry | undefined => {
    const entry = zone.get(name);
    if (entry || options.unknownNames !== "deliverable") return entry;
    return {
      records: [
        { type: "MX", data: `10 mx.${name}.` },
        { type: "A", data: "192.0.2.99" },
      ],
    };
  };

  let serverErrors = 0;
  const server = new EmulatorServer(
    "doh",
    {
      rateLimited: () => problem(429, "Too many requests"),
      serverError: () =>
        serverErrors++ % 2 === 0
          ? { status: 500, body: { error: "Internal server error" } }
          : { status: 502, text: "Bad Gateway", headers: { "content-type": "text/plain" } },
    },
    () => {
      zone.clear();
      for (const [n, e] of initialZone()) zone.set(n, e);
      queries.length = 0;
      latencyMs = options.latencyMs ?? 0;
    },
  );

  server.route({
    method: "GET",
    pattern: "/dns-query",
    handler: async (req) => {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      // The JSON API answers only to accept: application/dns-json (or ct=); without it Cloudflare expects a wireformat `dns` query.
      const wantsJson = String(req.headers.accept ?? "").includes(DNS_JSON) || req.query.get("ct") === DNS_JSON;
      if (!wantsJson) return problem(400, `This emulator speaks only the JSON API: send accept: ${DNS_JSON}.`);
      const query = parseQuery(req.query);
      if (!query.ok) return problem(400, query.error);
      const answer = resolve(lookup, query.name, query.type, query.cd);
      queries.push({ at: now(), name: query.name, type: query.type, status: answer.Status });
      return { status: 200, body: answer, headers: { "content-type": DNS_JSON } };
    },
  });

  const control = (method: string, pattern: string, handler: Handler) => server.route({ method, pattern, handler, control: true });
  control("GET", "/_emulator/zone", () => ({ status: 200, body: Object.fromEntries(zone) }));
  control("PUT", "/_emulator/zone/:name", (req) => {
    const body = (req.body ?? {}) as { records?: unknown; rcode?: unknown };
    let entry: ZoneEntry;
    if (body.rcode === "NXDOMAIN" || body.rcode === "SERVFAIL") entry = { rcode: body.rcode };
    else if (Array.isArray(body.records) && body.records.every(validRecord)) entry = { records: body.records };
    else return problem(400, 'give {records: [{type, data, TTL?}]} (A, AAAA, MX "10 host.", TXT, CNAME, NS) or {rcode: "NXDOMAIN"|"SERVFAIL"}');
    zone.set(normalise(req.params.name!), entry);
    return { status: 200, body: entry };
  });
  control("DELETE", "/_emulator/zone/:name", (req) => (zone.delete(normalise(req.params.name!)) ? { status: 204 } : problem(404, "no such name")));
  control("GET", "/_emulator/queries", () => ({ status: 200, body: queries }));
  control("DELETE", "/_emulator/queries", () => {
    queries.length = 0;
    return { status: 204 };
  });
  control("GET", "/_emulator/latency", () => ({ status: 200, body: { ms: latencyMs } }));
  control("PUT", "/_emulator/latency", (req) => {
    const ms = (req.body as { ms?: unknown } | undefined)?.ms;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > 60_000) return problem(400, "ms must be a number from 0 to 60000");
    latencyMs = ms;
    return { status: 200, body: { ms } };
  });

  return { server, zone, queries, close: () => server.close() };
}
