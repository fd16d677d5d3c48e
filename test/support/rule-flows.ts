import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { RecordObject } from "../../src/records/record-object";
import { hubspotEmulator } from "./emulators";
import { call, eventually, leadSnapshot, send, signedHubSpot } from "./requests";
import { TEST_BINDINGS } from "./test-bindings";

/** Helpers for tests that drive rules end to end: alarms at chosen instants, audit and outbox checks. */

export const admin = (path: string, init: RequestInit = {}) =>
  call(path, { ...init, headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers } });

/** Runs the record's due wake-ups as if the clock stood at `at`. */
export const runDue = (key: string, at: number) => runInDurableObject(env.RECORDS.getByName(key), (agent: RecordObject) => agent.runDue(at));

/** Waits until the record's audit has `count` entries with this outcome. */
export async function auditEntries(key: string, outcome: string, count = 1) {
  return eventually(async () => {
    const { body } = await leadSnapshot(key);
    const entries = (body.audit ?? []).filter((a: any) => a.outcome === outcome);
    if (entries.length < count)
      throw new Error(`${key}: ${count}× "${outcome}" not yet in ${JSON.stringify(body.audit?.map((a: any) => a.outcome))}`);
    return { entries, body };
  }, 15_000);
}

export const effectsFor = async (key: string) =>
  ((await (await admin(`/admin/effects?lead=${encodeURIComponent(key)}`)).json()) as any).effects as any[];

/** Waits until the record has at least `count` effects and all of them are done. */
export const allDone = (key: string, count: number) =>
  eventually(async () => {
    const effects = await effectsFor(key);
    if (effects.length < count || effects.some((e) => e.status !== "done"))
      throw new Error(JSON.stringify(effects.map((e) => [e.type, e.status, e.lastError])));
    return effects;
  }, 30_000);

/** Delivers what the HubSpot emulator has to say (its webhooks) to the Worker, as HubSpot would. */
export async function deliverHubSpotWebhooks() {
  const events = await hubspotEmulator.webhooks();
  if (events.length > 0) expect((await send(await signedHubSpot(events))).status).toBe(200);
  return events as any[];
}
