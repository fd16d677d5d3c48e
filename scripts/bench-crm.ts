/**
 * `npm run bench:crm`: 50,000 task effects for 10,000 leads through the outbox of `wrangler dev`
 * against the HubSpot emulator, with 20% of calls failing (429, 5xx, timeouts, lost responses
 * in equal parts) and HubSpot's 100 calls per 10 s enforced for the portal. The product paces
 * itself to its share of the portal (CRM_QUOTA_SHARE, 0.5 in wrangler.toml) from HubSpot's quota
 * headers. Two runs: the portal to itself, then with another app using 40% of every window. Each
 * prints the steady-state rate (tasks created after the first window, per second) against the
 * fault-adjusted share limit (share × calls per second × 100 per batch × (1 − fault rate)), the
 * most calls the product made in any window, and exactly-once (no duplicate task, none dead).
 * The last line is one JSON object with both runs.
 *
 * Knobs: BENCH_EFFECTS (default 50,000), BENCH_LEADS (10,000), BENCH_SEED (the fault sequence;
 * default 42), BENCH_FAULT_RATE (share of calls failing; default 0.2), BENCH_QUOTA (calls per
 * 10 s; default 100), BENCH_SHARE (default 0.5), BENCH_OTHER_APPS (the runs' other-app shares,
 * default "0,0.4"), BENCH_TIMELINE=1 (every call), BENCH_RETRY_BASE_MS.
 */
