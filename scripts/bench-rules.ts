/**
 * `npm run bench:rules`:
 * 1. decide() throughput: lead lifecycles per second (the rules and the runner, one thread, no I/O);
 * 2. 10,000 leads (BENCH_LEADS: fewer where the open-file limit is low) whose stale deadlines
 *    fall in the same minute, through `wrangler dev` (a fresh local state) and fresh emulators
 *    (the CRM setup runs first): how late each decision came after its deadline (p50/p99/max),
 *    and how many of them were made (all must be).
 * 3. the same deadlines on the decision floor (bench/decision-floor/worker.ts: only what any
 *    decision of this design must do, each step in its cheapest form), right after, with the
 *    product's CPU per decision over the floor's.
 * The CRM quota is raised for part 2: it measures the records' alarms and rules, not HubSpot's
 * 100 calls per 10 s (at that quota, 10,000 fresh reads alone take 1,000 s).
 */
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { DEFAULT_POLICY } from "../src/core/policy/default-policy.ts";
import { startEmulators } from "../test/emulators/start.ts";
import { ensureDevVars } from "./local-env.ts";
import { awaitDecisions } from "./bench/await-decisions.ts";
import { floorStorm } from "./bench/decision-floor/run-floor.ts";
import { localD1, startWranglerDev } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const THRESHOLD_S = Number(process.env.BENCH_THRESHOLD_S ?? 150);
/**
 * The deadlines fall within this many seconds (BENCH_DEADLINE_SECONDS, default 60). With fewer
 * leads (a low open-file limit) a shorter spread keeps 10,000-a-minute's density: 4,000 in 24 s.
 */
const SPREAD_S = Math.max(1, Math.round(Number(process.env.BENCH_DEADLINE_SECONDS ?? 60)));

/** Only the floor (BENCH_FLOOR_ONLY=1), with some of its steps (BENCH_FLOOR_STEPS: see decision-floor/worker.ts). */
const FLOOR_ONLY = process.env.BENCH_FLOOR_ONLY === "1";
const decideFigures = FLOOR_ONLY ? {} : await decideThroughput();
const product = FLOOR_ONLY ? { workerdCpuMsPerDecision: null } : await productStorm();

// 3. The floor: the same deadlines on a Worker doing only what any decision must (decision-floor/worker.ts), right after.
const floor = await floorStorm(LEADS, SPREAD_S, 8797, process.env.BENCH_FLOOR_STEPS);
const floorFigures = {
  floorSteps: process.env.BENCH_FLOOR_STEPS || "all",
  floorDecisionsExecuted: floor.decided,
  floorLatenessP50Ms: percentile(floor.lateness, 50),
  floorLatenessP99Ms: percentile(floor.lateness, 99),
  floorLatenessMaxMs: floor.lateness.at(-1) ?? null,
  floorCpuMsPerDecision: floor.cpuMsPerDecision,
};
console.log(`floor: ${JSON.stringify(floorFigures)}`);
console.log(
  JSON.stringify({
    ...decideFigures,
    ...product,
    ...floorFigures,
    // Side by side in one run: what the product's decision costs the local thread over the floor's.
    cpuProductOverFloor:
      product.workerdCpuMsPerDecision && floor.cpuMsPerDecision
        ? Math.round((product.workerdCpuMsPerDecision / floor.cpuMsPerDecision) * 100) / 100
        : null,
  }),
);

/** 1. decide() throughput. */
async function decideThroughput(): Promise<Record<string, number>> {
  await build({
    entryPoints: [`${root}scripts/bench/decide-throughput.ts`],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: "/tmp/lead-follow-up-decide-bench.mjs",
    logLevel: "error",
  });
  const figures = JSON.parse(execFileSync(process.execPath, ["/tmp/lead-follow-up-decide-bench.mjs"], { encoding: "utf8" }).trim()) as Record<
    string,
    number
  >;
  console.log(`decide(): ${JSON.stringify(figures)}`);
  return figures;
}

