/**
 * `npm run bench:intake`: form submissions against `wrangler dev`, with the HubSpot, Salesforce,
 * Slack and Turnstile emulators. The last line is one JSON object.
 *
 * Two Workers, one after the other, because locally one workerd thread serves both the form's
 * answer and the processing behind it (in production queue consumers run on their own isolates):
 * - "follow-up": submissions at a steady human pace (BENCH_PACE_PER_S, default 2 a second, for
 *   BENCH_PACE_SECONDS, default 30), each timed from its 202 to its contact in the HubSpot
 *   emulator and to the first task on that contact, through the real pipeline (persist, the
 *   submissions queue, match, score, route, the outbox's upsert, the record's enrolment, the
 *   cadence's first step, the outbox's task write). The policy's first-touch delay is set to zero
 *   and its working hours to the whole week, so the first task is due at once at any hour;
 *   Then 8 connections for BENCH_SECONDS (default 10) on the same Worker: "end to end", the 202s
 *   while the processing of everything before runs on the same thread;
 * - "ack path": processing paused (PAUSE_INTAKE_PROCESSING), so only the form's own work is
 *   measured (parse, validate, the idempotency claim, Turnstile, store in D1, queue, answer):
 *   8 connections on POST /intake/demo next to the no-op route POST /bench/noop and the floor
 *   POST /bench/floor of the same Worker, in alternating rounds (BENCH_ROUNDS of
 *   BENCH_ROUND_SECONDS each): submissions/s and p50/p99 of the 202, pooled and per round.
 *
 * The intake rate limits are lifted (DISABLE_INTAKE_RATE_LIMITS), as every request comes from one
 * address. HubSpot's quota (100 calls per 10 s) stays: the follow-up pace is what it allows.
 */
import autocannon from "autocannon";
import { startEmulators } from "../test/emulators/start.ts";
import { DUMMY_TOKEN, startTurnstileEmulator } from "../test/emulators/turnstile/index.ts";
import { figures } from "./autocannon-figures.ts";
import { ensureDevVars } from "./local-env.ts";
import { startWranglerDev } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const CONNECTIONS = 8;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const PACE_PER_S = Number(process.env.BENCH_PACE_PER_S ?? 2);
const PACE_SECONDS = Number(process.env.BENCH_PACE_SECONDS ?? 30);
/** A second paced run, faster (leads arriving close together share batches): BENCH_FAST_PACE_PER_S (default 20) for BENCH_FAST_SECONDS (default 10; 0 skips it). */
const FAST_PER_S = Number(process.env.BENCH_FAST_PACE_PER_S ?? 20);
const FAST_SECONDS = Number(process.env.BENCH_FAST_SECONDS ?? 10);
const DOMAIN = "northwind-robotics.com";
const TURNSTILE = process.env.BENCH_TURNSTILE !== "0";
/** BENCH_ACK_ONLY=1: only the ack path (a quick look at the form's own cost while working on it). */
const ACK_ONLY = process.env.BENCH_ACK_ONLY === "1";
/** The ack path's rounds (BENCH_ROUNDS) and the seconds of each route in a round (BENCH_ROUND_SECONDS). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 4);

const secrets = ensureDevVars(root);
const emulators = await startEmulators({});
const turnstile = await startTurnstileEmulator();
const workerVars = {
  ENABLE_BENCH_ROUTES: "true",
  DISABLE_INTAKE_RATE_LIMITS: "true",
  HUBSPOT_API_BASE: emulators.urls.hubspot,
  HUBSPOT_ACCESS_TOKEN: "hubspot-dev-token",
  SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
  SLACK_API_BASE: emulators.urls.slack,
  TURNSTILE_SITEVERIFY_URL: turnstile.siteverifyUrl,
};
let server = await startWranglerDev(root, 8796, workerVars);
const admin = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(server.url + path, {
    ...init,
    headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" },
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>;
};

let submissionNo = 0;
/** A new person each time, as the demo form's page sends them (form-encoded). */
function nextSubmission(run: string): { email: string; body: string } {
  const n = submissionNo++;
  const email = `bench.${run}.${n}@${DOMAIN}`;
  const body = new URLSearchParams({
    email,
    firstName: "Bench",
    lastName: `Lead ${n}`,
    company: "Northwind Robotics",
    jobTitle: ["VP of Sales", "Head of Revenue Operations", "Sales Manager", "Account Executive"][n % 4]!,
    phone: "+1 650 253 0000",
    message: "We need follow-up for 40 reps before next quarter.",
    consent_privacy: "2026-01",
    _fill_ms: "8000",
    time_zone: "America/Chicago",
    page_url: `https://www.example.com/demo?utm_source=bench&utm_campaign=${run}`,
    "cf-turnstile-response": DUMMY_TOKEN,
  }).toString();
  return { email, body };
}

