import { env } from "cloudflare:workers";
import { listDurableObjectIds } from "cloudflare:test";

const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

/**
 * Record objects and the D1 tables ingest writes. The queue between webhook and record holds
 * nothing afterwards: every test waits for what it sent to arrive, so "nothing stored" means none
 * of these grew. The `records` read model is left out: it is written only by record objects (a
 * request that made none wrote none), up to a second after their events, so earlier tests'
 * records still arrive there while later tests run.
 */
export async function storedCounts() {
  const objects = (await listDurableObjectIds(env.RECORDS)).length;
  return {
    objects,
    undelivered: await count("undelivered_record_events"),
    parked: await count("parked_events"),
    largeEvents: await count("large_record_events"),
  };
}

/** Effects, policies and record rows: what a dry run must leave as it was. */
export async function decisionTableCounts() {
  return { effects: await count("effects"), policies: await count("policies"), records: await count("records") };
}
