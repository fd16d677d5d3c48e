import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import * as errors from "./errors.ts";
import type { MailgunOutbound } from "./outbound.ts";

/**
 * The Events API (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/events,
 * `GET /v3/{domain_name}/events`; deprecated in favour of the Logs API, still served): the domain's
 * events newest first unless `ascending=yes`, filtered by `event`, `message-id` ("Mailgun message
 * id returned by the messages API", without angle brackets), `recipient`, `from`, `subject`, `to`,
 * within `begin`/`end` (epoch seconds), at most `limit` (300) per page, with `paging` URLs. A
 * sender asks it whether a message whose answer it lost was accepted.
 */
const MAX_LIMIT = 300;

function matches(event: Record<string, unknown>, req: EmulatorRequest): boolean {
  const headers = ((event.message as { headers?: Record<string, string> } | undefined)?.headers ?? {}) as Record<string, string>;
  const eq = (a: unknown, b: string | null) => b === null || String(a ?? "").toLowerCase() === b.toLowerCase();
  const contains = (a: unknown, b: string | null) =>
    b === null ||
    String(a ?? "")
      .toLowerCase()
      .includes(b.toLowerCase());
  const at = Number(event.timestamp);
  const begin = req.query.get("begin");
  const end = req.query.get("end");
  return (
    eq(event.event, req.query.get("event")) &&
    eq(headers["message-id"], req.query.get("message-id")?.replace(/^<|>$/g, "") ?? null) &&
    eq(event.recipient, req.query.get("recipient")) &&
    contains(headers.from, req.query.get("from")) &&
    contains(headers.to, req.query.get("to")) &&
    contains(headers.subject, req.query.get("subject")) &&
    (begin === null || at >= Number(begin)) &&
    (end === null || at <= Number(end))
  );
}

function listEvents(outbound: MailgunOutbound, domains: Set<string>, req: EmulatorRequest): EmulatorResponse {
  const domain = req.params.domain!.toLowerCase();
  if (!domains.has(domain)) return errors.domainNotFound(domain);
  const limitText = req.query.get("limit");
  const limit = limitText === null ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return errors.badRequest(`limit must be between 1 and ${MAX_LIMIT}`);
  const ascending = req.query.get("ascending");
  if (ascending !== null && ascending !== "yes" && ascending !== "no") return errors.badRequest("ascending must be 'yes' or 'no'");
  const found = outbound.events(domain).filter((e) => matches(e, req));
  const ordered = ascending === "yes" ? found : [...found].reverse();
  const page = `${req.path}?${req.query.toString()}`;
  return {
    status: 200,
    body: { items: ordered.slice(0, limit), paging: { first: page, last: page, next: page, previous: page } },
  };
}

export function registerEventsRoutes(server: EmulatorServer, ctx: { outbound: MailgunOutbound; domains: Set<string> }): void {
  server.route({ method: "GET", pattern: "/v3/:domain/events", handler: (req) => listEvents(ctx.outbound, ctx.domains, req) });
}