const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": "203.0.113.7" };

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function load(path: string, body: () => string, seconds = DURATION_S) {
  const r = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: "POST", path, setupRequest: (req: autocannon.Request) => ({ ...req, headers: FORM_HEADERS, body: body() }) }],
  } as autocannon.Options);
  return figures(path, r);
}

/** Every answer's time of one route over the rounds, pooled: the percentiles of all of them, not an average of each round's. */
interface Pool {
  path: string;
  latenciesMs: number[];
  seconds: number;
  failed: number;
}

async function poolRound(pool: Pool, body: () => string): Promise<{ requestsPerSecond: number; p99Ms: number }> {
  const latencies: number[] = [];
  // The callback form: it is the one whose instance reports each answer.
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: server.url,
        connections: CONNECTIONS,
        duration: ROUND_SECONDS,
        requests: [{ method: "POST", path: pool.path, setupRequest: (req: autocannon.Request) => ({ ...req, headers: FORM_HEADERS, body: body() }) }],
      } as autocannon.Options,
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    // Answers only, as autocannon's own figures count them: an error is a failure, not a fast answer.
    run.on("response", (_client, status, _bytes, responseTime) => {
      if (status >= 200 && status < 400) latencies.push(responseTime);
    });
  });
  pool.latenciesMs.push(...latencies);
  pool.seconds += ROUND_SECONDS;
  pool.failed += r.non2xx + r.errors + r.timeouts;
  return { requestsPerSecond: latencies.length / ROUND_SECONDS, p99Ms: percentile(latencies, 99)! };
}

function pooled(pool: Pool) {
  return {
    path: pool.path,
    requestsPerSecond: Math.round(pool.latenciesMs.length / pool.seconds),
    p50Ms: Math.round(percentile(pool.latenciesMs, 50)!),
    p99Ms: Math.round(percentile(pool.latenciesMs, 99)!),
    requests: pool.latenciesMs.length,
    failed: pool.failed,
  };
}

/**
 * The ack path: ROUNDS rounds, each the no-op route, the intake and the floor one after the
 * other, so the machine's drift (its speed varies by a third from minute to minute) falls on all
 * three alike; each route's figures are pooled over its rounds, and each round's are kept.
 */
async function ackPhase() {
  const pools = { noop: newPool("/bench/noop"), intake: newPool("/intake/demo"), floor: newPool("/bench/floor") };
  const rounds: { intakeVsNoop: number; floorVsNoop: number; intakeP99Ms: number; floorP99Ms: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const noop = await poolRound(pools.noop, () => nextSubmission("noop").body);
    const intake = await poolRound(pools.intake, () => nextSubmission("ack").body);
    const floor = await poolRound(pools.floor, () => nextSubmission("floor").body);
    rounds.push({
      intakeVsNoop: Number((intake.requestsPerSecond / noop.requestsPerSecond).toFixed(3)),
      floorVsNoop: Number((floor.requestsPerSecond / noop.requestsPerSecond).toFixed(3)),
      intakeP99Ms: Math.round(intake.p99Ms),
      floorP99Ms: Math.round(floor.p99Ms),
    });
  }
  return { noop: pooled(pools.noop), intake: pooled(pools.intake), floor: pooled(pools.floor), rounds };
}

const newPool = (path: string): Pool => ({ path, latenciesMs: [], seconds: 0, failed: 0 });

