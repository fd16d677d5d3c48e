/**
 * `npm run bench:ingest`: signed 100-event HubSpot batches against `wrangler dev`, next to a
 * no-op route of the same Worker in the same run. Prints throughput, p50/p99 ack latency, the
 * rate at which records absorb the events, and the D1 rows written per event.
 *
 * Two runs, because locally one workerd thread serves both the webhook and the records it
 * feeds (in production they run on separate isolates and machines):
 * - "ack path": record delivery paused (PAUSE_RECORD_DELIVERY), so only the webhook's own work
 *   is measured: verify, validate, enqueue, acknowledge;
 * - "end to end": delivery live, the records absorbing events on the same thread.
 */
import autocannon from "autocannon";
import { createHmac } from "node:crypto";
import { figures } from "./autocannon-figures.ts";
import { ensureDevVars } from "./local-env.ts";
import { startWranglerDev, type DevServer } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const CONNECTIONS = 8;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const EVENTS_PER_BATCH = 100;
const RECORDS_PER_BATCH = 20;
const RECORD_POOL = 2_000;
const PORTAL = 62515;

const secrets = ensureDevVars(root);
const secret = secrets.HUBSPOT_CLIENT_SECRET!;
const adminHeaders = { authorization: `Bearer ${secrets.ADMIN_TOKEN}` };

let batchNo = 0;
/** A fresh batch each time: 20 records of the pool, 5 property changes each. */
function nextBatch(): string {
  const n = batchNo++;
  const now = Date.now();
  return JSON.stringify(
    Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
      eventId: n * EVENTS_PER_BATCH + i,
      subscriptionId: 100,
      portalId: PORTAL,
      appId: 54321,
      occurredAt: now - 1000 + i,
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId: 1_000_000 + ((n * RECORDS_PER_BATCH + (i % RECORDS_PER_BATCH)) % RECORD_POOL),
      propertyName: "hs_lead_status",
      propertyValue: ["NEW", "OPEN", "IN_PROGRESS", "CONNECTED"][i % 4],
      changeSource: "CRM_UI",
      sourceId: "userId:1",
    })),
  );
}

function signedRequest(server: DevServer, path: string): autocannon.Request {
  return {
    method: "POST",
    path,
    setupRequest: (req: autocannon.Request) => {
      const body = nextBatch();
      const timestamp = String(Date.now());
      const signature = createHmac("sha256", secret).update(`POST${server.url}${path}${body}${timestamp}`).digest("base64");
      return {
        ...req,
        body,
        headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp },
      };
    },
  } as autocannon.Request;
}

async function load(server: DevServer, path: string) {
  const r = await autocannon({ url: server.url, connections: CONNECTIONS, duration: DURATION_S, requests: [signedRequest(server, path)] });
  return figures(path, r);
}

async function recordStats(server: DevServer) {
  let events = 0;
  let d1RowsWritten = 0;
  for (let record = 0; record < RECORD_POOL; record++) {
    const response = await fetch(`${server.url}/admin/leads/hubspot:${PORTAL}:contact:${1_000_000 + record}`, { headers: adminHeaders });
    if (!response.ok) continue;
    const snapshot = (await response.json()) as { events: unknown[]; projection: { d1RowsWritten: number } };
    events += snapshot.events.length;
    d1RowsWritten += snapshot.projection.d1RowsWritten;
  }
  return { events, d1RowsWritten };
}

async function ackPathRun() {
  const server = await startWranglerDev(root, 8799, { ENABLE_BENCH_ROUTES: "true", PAUSE_RECORD_DELIVERY: "true" });
  try {
    await load(server, "/bench/noop"); // warm-up, not reported
    const noop = await load(server, "/bench/noop");
    const ingest = await load(server, "/webhooks/hubspot");
    return { noop, ingest };
  } finally {
    server.stop();
  }
}

/** Sends every record of the pool its first burst (one signed batch after another), so the measured load falls on records D1 already has. */
async function firstSight(server: DevServer) {
  const url = `${server.url}/webhooks/hubspot`;
  for (let i = 0; i < RECORD_POOL / RECORDS_PER_BATCH; i++) {
    const body = nextBatch();
    const timestamp = String(Date.now());
    const signature = createHmac("sha256", secret).update(`POST${url}${body}${timestamp}`).digest("base64");
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": timestamp },
    });
    if (!response.ok) throw new Error(`webhook refused: ${response.status}`);
    await response.arrayBuffer();
  }
  return (RECORD_POOL / RECORDS_PER_BATCH) * EVENTS_PER_BATCH;
}

