import type { JournalEntry } from "../crm/hubspot-journal";
import type { Failure, Result } from "../platform/failure";
import { acceptJudged } from "./acceptance";
import { judgeHubSpotEvent, type HubSpotContext } from "./hubspot-webhook";
import { type ReconciliationRow, recordProgress } from "../storage/reconciliations";
import { type ReconciliationRequest, startReconciliations } from "./reconciliations";

/**
 * HubSpot backfill: after a gap in HubSpot's deliveries (HubSpot retries a failed delivery for a
 * limited time, then drops it) or on an admin's request, the webhooks journal's last three days
 * are read from the oldest entry kept (or where the last run stopped) and every event since the
 * gap is judged exactly as a delivered one is: the same dedupe keys, so what did arrive changes
 * nothing twice, and what did not reaches its record now. It runs as a reconciliation
 * (crm "hubspot", object "journal"): its progress (entries read as pages, events kept as records,
 * the offset as its cursor) is listed with the Salesforce ones at GET /admin/ingest/reconciliations.
 */
export interface JournalReader {
  entries(offset: string | null, count: number): Promise<Result<JournalEntry[]>>;
  /** The newest entry (a list of at most one). */
  latest(): Promise<Result<JournalEntry[]>>;
  events(entry: JournalEntry): Promise<Result<unknown[]>>;
}

export interface JournalDeps {
  /** Undefined without the app's client credentials: the backfill fails, saying so. */
  journal: JournalReader | undefined;
  context: HubSpotContext;
  now: () => Date;
}

/** Entries read per page (one journal call), and pages per run before the rest goes to a new message. */
const ENTRIES_PER_PAGE = 20;
const PAGES_PER_RUN = 10;
const LEASE_MS = 5 * 60_000;

export const JOURNAL_OBJECT = "journal";

export function backfillRequest(portalId: string, since: Date, reason: string, key: string): ReconciliationRequest {
  return { crm: "hubspot", accountId: portalId, objectType: JOURNAL_OBJECT, sobject: "webhooks-journal", since: since.toISOString(), reason, key };
}

export async function startBackfill(env: Pick<Env, "DB" | "RECONCILIATIONS">, request: ReconciliationRequest, now: Date): Promise<string> {
  const [id] = await startReconciliations(env, [request], now);
  return id!;
}

export type BackfillOutcome = { next: "done" } | { next: "continue" } | { next: "failed"; failure: Failure };

/** One run of a claimed backfill: up to PAGES_PER_RUN pages, the offset written after each. */
export async function runJournalBackfill(env: Env, row: ReconciliationRow, deps: JournalDeps): Promise<BackfillOutcome> {
  if (!deps.journal) {
    return {
      next: "failed",
      failure: {
        kind: "permanent",
        message:
          "the webhooks journal takes the app's client credentials: set HUBSPOT_CLIENT_ID (a project-based HubSpot app; legacy private apps and service keys cannot read it)",
      },
    };
  }
  const since = Date.parse(row.since);
  let offset = row.cursor;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const entries = await deps.journal.entries(offset, ENTRIES_PER_PAGE);
    if (!entries.ok) return { next: "failed", failure: entries.failure };
    let kept = 0;
    for (const entry of entries.value) {
      const events = await deps.journal.events(entry);
      if (!events.ok) return { next: "failed", failure: events.failure };
      // Events from before the gap arrived when they happened: judged again they would change nothing, but cost a queue message each.
      const recent = events.value.filter(
        (e) => typeof (e as { occurredAt?: unknown }).occurredAt !== "number" || (e as { occurredAt: number }).occurredAt >= since,
      );
      if (recent.length === 0) continue;
      const judged = await Promise.all(
        recent.map(async (item) => ({ verdict: await judgeHubSpotEvent(item, deps.context), raw: () => JSON.stringify(item) })),
      );
      kept += (await acceptJudged(env, "hubspot-webhook", judged, deps.now())).kept;
    }
    const done = entries.value.length < ENTRIES_PER_PAGE;
    offset = entries.value.at(-1)?.currentOffset ?? offset;
    const now = deps.now();
    await recordProgress(
      env.DB,
      row.id,
      {
        cursor: offset,
        attempts: 0,
        last_error: null,
        addPages: entries.value.length,
        addRecords: kept,
        ...(done
          ? { status: "done", claimed_until: null, finished_at: now.toISOString() }
          : { claimed_until: new Date(now.getTime() + LEASE_MS).toISOString() }),
      },
      now,
    );
    if (done) return { next: "done" };
  }
  return { next: "continue" };
}
