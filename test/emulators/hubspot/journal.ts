import { randomUUID } from "node:crypto";
import type { EmulatorRequest } from "../shared/server.ts";
import type { AccessControl } from "./access.ts";
import { type ApiContext, apiRoutes, controlRoute, limitParam } from "./api.ts";
import { badRequest, HubSpotError } from "./errors.ts";
import type { WebhookEvent } from "./webhooks.ts";

/**
 * HubSpot's webhooks journal (2026-03, the newest non-beta version; developers.hubspot.com
 * api-reference/latest/webhooks-journal): the changes of the app's subscriptions over the last
 * three days, read in entries from an offset. An entry's answer is `{currentOffset, expiresAt,
 * url}`; the url serves the entry's file. HubSpot does not document the file's layout in its
 * reference; here it is the entry's events in HubSpot's webhook event shape (so a reader can
 * judge them as it judges deliveries), which is an assumption of the emulator.
 *
 * Only client credentials tokens (POST /oauth/2026-09/token, grant_type=client_credentials, scope
 * developer.webhooks_journal.read) may read it, as HubSpot's guide says: an app's static access
 * token (a legacy private app, a service key) is refused 403 MISSING_SCOPES.
 */
const RETENTION_MS = 3 * 24 * 60 * 60_000;
const FILE_TTL_MS = 15 * 60_000;
const TOKEN_TTL_S = 1_800;
export const JOURNAL_SCOPE = "developer.webhooks_journal.read";

interface Entry {
  offset: string;
  at: number;
  events: WebhookEvent[];
}

export class Journal {
  private entries: Entry[] = [];
  private readonly now: () => number;
  /** Client credentials tokens issued, and their scopes. */
  readonly tokens = new Map<string, Set<string>>();

  constructor(now: () => number) {
    this.now = now;
  }

  /** Every event HubSpot emits for the app's subscriptions; one write's events share an entry. */
  record(event: WebhookEvent): void {
    const last = this.entries.at(-1);
    if (last && last.at === event.occurredAt && last.events.length < 100) last.events.push(event);
    else this.entries.push({ offset: randomUUID(), at: event.occurredAt, events: [event] });
  }

  private live(): Entry[] {
    const since = this.now() - RETENTION_MS;
    this.entries = this.entries.filter((e) => e.at >= since);
    return this.entries;
  }

  earliest(count: number): Entry[] {
    return this.live().slice(0, count);
  }

  latest(count: number): Entry[] {
    return this.live().slice(-count);
  }

  /** The entries after `offset`; an offset the journal no longer has is a 404. */
  next(offset: string, count: number): Entry[] {
    const entries = this.live();
    const at = entries.findIndex((e) => e.offset === offset);
    if (at < 0) throw new HubSpotError(404, "OBJECT_NOT_FOUND", `offset ${offset} has expired or does not exist`);
    return entries.slice(at + 1, at + 1 + count);
  }

  file(offset: string): WebhookEvent[] | undefined {
    return this.entries.find((e) => e.offset === offset)?.events;
  }

  clear(): void {
    this.entries = [];
  }

  reset(): void {
    this.entries = [];
    this.tokens.clear();
  }
}

export function registerJournalRoutes(
  ctx: ApiContext,
  journal: Journal,
  access: AccessControl,
  clientId: string,
  clientSecret: string,
  now: () => number,
): void {
  // The token endpoint takes a form; it is not behind a bearer token.
  controlRoute(ctx, "POST", "/oauth/2026-09/token", (req) => {
    const form = new URLSearchParams(req.rawBody);
    if (form.get("grant_type") !== "client_credentials") throw badRequest("unsupported grant_type");
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
      throw new HubSpotError(400, "BAD_CLIENT_ID", "missing or unknown client id or secret");
    }
    const token = `cc-${randomUUID()}`;
    journal.tokens.set(token, new Set((form.get("scope") ?? "").split(/\s+/).filter(Boolean)));
    access.allow(token);
    return { status: 200, body: { access_token: token, token_type: "bearer", expires_in: TOKEN_TTL_S } };
  });

  const scoped = (req: EmulatorRequest) => {
    const token = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim() ?? "";
    if (!journal.tokens.get(token)?.has(JOURNAL_SCOPE)) {
      throw new HubSpotError(403, "MISSING_SCOPES", `The webhooks journal takes a client credentials token with the scope ${JOURNAL_SCOPE}`, {
        context: { requiredGranularScopes: [JOURNAL_SCOPE] },
      });
    }
  };
  const answer = (entries: Entry[]) => {
    const at = new Date(now()).toISOString();
    const expiresAt = new Date(now() + FILE_TTL_MS).toISOString();
    return {
      status: 200,
      body: {
        status: "COMPLETE",
        results: entries.map((e) => ({ currentOffset: e.offset, expiresAt, url: `${ctx.server.url}/_emulator/journal-files/${e.offset}` })),
        startedAt: at,
        completedAt: at,
      },
    };
  };
  for (const variant of ["journal", "journal-local"]) {
    const base = `/webhooks-journal/${variant}/2026-03/batch`;
    const count = (req: EmulatorRequest) => limitParam(req.params.count, 1, 100);
    const read = (pattern: string, entries: (req: EmulatorRequest) => Entry[]) =>
      apiRoutes(ctx, "GET", [`${base}/${pattern}`], (req) => {
        scoped(req);
        return answer(entries(req));
      });
    read("earliest/:count", (req) => journal.earliest(count(req)));
    read("latest/:count", (req) => journal.latest(count(req)));
    read(":offset/next/:count", (req) => journal.next(req.params.offset!, count(req)));
  }
  // Forgets every entry (tests that read the journal from its start).
  controlRoute(ctx, "DELETE", "/_emulator/journal", () => {
    journal.clear();
    return { status: 204 };
  });
  // The entry's file, as the presigned url of the answer would serve it (no bearer token).
  controlRoute(ctx, "GET", "/_emulator/journal-files/:offset", (req) => {
    const events = journal.file(req.params.offset!);
    if (!events) throw new HubSpotError(404, "OBJECT_NOT_FOUND", "no such journal file");
    return { status: 200, body: events };
  });
}