async function followUpPhase(perSecond: number, seconds: number, run: string) {
  // Sent at a human pace, each on its schedule whatever the answers before it take (waiting for
  // each 202 before the next would slow the arrivals to the thread's answer time: at 20 a second
  // and a busy thread, 200 leads once took 25 s); each is timed from its 202.
  const sent = new Map<string, number>();
  const total = perSecond * seconds;
  const started = Date.now();
  const answers: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / perSecond - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { email, body } = nextSubmission(run);
    answers.push(
      (async () => {
        const response = await fetch(`${server.url}/intake/demo`, { method: "POST", headers: FORM_HEADERS, body });
        if (response.status !== 202) throw new Error(`submission answered ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
        sent.set(email, Date.now());
      })(),
    );
  }
  await Promise.all(answers);
  // The rate the Worker accepted them at (the span of their 202s): a busy thread answers late.
  const arrivals = [...sent.values()];
  const arrivedPerSecond = total > 1 ? ((total - 1) * 1000) / Math.max(1, Math.max(...arrivals) - Math.min(...arrivals)) : perSecond;
  // Then wait for every contact and its first task.
  const toRecord = new Map<string, number>();
  const toTask = new Map<string, number>();
  const deadline = Date.now() + 300_000;
  while ((toRecord.size < total || toTask.size < total) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const contacts = (await (await fetch(`${emulators.urls.hubspot}/_emulator/objects/contacts`)).json()) as any[];
    const tasks = (await (await fetch(`${emulators.urls.hubspot}/_emulator/objects/tasks`)).json()) as any[];
    const firstTaskOf = new Map<string, number>();
    for (const task of tasks)
      for (const a of task.associations?.contacts ?? []) {
        const at = Date.parse(task.createdAt);
        firstTaskOf.set(a.id, Math.min(firstTaskOf.get(a.id) ?? at, at));
      }
    for (const contact of contacts) {
      const at = sent.get(contact.properties.email);
      if (at === undefined || !contact.properties.lead_follow_up_tier) continue;
      if (!toRecord.has(contact.properties.email)) toRecord.set(contact.properties.email, Date.parse(contact.createdAt) - at);
      const task = firstTaskOf.get(contact.id);
      if (task !== undefined) toTask.set(contact.properties.email, task - at);
    }
  }
  const calls = emulators.hubspot.server.calls.filter((c) => c.at >= started);
  const byEndpoint: Record<string, number> = {};
  for (const call of calls) {
    // Record ids are digits only; a dated version (2026-09) is not an id.
    const endpoint = `${call.method} ${call.path.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
    byEndpoint[endpoint] = (byEndpoint[endpoint] ?? 0) + 1;
  }
  // A single-record read: GET of one object by id (a batch read of several is not one).
  const singleReads = calls.filter((c) => c.method === "GET" && /\/crm\/(v3\/)?objects\/(2026-09\/)?[^/]+\/\d+$/.test(c.path)).length;
  return {
    perSecond,
    arrivedPerSecond: Number(arrivedPerSecond.toFixed(1)),
    callsPerLead: Number((calls.length / total).toFixed(2)),
    singleReads,
    submitted: total,
    recorded: toRecord.size,
    tasked: toTask.size,
    toRecord: [...toRecord.values()],
    toTask: [...toTask.values()],
    hubspotCalls: calls.length,
    hubspot429s: calls.filter((c) => c.status === 429).length,
    byEndpoint,
  };
}

try {
  if (!ACK_ONLY) {
    const setup = await admin("/admin/crm/setup", { method: "POST" });
    if (!setup.hubspotProductProperties?.ok) throw new Error(`CRM setup failed: ${JSON.stringify(setup)}`);
    const { policy } = await admin("/admin/policy");
    policy.workingHours = { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" };
    policy.holidays = [];
    policy.rules.cadences.firstTouchDelay = { min: "PT0S", max: "PT0S" };
    for (const rep of policy.reps ?? []) if (rep.workingHours) rep.workingHours = policy.workingHours;
    await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) });
    // Setup's calls count against the portal's window: let them leave it.
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const followUp = ACK_ONLY ? undefined : await followUpPhase(PACE_PER_S, PACE_SECONDS, "paced");
  // Let the paced run's calls leave the portal's window before the fast one.
  if (!ACK_ONLY && FAST_SECONDS > 0) await new Promise((r) => setTimeout(r, 10_000));
  const fast = ACK_ONLY || FAST_SECONDS <= 0 ? undefined : await followUpPhase(FAST_PER_S, FAST_SECONDS, "fast");
  const endToEnd = ACK_ONLY ? undefined : await load("/intake/demo", () => nextSubmission("e2e").body);
  server.stop();

  server = await startWranglerDev(root, 8795, { ...workerVars, PAUSE_INTAKE_PROCESSING: "true" });
  if (!TURNSTILE) {
    // BENCH_TURNSTILE=0: the same form without its Turnstile check, to see what siteverify costs.
    const { policy: paused } = await admin("/admin/policy");
    for (const form of paused.forms) delete form.spam.turnstile;
    await admin("/admin/policy", { method: "PUT", body: JSON.stringify(paused) });
  }
  await load("/bench/noop", () => nextSubmission("warm").body, 3); // warm-up, not reported
  await load("/intake/demo", () => nextSubmission("warm").body, 3);
  await load("/bench/floor", () => nextSubmission("warm").body, 3);
  const { noop, intake, floor, rounds } = await ackPhase();
  for (const run of [followUp, fast]) {
    if (!run) continue;
    console.log(`HubSpot calls while following up ${run.submitted} leads at ${run.perSecond}/s:`, run.byEndpoint);
    console.log(
      `HubSpot calls per lead at ${run.perSecond}/s (202s at ${run.arrivedPerSecond}/s): ${run.callsPerLead}, target ≤ ${run.perSecond >= 20 ? 0.5 : 2} ` +
        `(${run.hubspotCalls} calls for ${run.submitted} leads; single-record reads: ${run.singleReads}; leads with their first task: ${run.tasked})`,
    );
  }
  console.table(rounds.map((r, i) => ({ round: i + 1, ...r })));
  console.table([
    { run: "ack path", ...noop },
    { run: "ack path", ...intake },
    { run: "ack path", ...floor },
    ...(endToEnd ? [{ run: "end to end", ...endToEnd }] : []),
  ]);
  // Little's law for a closed loop: with 8 requests always in flight, the mean answer takes
  // 8 / throughput, whatever the route does; a p99 under a bound needs the mean well under it.
  const littleMs = (perSecond: number) => Math.round((CONNECTIONS * 1000) / perSecond);
  console.log(
    `mean answer at ${CONNECTIONS} connections (Little's law, ${CONNECTIONS} / throughput): ` +
      `intake ${littleMs(intake.requestsPerSecond)} ms, floor ${littleMs(floor.requestsPerSecond)} ms, no-op ${littleMs(noop.requestsPerSecond)} ms; ` +
      `rounds with p99 <= 100 ms: intake ${rounds.filter((r) => r.intakeP99Ms <= 100).length} of ${rounds.length}, ` +
      `floor ${rounds.filter((r) => r.floorP99Ms <= 100).length} of ${rounds.length}`,
  );
  const ms = (v: number | null) => (v === null ? null : Math.round(v));
  console.log(
    JSON.stringify({
      connections: CONNECTIONS,
      turnstile: TURNSTILE,
      noopRequestsPerSecond: noop.requestsPerSecond,
      noopP50Ms: noop.p50Ms,
      noopP99Ms: noop.p99Ms,
      submissionsPerSecond: intake.requestsPerSecond,
      intakeP50Ms: intake.p50Ms,
      intakeP99Ms: intake.p99Ms,
      intakeVsNoop: Number((intake.requestsPerSecond / noop.requestsPerSecond).toFixed(3)),
      floorRequestsPerSecond: floor.requestsPerSecond,
      floorP50Ms: floor.p50Ms,
      floorP99Ms: floor.p99Ms,
      floorVsNoop: Number((floor.requestsPerSecond / noop.requestsPerSecond).toFixed(3)),
      rounds,
      endToEndSubmissionsPerSecond: endToEnd?.requestsPerSecond,
      endToEndP50Ms: endToEnd?.p50Ms,
      endToEndP99Ms: endToEnd?.p99Ms,
      failedRequests: noop.failed + intake.failed + floor.failed + (endToEnd?.failed ?? 0),
      pacedPerSecond: PACE_PER_S,
      pacedArrivedPerSecond: followUp?.arrivedPerSecond,
      pacedSubmissions: followUp?.submitted,
      pacedRecorded: followUp?.recorded,
      pacedWithFirstTask: followUp?.tasked,
      toCrmRecordP50Ms: ms(percentile(followUp?.toRecord ?? [], 50)),
      toCrmRecordP99Ms: ms(percentile(followUp?.toRecord ?? [], 99)),
      toFirstTaskP50Ms: ms(percentile(followUp?.toTask ?? [], 50)),
      toFirstTaskP99Ms: ms(percentile(followUp?.toTask ?? [], 99)),
      pacedHubSpotCalls: followUp?.hubspotCalls,
      pacedHubSpot429s: followUp?.hubspot429s,
      pacedHubSpotCallsPerLead: followUp?.callsPerLead,
      pacedSingleRecordReads: followUp?.singleReads,
      fastPerSecond: fast?.perSecond,
      fastArrivedPerSecond: fast?.arrivedPerSecond,
      fastSubmissions: fast?.submitted,
      fastWithFirstTask: fast?.tasked,
      fastHubSpotCallsPerLead: fast?.callsPerLead,
      fastSingleRecordReads: fast?.singleReads,
    }),
  );
} finally {
  server.stop();
  await Promise.all([emulators.close(), turnstile.close()]);
}