async function settled(server: DevServer, expected: number, since: number) {
  let stats = await recordStats(server);
  while (stats.events < expected && Date.now() - since < 300_000) {
    await new Promise((r) => setTimeout(r, 1_000));
    stats = await recordStats(server);
  }
  const drainedS = (Date.now() - since) / 1000;
  // The projection follows each burst by a second.
  await new Promise((r) => setTimeout(r, 2_000));
  return { ...(await recordStats(server)), drainedS };
}

async function endToEndRun() {
  const server = await startWranglerDev(root, 8798, { ENABLE_BENCH_ROUTES: "true" });
  try {
    // First sight of every record: its D1 row is inserted (with its index entries and search row).
    const firstStarted = Date.now();
    const firstEvents = await firstSight(server);
    const first = await settled(server, firstEvents, firstStarted);
    // The measured load: bursts of five changes to records D1 already has.
    const started = Date.now();
    // Counted from here: the ack path's and the first sight's batches came before.
    const firstBatch = batchNo;
    const ingest = await load(server, "/webhooks/hubspot");
    const sent = (batchNo - firstBatch) * EVENTS_PER_BATCH;
    const after = await settled(server, first.events + sent, started);
    return {
      ingest,
      sent,
      recorded: after.events - first.events,
      drainedS: after.drainedS,
      d1RowsWritten: after.d1RowsWritten - first.d1RowsWritten,
      firstSight: { events: first.events, d1RowsWritten: first.d1RowsWritten },
    };
  } finally {
    server.stop();
  }
}

const ack = await ackPathRun();
const e2e = await endToEndRun();
console.log(
  `ack path ${ack.ingest.requestsPerSecond * EVENTS_PER_BATCH} events/s; end to end ${Math.round(e2e.recorded / e2e.drainedS)} events/s into records; ` +
    `D1 rows per event for bursts of ${EVENTS_PER_BATCH / RECORDS_PER_BATCH} changes to known records ${(e2e.d1RowsWritten / Math.max(e2e.recorded, 1)).toFixed(3)} ` +
    `(a record's first sight: ${(e2e.firstSight.d1RowsWritten / Math.max(e2e.firstSight.events, 1)).toFixed(3)}, its row, index entries and search row inserted)`,
);
console.table([
  { run: "ack path", ...ack.noop },
  { run: "ack path", ...ack.ingest },
  { run: "end to end", ...e2e.ingest },
]);
console.log(
  JSON.stringify({
    connections: CONNECTIONS,
    eventsPerBatch: EVENTS_PER_BATCH,
    noopRequestsPerSecond: ack.noop.requestsPerSecond,
    noopP50Ms: ack.noop.p50Ms,
    noopP99Ms: ack.noop.p99Ms,
    ingestRequestsPerSecond: ack.ingest.requestsPerSecond,
    ingestEventsPerSecond: ack.ingest.requestsPerSecond * EVENTS_PER_BATCH,
    ingestP50Ms: ack.ingest.p50Ms,
    ingestP99Ms: ack.ingest.p99Ms,
    ingestVsNoop: Number((ack.ingest.requestsPerSecond / ack.noop.requestsPerSecond).toFixed(3)),
    endToEndRequestsPerSecond: e2e.ingest.requestsPerSecond,
    endToEndP50Ms: e2e.ingest.p50Ms,
    endToEndP99Ms: e2e.ingest.p99Ms,
    eventsSent: e2e.sent,
    eventsRecorded: e2e.recorded,
    recordEventsPerSecond: Math.round(e2e.recorded / e2e.drainedS),
    burstSize: EVENTS_PER_BATCH / RECORDS_PER_BATCH,
    d1RowsWrittenPerEvent: Number((e2e.d1RowsWritten / Math.max(e2e.recorded, 1)).toFixed(4)),
    firstSightD1RowsPerEvent: Number((e2e.firstSight.d1RowsWritten / Math.max(e2e.firstSight.events, 1)).toFixed(4)),
    failedRequests: ack.noop.failed + ack.ingest.failed + e2e.ingest.failed,
  }),
);
