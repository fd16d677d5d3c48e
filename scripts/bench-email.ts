/**
 * `npm run bench:email`: 10,000 leads whose first emails fall due within the same minute, sent
 * through the outbox of `wrangler dev` to the Postmark emulator, which enforces its send rate (50
 * messages a second, bursts of 50: the emulator's documented plan) and faults 20% of the calls
 * (429, 5xx, timeouts and lost answers in equal parts; the message searches a lost answer causes
 * are faulted too). Each email is logged on its HubSpot contact (the HubSpot emulator, 100 calls
 * per 10 s). Checks every email is sent exactly once and measures the rate, the lateness after
 * each email's due time and the CRM calls the logging costs. The last line is one JSON object.
 *
 * Knobs: BENCH_LEADS (10,000), BENCH_RATE (messages per second, 50), BENCH_FAULT_RATE (0.2),
 * BENCH_SEED (42), BENCH_DUE_SECONDS (60: the minute the emails fall due in), BENCH_TIMELINE=1 (sends per second).
 */
import { effectId } from "../src/core/model/effect-id.ts";
import { startEmulators } from "../test/emulators/start.ts";
import { ensureDevVars } from "./local-env.ts";
import { startWranglerDev } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const LEADS = Number(process.env.BENCH_LEADS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const FAULT_RATE = Number(process.env.BENCH_FAULT_RATE ?? 0.2);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const DUE_SECONDS = Number(process.env.BENCH_DUE_SECONDS ?? 60);
const PORTAL = "62515";
const DOMAIN = "mail.example.com";

const secrets = ensureDevVars(root);
const emulators = await startEmulators({
  postmark: { sendRate: { perSecond: RATE, burst: RATE }, autoDeliver: false },
  hubspot: { strictProperties: true },
});
const { postmark, hubspot } = emulators;
const server = await startWranglerDev(root, 8796, {
  HUBSPOT_API_BASE: emulators.urls.hubspot,
  HUBSPOT_ACCESS_TOKEN: "hubspot-dev-token",
  SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
  SLACK_API_BASE: emulators.urls.slack,
  EMAIL_PROVIDER: "postmark",
  POSTMARK_API_BASE: emulators.urls.postmark,
  POSTMARK_SERVER_TOKEN: "postmark-dev-server-token",
  EMAIL_SENDING_DOMAIN: DOMAIN,
  EMAIL_REPLY_TO: `replies@${DOMAIN}`,
  EMAIL_LINKS_BASE_URL: "http://127.0.0.1:8796",
  UNSUBSCRIBE_SIGNING_KEY: "bench-unsubscribe-signing-key-0123456789",
  EMAIL_RATE_LIMIT: `${RATE}/1s`,
  DOH_URL: `${emulators.urls.doh}/dns-query`,
  // With a fifth of the calls failing, a send and its lookups can fail many times in a row: the
  // benchmark measures exactly-once delivery, not the dead-letter path.
  EFFECT_MAX_ATTEMPTS: "30",
});
const admin = (path: string, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" } });

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const percentile = (sorted: readonly number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

try {
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as { hubspot: { ok: boolean; detail: string } };
  if (!setup.hubspot.ok) throw new Error(`CRM setup failed: ${setup.hubspot.detail}`);
  const contacts = Array.from({ length: LEADS }, (_, i) => hubspot.ui.create("contacts", { email: `bench-${i}@example.com` }).id);
  hubspot.drainWebhooks();
  // Setup's own HubSpot calls leave the portal's window before the run, as they would after install.
  await new Promise((r) => setTimeout(r, 10_000));
  hubspot.server.calls.length = 0;
  postmark.server.calls.length = 0;
  const each = FAULT_RATE / 4;
  postmark.server.faults.configure({ rate429: each, rate5xx: each, rateTimeout: each, rateLostResponse: each, timeoutMs: 2_000, seed: SEED });

  // The emails fall due through one minute: each second's are stored as they fall due, as the
  // leads' records would store them.
  const dueAt = new Map<string, number>();
  const started = Date.now();
  const perSecond = Math.ceil(LEADS / DUE_SECONDS);
  for (let second = 0, i = 0; i < LEADS; second++) {
    const wait = started + second * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = new Date();
    const requests = [];
    for (const end = Math.min(LEADS, i + perSecond); i < end; i++) {
      const key = `hubspot:${PORTAL}:contact:${contacts[i]}:cadence:bench:day-0:email`;
      dueAt.set(effectId(key), now.getTime());
      requests.push({
        idempotencyKey: key,
        leadKey: `hubspot:${PORTAL}:contact:${contacts[i]}`,
        rule: "bench",
        effect: {
          type: "sendEmail",
          crm: "hubspot",
          accountId: PORTAL,
          objectType: "contact",
          objectId: contacts[i],
          ownerId: "84213371",
          from: { address: `alex@${DOMAIN}`, name: "Alex Rivera" },
          to: { address: `bench-${i}@example.com` },
          subject: "Your demo request",
          text: `Hi,\n\nThanks for asking for a demo (${i}).\n\nAlex Rivera`,
          html: `<p>Hi,</p><p>Thanks for asking for a demo (${i}).</p><p>Alex Rivera</p>`,
          messageId: `<${effectId(key)}@${DOMAIN}>`,
          references: [],
          purpose: { id: "sales-follow-up", consents: [], legitimateInterest: true },
          cadence: "bench",
          step: "day-0",
          source: "demo_request",
          dueAt: now.toISOString(),
          leadCalendar: { zone: "America/New_York", hours: { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" }, holidays: [] },
          caps: { perPersonPerDay: 1, perSenderPerDay: LEADS },
          emailRisky: true,
          task: { priority: "MEDIUM" },
        },
      });
    }
    const response = await admin("/admin/effects", { method: "POST", body: JSON.stringify(requests) });
    if (response.status !== 202) throw new Error(`enqueue failed: ${response.status} ${await response.text()}`);
  }
  console.log(`${LEADS} emails stored as they fell due over ${seconds(Date.now() - started)} s`);

  let summary: Record<string, number> = {};
  for (;;) {
    summary = ((await (await admin("/admin/effects/summary")).json()) as { byStatus: Record<string, number> }).byStatus;
    if (summary.pending === 0 && summary.retrying === 0 && (summary.done ?? 0) + (summary.dead ?? 0) >= 2 * LEADS) break;
    if (Date.now() - started > 30 * 60_000) throw new Error(`not finished after 30 minutes: ${JSON.stringify(summary)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const finished = Date.now();

  const messages = postmark.mailbox.list();
  const byEffect = new Map<string, number>();
  for (const m of messages) byEffect.set(String(m.metadata.effect), (byEffect.get(String(m.metadata.effect)) ?? 0) + 1);
  const duplicates = [...byEffect.values()].reduce((n, c) => n + c - 1, 0);
  const lost = [...dueAt.keys()].filter((id) => !byEffect.has(id)).length;
  const sentTimes = messages.map((m) => Date.parse(m.submittedAt)).sort((a, b) => a - b);
  const lateness = messages
    .map((m) => Date.parse(m.submittedAt) - (dueAt.get(String(m.metadata.effect)) ?? Date.parse(m.submittedAt)))
    .sort((a, b) => a - b);
  const firstDue = Math.min(...dueAt.values());
  const sendSeconds = (sentTimes[sentTimes.length - 1]! - firstDue) / 1000;
  const achieved = byEffect.size / sendSeconds;
  const faultAdjusted = RATE * (1 - FAULT_RATE);
  const calls = postmark.server.calls;
  const sends = calls.filter((c) => c.path === "/email");
  const lookups = calls.filter((c) => c.path === "/messages/outbound");
  const hubspotCalls = hubspot.server.calls;
  const engagements = (hubspot.state.objects.all("emails" as never) as { properties: Record<string, string | undefined> }[]).length;
  console.log(
    `Postmark calls: ${sends.length} sends (${JSON.stringify(Object.fromEntries(["429", "5xx", "timeout", "lost-response"].map((f) => [f, sends.filter((c) => c.fault === f).length])))} faulted, ${sends.filter((c) => c.status === 429 && c.fault === "none").length} over the send rate), ${lookups.length} message searches after lost answers`,
  );
  if (process.env.BENCH_TIMELINE) {
    // Sends started per second from the first due time: where the rate held and where it stalled.
    const perSecond = new Map<number, number>();
    for (const c of sends) perSecond.set(Math.floor((c.at - firstDue) / 1000), (perSecond.get(Math.floor((c.at - firstDue) / 1000)) ?? 0) + 1);
    console.log(
      [...perSecond]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}:${n}`)
        .join(" "),
    );
  }
  const byPath: Record<string, number> = {};
  for (const c of hubspotCalls) byPath[c.path] = (byPath[c.path] ?? 0) + 1;
  console.log(`HubSpot calls for logging: ${JSON.stringify(byPath)}`);
  const result = {
    leads: LEADS,
    sent: byEffect.size,
    duplicates,
    lost,
    dead: summary.dead ?? 0,
    allowedPerSecond: RATE,
    faultRate: FAULT_RATE,
    faultAdjustedPerSecond: faultAdjusted,
    achievedPerSecond: Number(achieved.toFixed(1)),
    achievedShare: Number((achieved / faultAdjusted).toFixed(3)),
    latenessP50s: seconds(percentile(lateness, 50)),
    latenessP99s: seconds(percentile(lateness, 99)),
    latenessMaxS: seconds(lateness[lateness.length - 1] ?? 0),
    emailsLogged: engagements,
    crmCallsPerLead: Number((hubspotCalls.length / LEADS).toFixed(4)),
    seconds: seconds(finished - started),
  };
  const ok = duplicates === 0 && lost === 0 && result.dead === 0 && achieved >= 0.9 * faultAdjusted;
  // What the issue asks, side by side with what was measured, each as a ratio.
  const rows: [string, string, string, string][] = [
    ["duplicates", `${duplicates} / ${LEADS}`, "0", (duplicates / LEADS).toFixed(4)],
    ["lost", `${lost} / ${LEADS}`, "0", (lost / LEADS).toFixed(4)],
    ["dead-lettered", `${result.dead} / ${LEADS}`, "0", (result.dead / LEADS).toFixed(4)],
    [
      "sends per second",
      `${result.achievedPerSecond} / ${faultAdjusted} fault-adjusted (${RATE} × ${1 - FAULT_RATE})`,
      "≥ 0.90",
      result.achievedShare.toFixed(3),
    ],
    [
      "lateness p50 / p99",
      `${result.latenessP50s} s / ${result.latenessP99s} s after due`,
      "printed",
      `p99/p50 ${(result.latenessP99s / Math.max(result.latenessP50s, 0.1)).toFixed(1)}`,
    ],
    ["CRM calls for logging", `${hubspotCalls.length} / ${LEADS} leads`, "printed", `${result.crmCallsPerLead} per lead`],
    ["emails logged in HubSpot", `${engagements} / ${byEffect.size} sent`, "all", (engagements / Math.max(byEffect.size, 1)).toFixed(3)],
  ];
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length), ["figure", "measured", "asked", "ratio"][i]!.length);
  const line = (r: readonly string[]) => r.map((cell, i) => cell.padEnd(width(i))).join("  ");
  console.log(line(["figure", "measured", "asked", "ratio"]));
  for (const r of rows) console.log(line(r));
  console.log(
    ok ? "exactly once, at ≥ 90% of the fault-adjusted rate" : "FAILED: duplicates, lost emails or a rate under 90% of the fault-adjusted one",
  );
  console.log(JSON.stringify(result));
  process.exitCode = ok ? 0 : 1;
} finally {
  server.stop();
  await emulators.close();
}