/** 2. The deadlines through the product: how late each decision came, and what it cost the local thread. */
async function productStorm(): Promise<Record<string, number | null> & { workerdCpuMsPerDecision: number | null }> {
  const secrets = ensureDevVars(root);
  const emulators = await startEmulators({ hubspot: { rateLimit: { max: 1_000_000, windowMs: 1_000 } } });
  const server = await startWranglerDev(root, 8796, {
    HUBSPOT_API_BASE: emulators.urls.hubspot,
    HUBSPOT_ACCESS_TOKEN: "hubspot-dev-token",
    HUBSPOT_RATE_LIMIT: "1000000/1s",
    SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
    SLACK_API_BASE: emulators.urls.slack,
    SLACK_RATE_LIMIT: "1000000/1s",
  });
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" } });
  try {
    const policy = { ...DEFAULT_POLICY, rules: { staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: `PT${THRESHOLD_S}S` } } };
    if ((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) })).status !== 201) throw new Error("policy refused");
    // A fresh portal has no product properties (lead_follow_up_score …) until the CRM setup makes them.
    const setup = await admin("/admin/crm/setup", { method: "POST" });
    const steps = (await setup.json()) as { hubspot?: { ok: boolean }; hubspotProductProperties?: { ok: boolean; detail: string } };
    if (!setup.ok || !steps.hubspot?.ok || !steps.hubspotProductProperties?.ok) throw new Error(`CRM setup failed: ${JSON.stringify(steps)}`);
    const ids = Array.from(
      { length: LEADS },
      (_, i) =>
        emulators.hubspot.ui.create("contacts", {
          email: `rules-${i}@example.com`,
          hubspot_owner_id: "84213371",
          lead_follow_up_score: i % 2 ? "80" : "10",
        }).id,
    );
    emulators.hubspot.drainWebhooks();

    // Leads "created" across one minute, so their deadlines all fall in the same minute
    // (createdAt + threshold + 0..59 s).
    const createdAt = Date.now();
    const deadlineOf = (i: number) => createdAt + THRESHOLD_S * 1000 + (i % SPREAD_S) * 1000;
    for (let i = 0; i < ids.length; i += 100) {
      const body = JSON.stringify(
        ids.slice(i, i + 100).map((id, j) => ({
          eventId: i + j,
          subscriptionId: 1,
          portalId: 62515,
          appId: 54321,
          occurredAt: createdAt + ((i + j) % SPREAD_S) * 1000,
          subscriptionType: "contact.creation",
          attemptNumber: 0,
          objectId: Number(id),
          changeSource: "CRM_UI",
          sourceId: "userId:1712",
        })),
      );
      const timestamp = String(Date.now());
      const url = `${server.url}/webhooks/hubspot`;
      const signature = createHmac("sha256", secrets.HUBSPOT_CLIENT_SECRET!).update(`POST${url}${body}${timestamp}`).digest("base64");
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp },
      });
      if (!response.ok) throw new Error(`webhook refused: ${response.status}`);
    }
    console.log(`${LEADS} leads sent in ${((Date.now() - createdAt) / 1000).toFixed(1)} s; deadlines from +${THRESHOLD_S} s, within ${SPREAD_S} s`);
    await new Promise((r) => setTimeout(r, Math.max(0, deadlineOf(0) - Date.now())));
    // The Worker's CPU from the first deadline to the last decision: what one decision costs the one local thread.
    const cpuAtFirstDeadline = server.cpuSeconds();
    const callsBefore = emulators.hubspot.server.calls.length;
    await new Promise((r) => setTimeout(r, Math.max(0, deadlineOf(SPREAD_S - 1) - Date.now())));

    // Wait until every lead has its decision (or give up after 10 minutes). The decisions are read
    // from the local D1's facts file, beside the Worker: asking the Worker for thousands of
    // snapshots would load the one thread whose timers are being measured.
    const { decided, cpuMsPerDecision } = await awaitDecisions(server, ids.length, decisionsIn(server.persistTo), cpuAtFirstDeadline, 1_000);
    // The fresh reads the decisions made at HubSpot: single GETs of records, or batch reads of them.
    const reads = emulators.hubspot.server.calls
      .slice(callsBefore)
      .filter((c) => (c.method === "GET" && /\/objects\/[^/]+\/contacts\/\d+$/.test(c.path)) || c.path.endsWith("/contacts/batch/read"));
    const lateness: number[] = [];
    for (const [i, id] of ids.entries()) {
      const at = decided.get(`hubspot:62515:contact:${id}`);
      if (at !== undefined) lateness.push(at - deadlineOf(i));
    }
    lateness.sort((a, b) => a - b);
    const product = {
      leads: LEADS,
      deadlineSeconds: SPREAD_S,
      decisionsExecuted: decided.size,
      latenessP50Ms: percentile(lateness, 50),
      latenessP99Ms: percentile(lateness, 99),
      latenessMaxMs: lateness.at(-1) ?? null,
      hubspotReadCalls: reads.length,
      hubspotRecordsRead: reads.reduce((n, c) => n + (c.batchSize ?? 1), 0),
      // The local thread's CPU per decision (its work and the retries of any that failed), and the
      // decisions a second one core could make at that cost: above the density, the deadlines queue.
      workerdCpuMsPerDecision: cpuMsPerDecision,
      oneCoreDecisionsPerSecond: cpuMsPerDecision ? Math.round(1000 / cpuMsPerDecision) : null,
    };
    console.log(`product: ${JSON.stringify(product)}`);
    return product;
  } finally {
    server.stop();
    await emulators.close();
  }
}

/**
 * Each record's first stale decision (reassigned, fallback or parked: every one records a fact)
 * and when it was made, read from the local D1 database's file.
 */
function decisionsIn(persistTo: string): () => Map<string, number> {
  const query = localD1(persistTo).prepare(
    "SELECT record_key AS key, MIN(at) AS at FROM facts WHERE kind IN ('reassigned', 'parked') GROUP BY record_key",
  );
  return () => new Map((query.all() as { key: string; at: string }[]).map((row) => [row.key, Date.parse(row.at)]));
}

/** The p-th percentile of sorted figures. */
function percentile(sorted: readonly number[], p: number): number | null {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}
