import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";

/**
 * Record objects and D1 rows. The queue between webhook and record holds nothing afterwards:
 * every test waits for what it sent to arrive, so "nothing stored" means none of these grew.
 */
export async function storedCounts() {
  const objects = (await listDurableObjectIds(env.LEAD)).length;
  const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return { objects, records: await count("records"), undelivered: await count("undelivered_record_events") };
}
