import { env } from "cloudflare:workers";
import { adminGet, eventually } from "./requests";

/** Every parked event (admin API, all pages), newest first. */
export async function parkedEvents(source?: string): Promise<any[]> {
  const events: any[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "500", ...(source ? { source } : {}), ...(cursor ? { cursor } : {}) });
    const response = await adminGet(`/admin/ingest/parked?${query}`);
    if (response.status !== 200) throw new Error(`parked: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { events: any[]; next: string | null };
    events.push(...page.events);
    cursor = page.next;
  } while (cursor);
  return events;
}

/** Parked events whose raw body holds `marker`: a test's own, in a table shared by the file's tests. */
export const parkedWith = async (marker: string, source?: string) => (await parkedEvents(source)).filter((e) => e.raw.includes(marker));

export const parkedRows = async () => (await env.DB.prepare("SELECT count(*) AS n FROM parked_events").first<{ n: number }>())!.n;

export async function reconciliations(): Promise<any[]> {
  const response = await adminGet("/admin/ingest/reconciliations?limit=500");
  return ((await response.json()) as { reconciliations: any[] }).reconciliations;
}

/** The reconciliation once it has finished (done or failed). */
export async function finishedReconciliation(id: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const found = (await reconciliations()).find((r) => r.id === id);
    if (!found || found.status === "running") throw new Error(`reconciliation ${id} is ${found?.status ?? "unknown"}`);
    return found;
  }, timeoutMs);
}
