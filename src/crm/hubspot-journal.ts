import { z } from "zod";
import { type Result, withTimeout } from "../platform/failure";
import { HubSpotClient } from "../platform/hubspot-transport";
import { classifyHubSpotError, settled } from "./hubspot-crm";

/**
 * HubSpot's webhooks journal (2026-03): the changes of the app's webhook subscriptions over the
 * last three days, read in entries from an offset; each entry's answer names a file (a url) that
 * holds its events.
 *
 * Which apps may read it: only an app that can get a client credentials token, with the scope
 * developer.webhooks_journal.read — a project-based app on HubSpot's developer platform (2025.2 or
 * later), identified by its client id and secret (HUBSPOT_CLIENT_ID + HUBSPOT_CLIENT_SECRET). A
 * legacy private app's static token, or a service key, cannot: the journal's operations accept
 * OAuth only. The local journal (journal-local) is read, scoped to this deployment's portal.
 */
export const JOURNAL_SCOPE = "developer.webhooks_journal.read";
const JOURNAL = "/webhooks-journal/journal-local/2026-03/batch";
const TIMEOUT_MS = 15_000;

const Token = z.looseObject({ access_token: z.string(), expires_in: z.number() });
const Entries = z.looseObject({
  results: z.array(z.looseObject({ currentOffset: z.string(), url: z.string(), expiresAt: z.string().optional() })),
});
export type JournalEntry = z.infer<typeof Entries>["results"][number];

export interface HubSpotJournalOptions {
  clientId: string;
  clientSecret: string;
  basePath: string;
  portalId: string;
  /** Runs before every API call: the portal's pacing (the file downloads are not API calls). */
  beforeCall?: () => Promise<void>;
  now?: () => number;
  fetch?: typeof fetch;
}

export class HubSpotJournal {
  private token?: { value: string; until: number };
  private readonly now: () => number;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: HubSpotJournalOptions) {
    this.now = options.now ?? Date.now;
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The entries after `offset` (from the earliest kept when null), at most `count`. */
  async entries(offset: string | null, count: number): Promise<Result<JournalEntry[]>> {
    return this.attempt("read the webhooks journal", async () => {
      const client = new HubSpotClient({ accessToken: await this.accessToken(), basePath: this.options.basePath }, { fetch: this.fetcher });
      await this.options.beforeCall?.();
      const path = offset === null ? `${JOURNAL}/earliest/${count}` : `${JOURNAL}/${encodeURIComponent(offset)}/next/${count}`;
      const answer = await client.request({
        method: "GET",
        path,
        query: { installPortalId: this.options.portalId },
        parse: (body) => Entries.parse(body),
      });
      return answer.body.results;
    });
  }

  /** The newest entry. */
  async latest(): Promise<Result<JournalEntry[]>> {
    return this.attempt("read the webhooks journal", async () => {
      const client = new HubSpotClient({ accessToken: await this.accessToken(), basePath: this.options.basePath }, { fetch: this.fetcher });
      await this.options.beforeCall?.();
      const answer = await client.request({
        method: "GET",
        path: `${JOURNAL}/latest/1`,
        query: { installPortalId: this.options.portalId },
        parse: (body) => Entries.parse(body),
      });
      return answer.body.results;
    });
  }

  /** An entry's events, as its file holds them (webhook event objects). */
  async events(entry: JournalEntry): Promise<Result<unknown[]>> {
    return this.attempt("read a journal file", async () => {
      const response = await this.fetcher(entry.url);
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) throw Object.assign(new Error(`journal file answered ${response.status}`), { code: response.status, body, headers: {} });
      if (!Array.isArray(body)) throw new Error("a journal file that is not a list of events");
      return body;
    });
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > this.now()) return this.token.value;
    const response = await this.fetcher(`${this.options.basePath.replace(/\/+$/, "")}/oauth/2026-09/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        scope: JOURNAL_SCOPE,
      }).toString(),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw Object.assign(new Error("HubSpot refused the app's client credentials"), { code: response.status, body, headers: {} });
    const token = Token.parse(body);
    // Renewed a minute early, so a page never starts with a token about to lapse.
    this.token = { value: token.access_token, until: this.now() + (token.expires_in - 60) * 1000 };
    return token.access_token;
  }

  private async attempt<T>(what: string, run: () => Promise<T>): Promise<Result<T>> {
    try {
      return { ok: true, value: await withTimeout(settled(run()), TIMEOUT_MS, `HubSpot ${what}`) };
    } catch (error) {
      return { ok: false, failure: classifyHubSpotError(error, this.now()) };
    }
  }
}
