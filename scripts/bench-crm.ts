/**
 * `npm run bench:crm`: 10,000 task effects for 2,000 leads through the outbox of `wrangler dev`
 * against the HubSpot emulator, with 20% of calls failing (429, 5xx, timeouts, lost responses
 * in equal parts) and HubSpot's 100 calls per 10 s enforced. The last line is one JSON object.
 *
 * Knobs: BENCH_SEED (the fault sequence; default 42), BENCH_FAULT_RATE (share of calls failing;
 * default 0.2), BENCH_QUOTA (calls per 10 s; raise it, with BENCH_FAULT_RATE=0, to measure the
 * pipeline itself), BENCH_TIMELINE=1 (every call), BENCH_RETRY_BASE_MS.
 */
import { startEmulators } from "../test/emulators/start.ts";
import { ensureDevVars } from "./local-env.ts";
import { startWranglerDev } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const EFFECTS = Number(process.env.BENCH_EFFECTS ?? 10_000);
const LEADS = Number(process.env.BENCH_LEADS ?? 2_000);
const QUOTA = { max: Number(process.env.BENCH_QUOTA ?? 100), windowMs: 10_000 };
const BATCH = 100;
const FAULT_RATE = Number(process.env.BENCH_FAULT_RATE ?? 0.2);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const PORTAL = "62515";

const secrets = ensureDevVars(root);
const emulators = await startEmulators({ hubspot: { rateLimit: QUOTA, strictProperties: true } });
const hubspot = emulators.hubspot;
const server = await startWranglerDev(root, 8797, {
  HUBSPOT_API_BASE: emulators.urls.hubspot,
  HUBSPOT_ACCESS_TOKEN: "hubspot-dev-token",
  HUBSPOT_RATE_LIMIT: `${QUOTA.max}/${QUOTA.windowMs / 1000}s`,
  ...(process.env.BENCH_RETRY_BASE_MS ? { EFFECT_RETRY_BASE_MS: process.env.BENCH_RETRY_BASE_MS } : {}),
  SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
  SLACK_API_BASE: emulators.urls.slack,
});
const admin = (path: string, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" } });

try {
  const setupResponse = await admin("/admin/crm/setup", { method: "POST" });
  if (!setupResponse.ok) throw new Error(`CRM setup failed: ${setupResponse.status} ${await setupResponse.text()}`);
  const setup = (await setupResponse.json()) as { hubspot: { ok: boolean } };
  if (!setup.hubspot.ok) throw new Error(`CRM setup failed: ${JSON.stringify(setup)}`);
  const contacts = Array.from({ length: LEADS }, (_, i) => hubspot.ui.create("contacts", { email: `bench-${i}@example.com` }).id);
  hubspot.drainWebhooks();
  // Setup's own calls (property lookup and create) are not paced and count against the portal's
  // window: let them leave it, so the run starts with the whole quota, as it would after install.
  await new Promise((r) => setTimeout(r, QUOTA.windowMs));
  hubspot.server.calls.length = 0;
  const each = FAULT_RATE / 4;
  hubspot.server.faults.configure({ rate429: each, rate5xx: each, rateTimeout: each, rateLostResponse: each, timeoutMs: 2_000, seed: SEED });

  const started = Date.now();
  const requests = Array.from({ length: EFFECTS }, (_, i) => {
    const contact = contacts[i % LEADS]!;
    return {
      idempotencyKey: `bench:${contact}:${Math.floor(i / LEADS)}`,
      leadKey: `hubspot:${PORTAL}:contact:${contact}`,
      rule: "bench",
      effect: {
        type: "createTask",
        crm: "hubspot",
        accountId: PORTAL,
        objectType: "contact",
        objectId: contact,
        ownerId: "84213371",
        subject: `Follow up ${i}`,
        body: "",
        dueAt: new Date(started + 86_400_000).toISOString(),
        priority: "MEDIUM",
        channel: "TODO",
      },
    };
  });
  for (let i = 0; i < requests.length; i += 1_000) {
    const response = await admin("/admin/effects", { method: "POST", body: JSON.stringify(requests.slice(i, i + 1_000)) });
    if (response.status !== 202) throw new Error(`enqueue failed: ${response.status} ${await response.text()}`);
  }
  console.log(`effects stored and queued in ${((Date.now() - started) / 1000).toFixed(2)} s`);

  let summary: Record<string, number> = {};
  for (;;) {
    summary = ((await (await admin("/admin/effects/summary")).json()) as { byStatus: Record<string, number> }).byStatus;
    if (summary.pending === 0 && summary.retrying === 0) break;
    if (Date.now() - started > 15 * 60_000) throw new Error(`not finished after 15 minutes: ${JSON.stringify(summary)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - started) / 1000;

  const tasks = hubspot.state.objects.all("tasks" as never) as { properties: Record<string, string | undefined> }[];
  const keys = tasks.map((t) => t.properties.lead_follow_up_key).filter(Boolean);
  const calls = hubspot.server.calls;
  const starts = calls.map((c) => c.at).sort((a, b) => a - b);
  let maxCallsPerWindow = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= QUOTA.windowMs) j++;
    maxCallsPerWindow = Math.max(maxCallsPerWindow, i - j + 1);
  }
  if (process.env.BENCH_TIMELINE) {
    // Where the time went: each call's start (s after the first effects were sent), path, fault, status.
    for (const c of calls) console.log(`${((c.at - started) / 1000).toFixed(2)} ${c.path.split("/").pop()} ${c.batchSize} ${c.fault} ${c.status}`);
  }
  const rateLimitTasksPerSecond = (QUOTA.max / (QUOTA.windowMs / 1000)) * BATCH;
  // The quota decides when calls beyond the first window's can start; the faults among those decide the tail.
  const beyondFirstWindow = starts[QUOTA.max];
  console.log(
    `seed ${SEED}: first call ${((starts[0]! - started) / 1000).toFixed(2)} s, call ${QUOTA.max + 1} ${beyondFirstWindow ? `${((beyondFirstWindow - started) / 1000).toFixed(2)} s` : "not needed"}, ` +
      `faults among later calls: ${
        calls
          .filter((c) => c.at >= (beyondFirstWindow ?? Infinity) && c.fault !== "none")
          .map((c) => c.fault)
          .join(", ") || "none"
      }`,
  );
  console.log(
    `faults injected: ${JSON.stringify(Object.fromEntries(["429", "5xx", "timeout", "lost-response"].map((f) => [f, calls.filter((c) => c.fault === f).length])))}`,
  );
  console.log(
    `calls by path: ${JSON.stringify(
      calls.reduce<Record<string, number>>((m, c) => {
        m[c.path] = (m[c.path] ?? 0) + 1;
        return m;
      }, {}),
    )}`,
  );
  console.log(
    JSON.stringify({
      effects: EFFECTS,
      tasksCreated: keys.length,
      duplicateTasks: keys.length - new Set(keys).size,
      crmCalls: calls.length,
      http429: calls.filter((c) => c.status === 429).length,
      quotaExceeded: calls.filter((c) => c.status === 429 && c.fault === "none").length,
      maxCallsPerWindow,
      dead: summary.dead,
      seconds: Number(seconds.toFixed(1)),
      tasksPerSecond: Number((keys.length / seconds).toFixed(1)),
      rateLimitTasksPerSecond,
    }),
  );
} finally {
  server.stop();
  await emulators.close();
}
