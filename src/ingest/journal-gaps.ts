import { HubSpotJournal } from "../crm/hubspot-journal";
import type { Config } from "../env/config";
import { webhookArrivals } from "../storage/webhook-arrivals";
import { backfillRequest, type JournalDeps, startBackfill } from "./journal-backfill";

/** Silent this long, HubSpot's deliveries are looked into: the journal says whether the portal changed meanwhile. */
export const GAP_AFTER_MS = 15 * 60_000;
/** The backfill reaches back this far before the last delivery: deliveries arrive out of order. */
const OVERLAP_MS = 5 * 60_000;

/** The journal reader of the deployment's app, when its client credentials are set. */
export function journalDeps(config: Config, now: () => Date): JournalDeps {
  const { HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET, HUBSPOT_PORTAL_ID, HUBSPOT_API_BASE, HUBSPOT_APP_ID } = config;
  const journal =
    HUBSPOT_CLIENT_ID && HUBSPOT_CLIENT_SECRET && HUBSPOT_PORTAL_ID
      ? new HubSpotJournal({
          clientId: HUBSPOT_CLIENT_ID,
          clientSecret: HUBSPOT_CLIENT_SECRET,
          basePath: HUBSPOT_API_BASE,
          portalId: HUBSPOT_PORTAL_ID,
          now: () => now().getTime(),
        })
      : undefined;
  return { journal, context: { portalId: HUBSPOT_PORTAL_ID ?? "", ...(HUBSPOT_APP_ID ? { appId: HUBSPOT_APP_ID } : {}) }, now };
}

/**
 * Cron: HubSpot has sent nothing for GAP_AFTER_MS (the Worker was down past HubSpot's retries,
 * or deliveries failed): if the journal's newest entry holds an event after the last delivery,
 * the portal was active and events were missed, so a backfill from the last delivery starts
 * (once per gap: its key is the last delivery's time). Answers the backfill's id, if one started.
 */
export async function backfillHubSpotGap(env: Pick<Env, "DB" | "RECONCILIATIONS">, deps: JournalDeps, now: Date): Promise<string | null> {
  if (!deps.journal) return null;
  const last = (await webhookArrivals(env.DB)).find((a) => a.source === "hubspot");
  if (!last || now.getTime() - Date.parse(last.lastAt) < GAP_AFTER_MS) return null;
  const latest = await deps.journal.latest();
  const entry = latest.ok ? latest.value[0] : undefined;
  if (!entry) return null;
  const events = await deps.journal.events(entry);
  if (!events.ok) return null;
  const newestAt = Math.max(0, ...events.value.map((e) => Number((e as { occurredAt?: unknown }).occurredAt) || 0));
  if (newestAt <= Date.parse(last.lastAt)) return null;
  const since = new Date(Date.parse(last.lastAt) - OVERLAP_MS);
  return startBackfill(
    env,
    backfillRequest(deps.context.portalId, since, `no HubSpot delivery since ${last.lastAt}`, `hubspot-gap:${last.lastAt}`),
    now,
  );
}
