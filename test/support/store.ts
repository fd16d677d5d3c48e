import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";

const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

/**
 * Record objects and D1 rows. The queue between webhook and record holds nothing afterwards:
 * every test waits for what it sent to arrive, so "nothing stored" means none of these grew.
 */
export async function storedCounts() {
  const objects = (await listDurableObjectIds(env.RECORDS)).length;
  return { objects, records: await count("records"), undelivered: await count("undelivered_record_events") };
}

/** Effects, policies and record rows: what a dry run must leave as it was. */
export async function decisionTableCounts() {
  return { effects: await count("effects"), policies: await count("policies"), records: await count("records") };
}