import { startEmulators } from "../test/emulators/start.ts";
import { ensureDevVars } from "./local-env.ts";
import { startWranglerDev } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const EFFECTS = Number(process.env.BENCH_EFFECTS ?? 50_000);
const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const SHARE = Number(process.env.BENCH_SHARE ?? 0.5);
const OTHER_APPS = (process.env.BENCH_OTHER_APPS ?? "0,0.4").split(",").map(Number);
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
  CRM_QUOTA_SHARE: String(SHARE),
  ...(process.env.BENCH_RETRY_BASE_MS ? { EFFECT_RETRY_BASE_MS: process.env.BENCH_RETRY_BASE_MS } : {}),
  SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
  SLACK_API_BASE: emulators.urls.slack,
});
const admin = (path: string, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" } });

async function runOnce(otherApps: number, contacts: string[], runNo: number) {
  // A fresh window: the previous run's calls (and setup's) leave it first.
  await new Promise((r) => setTimeout(r, QUOTA.windowMs + 1_000));
  hubspot.server.calls.length = 0;
  hubspot.server.faults.configure({});
  await fetch(`${emulators.urls.hubspot}/_emulator/other-apps`, { method: "PUT", body: JSON.stringify({ share: otherApps }) });
  // One call outside the run tells the product how the portal stands before the first batch.
  const tasksBefore = new Set((hubspot.state.objects.all("tasks" as never) as { id: string }[]).map((t) => t.id));
  const each = FAULT_RATE / 4;
  hubspot.server.faults.configure({ rate429: each, rate5xx: each, rateTimeout: each, rateLostResponse: each, timeoutMs: 2_000, seed: SEED + runNo });

  const deadBefore = ((await (await admin("/admin/effects/summary")).json()) as { byStatus: Record<string, number> }).byStatus.dead ?? 0;
  const started = Date.now();
  const requests = Array.from({ length: EFFECTS }, (_, i) => {
    const contact = contacts[i % LEADS]!;
    return {
      idempotencyKey: `bench:${runNo}:${contact}:${Math.floor(i / LEADS)}`,
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
  console.log(`run ${runNo} (other apps ${otherApps * 100}%): effects stored and queued in ${((Date.now() - started) / 1000).toFixed(2)} s`);

  let summary: Record<string, number> = {};
  for (;;) {
    summary = ((await (await admin("/admin/effects/summary")).json()) as { byStatus: Record<string, number> }).byStatus;
    if (summary.pending === 0 && summary.retrying === 0) break;
    if (Date.now() - started > 30 * 60_000) throw new Error(`not finished after 30 minutes: ${JSON.stringify(summary)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  // Why effects died, by error (a dead effect is a failure to explain, not a number to report).
  const deadReasons = new Map<string, number>();
  if ((summary.dead ?? 0) > deadBefore) {
    const listed = (await (await admin("/admin/effects?status=dead&limit=1000")).json()) as {
      effects: { idempotencyKey: string; attempts: number; lastError?: string | null }[];
    };
    for (const e of listed.effects.filter((e) => e.idempotencyKey.startsWith(`bench:${runNo}:`))) {
      const reason = `${e.attempts} attempts: ${e.lastError ?? "no error"}`;
      deadReasons.set(reason, (deadReasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, n] of deadReasons) console.log(`run ${runNo}: ${n} dead: ${reason}`);
  }

  const tasks = (
    hubspot.state.objects.all("tasks" as never) as { id: string; createdAt: number; properties: Record<string, string | undefined> }[]
  ).filter((t) => !tasksBefore.has(t.id));
  const keys = tasks.map((t) => t.properties.lead_follow_up_key).filter(Boolean);
  const calls = hubspot.server.calls;
  const starts = calls.map((c) => c.at).sort((a, b) => a - b);
  let maxCallsPerWindow = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= QUOTA.windowMs) j++;
    maxCallsPerWindow = Math.max(maxCallsPerWindow, i - j + 1);
  }
  if (process.env.BENCH_TIMELINE) {
    // The first input's key tells the same request arriving twice from two calls of one batch.
    const firstKey = (body: unknown) => {
      const input = (body as { inputs?: { id?: string; properties?: Record<string, string> }[] } | undefined)?.inputs?.[0];
      return input?.properties?.lead_follow_up_key ?? input?.id ?? "";
    };
    for (const c of calls)
      console.log(
        `${((c.at - started) / 1000).toFixed(3)} ${c.path.split("/").pop()} ${c.batchSize} ${c.fault} ${c.status} ${firstKey(c.requestBody)}`,
      );
  }
  // The product's share of the portal, and of what the other apps leave.
  const allowedPerWindow = Math.min(Math.floor(SHARE * QUOTA.max), QUOTA.max - Math.floor(otherApps * QUOTA.max));
  const shareLimitTasksPerSecond = (allowedPerWindow / (QUOTA.windowMs / 1000)) * BATCH;
  const faultAdjustedTasksPerSecond = shareLimitTasksPerSecond * (1 - FAULT_RATE);
  // Steady state: the tasks created after the first window, over the time from its end to the last task.
  const firstWindowEnd = (starts[0] ?? started) + QUOTA.windowMs;
  const created = tasks.map((t) => t.createdAt).sort((a, b) => a - b);
  const afterFirst = created.filter((at) => at >= firstWindowEnd);
  const steadySeconds = afterFirst.length > 0 ? (afterFirst.at(-1)! - firstWindowEnd) / 1000 : 0;
  const steadyTasksPerSecond = steadySeconds > 0 ? afterFirst.length / steadySeconds : 0;
  console.log(
    `run ${runNo}: faults injected: ${JSON.stringify(Object.fromEntries(["429", "5xx", "timeout", "lost-response"].map((f) => [f, calls.filter((c) => c.fault === f).length])))}`,
  );
  console.log(
    `run ${runNo}: steady state ${steadyTasksPerSecond.toFixed(1)} tasks/s = ${((steadyTasksPerSecond / faultAdjustedTasksPerSecond) * 100).toFixed(1)}% of the fault-adjusted share limit ` +
      `(${faultAdjustedTasksPerSecond} tasks/s: ${allowedPerWindow} calls per ${QUOTA.windowMs / 1000} s × ${BATCH} × ${1 - FAULT_RATE}); ` +
      `most calls in a window ${maxCallsPerWindow} (allowed ${allowedPerWindow}); duplicates ${keys.length - new Set(keys).size}; dead ${(summary.dead ?? 0) - deadBefore}`,
  );
  return {
    otherApps,
    effects: EFFECTS,
    tasksCreated: keys.length,
    duplicateTasks: keys.length - new Set(keys).size,
    crmCalls: calls.length,
    http429: calls.filter((c) => c.status === 429).length,
    quotaExceeded: calls.filter((c) => c.status === 429 && c.fault === "none").length,
    maxCallsPerWindow,
    allowedCallsPerWindow: allowedPerWindow,
    dead: (summary.dead ?? 0) - deadBefore,
    seconds: Number(seconds.toFixed(1)),
    tasksPerSecond: Number((keys.length / seconds).toFixed(1)),
    steadyTasksPerSecond: Number(steadyTasksPerSecond.toFixed(1)),
    shareLimitTasksPerSecond,
    faultAdjustedTasksPerSecond,
    steadyVsFaultAdjusted: Number((steadyTasksPerSecond / faultAdjustedTasksPerSecond).toFixed(3)),
  };
}

try {
  const setupResponse = await admin("/admin/crm/setup", { method: "POST" });
  if (!setupResponse.ok) throw new Error(`CRM setup failed: ${setupResponse.status} ${await setupResponse.text()}`);
  const setup = (await setupResponse.json()) as { hubspot: { ok: boolean } };
  if (!setup.hubspot.ok) throw new Error(`CRM setup failed: ${JSON.stringify(setup)}`);
  const contacts = Array.from({ length: LEADS }, (_, i) => hubspot.ui.create("contacts", { email: `bench-${i}@example.com` }).id);
  hubspot.drainWebhooks();
  const runs = [];
  for (const [i, otherApps] of OTHER_APPS.entries()) {
    runs.push(await runOnce(otherApps, contacts, i));
    hubspot.drainWebhooks();
  }
  console.log(JSON.stringify({ seed: SEED, faultRate: FAULT_RATE, share: SHARE, quota: QUOTA, runs }));
} finally {
  server.stop();
  await emulators.close();
}
