/**
 * `npm run bench:booking`: booking on the spot under load, against `wrangler dev` and the emulators
 * (HubSpot, Salesforce, Slack, Google Calendar, Microsoft Graph, Turnstile). The last line is one
 * JSON object.
 *
 * Five reps (three on Google Workspace, two on Microsoft 365, in five zones, working every hour of
 * the week so the horizon holds plenty of times), one team, the demo form offering the routed
 * rep's times. First BENCH_LINKS submissions (default 400) are sent and routed (not timed). Then
 * BENCH_VISITORS visitors (default 50) for BENCH_SECONDS (default 30): each takes the next booking
 * link, looks up its times (GET /book/{token}/slots), picks one of the first three at random (so
 * visitors of the same rep compete for the same times), books it (POST), and on a 409 picks again
 * from the fresh times the answer carries, up to five tries. Before them, on the same Worker at the
 * same concurrency with the same client, 4 alternating rounds of POST /bench/noop and of lookups
 * alone (any link, no bookings beside them), 10 s of each (BENCH_NOOP_SECONDS).
 *
 * Reported: lookups and bookings, their answers, the slots answer's p50/p99 alone and beside the
 * bookings, the booking answer's, each beside the no-op's and as a ratio to it (`vsNoop`),
 * the calendar calls per lookup (the reps' objects cache a calendar's free time a minute), and from
 * the calendars themselves: double bookings (two live events of one rep overlapping: must be 0)
 * and lost bookings (a 201 whose event is not in the calendar, or an event the service made that
 * no visitor was told of: must be 0).
 *
 * The per-address limits are lifted (every request comes from one address) and the HubSpot quota
 * raised (the emulator's and the Worker's), so the lead writes behind the bookings keep up.
 */
import { DateTime } from "luxon";
import { createTestServiceAccount } from "../test/emulators/google-calendar/index.ts";
import { startEmulators } from "../test/emulators/start.ts";
import { DUMMY_TOKEN, startTurnstileEmulator } from "../test/emulators/turnstile/index.ts";
import { DEFAULT_POLICY } from "../src/core/policy/default-policy.ts";
import { ensureDevVars } from "./local-env.ts";
import { startWranglerDev } from "./wrangler-dev-server.ts";

const root = new URL("..", import.meta.url).pathname;
const LINKS = Number(process.env.BENCH_LINKS ?? 400);
const VISITORS = Number(process.env.BENCH_VISITORS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const NOOP_SECONDS = Number(process.env.BENCH_NOOP_SECONDS ?? 10);
const ROUNDS = 4;
const TRIES = 5;

const REPS = [
  { id: "r1", name: "Rep One", zone: "America/New_York", provider: "google" as const },
  { id: "r2", name: "Rep Two", zone: "Europe/London", provider: "google" as const },
  { id: "r3", name: "Rep Three", zone: "America/Chicago", provider: "google" as const },
  { id: "r4", name: "Rep Four", zone: "Europe/Berlin", provider: "microsoft" as const },
  { id: "r5", name: "Rep Five", zone: "America/Los_Angeles", provider: "microsoft" as const },
].map((r, i) => ({ ...r, email: `${r.id}.bench@example.com`, owner: String(91_000_001 + i) }));

const secrets = ensureDevVars(root);
const { keyFile } = await createTestServiceAccount({ delegatedScopes: ["https://www.googleapis.com/auth/calendar"] });
const emulators = await startEmulators({
  googleKey: keyFile,
  hubspot: {
    owners: REPS.map((r, i) => ({ id: r.owner, email: r.email, firstName: "Rep", lastName: r.name, userId: 5000 + i })),
    rateLimit: { max: 100_000, windowMs: 10_000 },
  },
  google: { users: REPS.filter((r) => r.provider === "google").map((r) => ({ email: r.email, timeZone: r.zone, name: r.name })) },
  microsoft: {
    users: REPS.filter((r) => r.provider === "microsoft").map((r) => ({ userPrincipalName: r.email, timeZone: r.zone, displayName: r.name })),
  },
});
const turnstile = await startTurnstileEmulator();
const server = await startWranglerDev(root, 8797, {
  ENABLE_BENCH_ROUTES: "true",
  DISABLE_INTAKE_RATE_LIMITS: "true",
  DISABLE_BOOKING_RATE_LIMITS: "true",
  HUBSPOT_API_BASE: emulators.urls.hubspot,
  HUBSPOT_ACCESS_TOKEN: "hubspot-dev-token",
  HUBSPOT_RATE_LIMIT: "10000/10s",
  SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
  SLACK_API_BASE: emulators.urls.slack,
  TURNSTILE_SITEVERIFY_URL: turnstile.siteverifyUrl,
  GOOGLE_CALENDAR_API_BASE: emulators.urls.google,
  GOOGLE_SERVICE_ACCOUNT_KEY: Buffer.from(JSON.stringify(emulators.googleKey)).toString("base64"),
  MICROSOFT_GRAPH_API_BASE: emulators.urls.microsoft,
  MICROSOFT_LOGIN_BASE: emulators.urls.microsoft,
});

async function admin(path: string, init: RequestInit = {}) {
  const response = await fetch(server.url + path, {
    ...init,
    headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" },
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>;
}

const everyHour = { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" };
await admin("/admin/policy", {
  method: "PUT",
  body: JSON.stringify({
    ...DEFAULT_POLICY,
    reps: REPS.map((r) => ({
      id: r.id,
      name: r.name,
      owners: { hubspot: r.owner },
      timeZone: r.zone,
      workingHours: everyHour,
      calendar: { provider: r.provider, id: r.email },
    })),
    teams: DEFAULT_POLICY.teams!.map((t) => ({ ...t, members: REPS.map((r) => r.id), fallbackOwners: { hubspot: REPS[0]!.owner } })),
    booking: { ...DEFAULT_POLICY.booking, maxPerDay: 50, minimumNotice: "PT1H" },
  }),
});
await admin("/admin/crm/setup", { method: "POST" });

const run = Date.now().toString(36);
const JSON_HEADERS = { "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" };
const latency = (values: number[]) => ({
  p50Ms: Math.round(percentile(values, 50) ?? 0),
  p99Ms: Math.round(percentile(values, 99) ?? 0),
  n: values.length,
});
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? null : Math.round((a / b) * 10) / 10);
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

// --- the booking links (not timed) ------------------------------------------------------------------
const links: string[] = [];
async function submit(n: number): Promise<void> {
  const response = await fetch(`${server.url}/intake/demo`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({
      email: `visitor.${run}.${n}@northwind-robotics.com`,
      firstName: "Visitor",
      lastName: String(n),
      company: "Northwind Robotics",
      consent_privacy: "2026-01",
      _fill_ms: "8000",
      time_zone: "Europe/Berlin",
      "cf-turnstile-response": DUMMY_TOKEN,
    }),
  });
  const body = (await response.json()) as { bookingUrl?: string };
  if (response.status !== 202 || !body.bookingUrl) throw new Error(`submission ${n}: ${response.status} ${JSON.stringify(body)}`);
  links.push(new URL(body.bookingUrl).pathname);
}
const prepareStarted = Date.now();
for (let i = 0; i < LINKS; i += 20) await Promise.all(Array.from({ length: Math.min(20, LINKS - i) }, (_, k) => submit(i + k)));
// Routed: every link offers times (or says why not).
for (const link of links) {
  for (let tries = 0; ; tries++) {
    const body = (await (await fetch(`${server.url}${link}/slots`)).json()) as { status: string };
    if (body.status !== "pending") break;
    if (tries > 600) throw new Error(`${link} was never routed`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
console.log(`${links.length} booking links routed in ${((Date.now() - prepareStarted) / 1000).toFixed(1)} s`);

// --- the no-op route beside it ------------------------------------------------------------------------
// The same client as the visitors' (fetch, one request at a time per visitor, the same concurrency),
// so the ratios compare the Worker's work and not two load generators.
const noopMs: number[] = [];
let noopFailed = 0;
async function noopVisitor(until: number, into: number[] | null): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    const response = await fetch(`${server.url}/bench/noop`, { method: "POST", headers: JSON_HEADERS, body: "{}" });
    await response.arrayBuffer();
    if (!into) continue;
    if (response.ok) into.push(performance.now() - started);
    else noopFailed++;
  }
}
/** Looking up times alone (no bookings beside them): any routed link, as often as it comes up. */
const aloneMs: number[] = [];
let aloneCalls = 0;
async function lookupVisitor(until: number): Promise<void> {
  while (Date.now() < until) {
    const link = links[Math.floor(Math.random() * links.length)]!;
    const started = performance.now();
    const response = await fetch(`${server.url}${link}/slots?zone=Europe/Berlin`);
    await response.arrayBuffer();
    aloneMs.push(performance.now() - started);
    aloneCalls += Number(response.headers.get("x-bench-calendar-calls") ?? 0);
  }
}
const atConcurrency = async (seconds: number, one: (until: number) => Promise<void>) => {
  const until = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: VISITORS }, () => one(until)));
};
await atConcurrency(2, (until) => noopVisitor(until, null)); // warm-up, not reported
// Alternating rounds, so the machine's drift falls on both alike.
for (let round = 0; round < ROUNDS; round++) {
  await atConcurrency(NOOP_SECONDS / ROUNDS, (until) => noopVisitor(until, noopMs));
  await atConcurrency(NOOP_SECONDS / ROUNDS, lookupVisitor);
}

// --- the visitors (timed) ---------------------------------------------------------------------------
interface Slot {
  start: string;
}
const lookupMs: number[] = [];
const bookMs: number[] = [];
let lookupCalls = 0;
let lookups = 0;
const answers: Record<string, number> = {};
const booked: { link: string; start: string; rep: string }[] = [];
let linksUsed = 0;
let noTimes = 0;
const count = (status: string) => {
  answers[status] = (answers[status] ?? 0) + 1;
};
const pick = (slots: Slot[]) => slots[Math.floor(Math.random() * Math.min(3, slots.length))]!;

async function visitor(deadline: number): Promise<void> {
  while (Date.now() < deadline && linksUsed < links.length) {
    const link = links[linksUsed++]!;
    const attempt = crypto.randomUUID();
    let started = performance.now();
    const response = await fetch(`${server.url}${link}/slots?zone=Europe/Berlin`);
    const offer = (await response.json()) as { status: string; slots?: Slot[] };
    lookupMs.push(performance.now() - started);
    lookups++;
    lookupCalls += Number(response.headers.get("x-bench-calendar-calls") ?? 0);
    if (offer.status !== "open" || !offer.slots?.length) {
      noTimes++;
      continue;
    }
    let slots = offer.slots;
    for (let tries = 0; tries < TRIES && slots.length > 0 && Date.now() < deadline; tries++) {
      const slot = pick(slots);
      started = performance.now();
      const answer = await fetch(`${server.url}${link}`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ slot: slot.start, attempt }),
      });
      const body = (await answer.json()) as { booking?: { rep: string; start: string }; slots?: Slot[] };
      bookMs.push(performance.now() - started);
      count(String(answer.status));
      if (answer.status === 201) {
        booked.push({ link, start: body.booking!.start, rep: body.booking!.rep });
        break;
      }
      if (answer.status !== 409 || !body.slots) break;
      slots = body.slots;
    }
  }
}

await fetch(`${emulators.urls.google}/_emulator/calls`, { method: "DELETE" });
await fetch(`${emulators.urls.microsoft}/_emulator/calls`, { method: "DELETE" });
const deadline = Date.now() + SECONDS * 1000;
await Promise.all(Array.from({ length: VISITORS }, () => visitor(deadline)));
const calendarLog = [
  ...((await (await fetch(`${emulators.urls.google}/_emulator/calls`)).json()) as { path: string }[]),
  ...((await (await fetch(`${emulators.urls.microsoft}/_emulator/calls`)).json()) as { path: string }[]),
];

// --- what the calendars hold ------------------------------------------------------------------------
// Let the follow-ups settle (the events are in before a 201 is answered; this only waits for stragglers).
await new Promise((r) => setTimeout(r, 2_000));
const googleEvents = (await (await fetch(`${emulators.urls.google}/_emulator/events`)).json()) as any[];
const graphEvents = (await (await fetch(`${emulators.urls.microsoft}/_emulator/events`)).json()) as any[];
const live = [
  ...googleEvents
    .filter((e) => e.origin === "api" && e.event.status !== "cancelled")
    .map((e) => ({ calendar: e.calendarId as string, start: Date.parse(e.event.start.dateTime), end: Date.parse(e.event.end.dateTime) })),
  ...graphEvents
    .filter((e) => e.origin === "api" && !e.removed)
    .map((e) => {
      // Graph writes an event's times in the mailbox's zone, without an offset.
      const zone = REPS.find((r) => r.email === e.mailbox)?.zone ?? "UTC";
      const at = (t: string) => DateTime.fromISO(t, { zone }).toMillis();
      return { calendar: e.mailbox as string, start: at(e.event.start.dateTime), end: at(e.event.end.dateTime) };
    }),
];
let doubleBookings = 0;
const byCalendar = new Map<string, { start: number; end: number }[]>();
for (const e of live) byCalendar.set(e.calendar, [...(byCalendar.get(e.calendar) ?? []), e]);
for (const events of byCalendar.values()) {
  events.sort((a, b) => a.start - b.start);
  for (let i = 1; i < events.length; i++) if (events[i]!.start < events[i - 1]!.end) doubleBookings++;
}
// Each 201 has its event, and each event the service made was answered with a 201: per rep, the counts agree.
const bookedByRep = new Map<string, number>();
for (const b of booked) bookedByRep.set(b.rep, (bookedByRep.get(b.rep) ?? 0) + 1);
const eventsByRep = new Map(REPS.map((r) => [r.name, byCalendar.get(r.email)?.length ?? 0]));
const lost = REPS.reduce((n, r) => n + Math.abs((bookedByRep.get(r.name) ?? 0) - (eventsByRep.get(r.name) ?? 0)), 0);
const availabilityCalls = calendarLog.filter((c) => c.path.endsWith("/freeBusy") || c.path.endsWith("/getSchedule")).length;
const bookingAttempts = Object.values(answers).reduce((a, b) => a + b, 0);

const result = {
  bench: "booking",
  visitors: VISITORS,
  reps: REPS.length,
  seconds: SECONDS,
  lookups,
  lookupsWithoutTimes: noTimes,
  bookings: booked.length,
  bookingAnswers: answers,
  bookingsPerSecond: Math.round((booked.length / SECONDS) * 10) / 10,
  doubleBookings,
  lostBookings: lost,
  eventsInCalendars: live.length,
  calendarCallsPerLookup: lookups ? Math.round((lookupCalls / lookups) * 1000) / 1000 : null,
  calendarAvailabilityCalls: { total: availabilityCalls, ofLookups: lookupCalls, ofBookings: availabilityCalls - lookupCalls, bookingAttempts },
  slotsAlone: { ...latency(aloneMs), calendarCallsPerLookup: aloneMs.length ? Math.round((aloneCalls / aloneMs.length) * 1000) / 1000 : null },
  slots: latency(lookupMs),
  book: latency(bookMs),
  noop: { path: "/bench/noop", ...latency(noopMs), failed: noopFailed, seconds: NOOP_SECONDS },
  // Side by side in the same run: how many times the no-op's latency each answer takes (alone, and beside the bookings).
  vsNoop: {
    slotsAloneP50: ratio(percentile(aloneMs, 50), percentile(noopMs, 50)),
    slotsAloneP99: ratio(percentile(aloneMs, 99), percentile(noopMs, 99)),
    slotsP50: ratio(percentile(lookupMs, 50), percentile(noopMs, 50)),
    slotsP99: ratio(percentile(lookupMs, 99), percentile(noopMs, 99)),
    bookP50: ratio(percentile(bookMs, 50), percentile(noopMs, 50)),
    bookP99: ratio(percentile(bookMs, 99), percentile(noopMs, 99)),
  },
};
console.table({
  "GET …/slots alone": {
    p50Ms: result.slotsAlone.p50Ms,
    p99Ms: result.slotsAlone.p99Ms,
    n: result.slotsAlone.n,
    "p50 × no-op": result.vsNoop.slotsAloneP50,
    "p99 × no-op": result.vsNoop.slotsAloneP99,
  },
  "GET …/slots, visitors booking": { ...result.slots, "p50 × no-op": result.vsNoop.slotsP50, "p99 × no-op": result.vsNoop.slotsP99 },
  "POST /book/{token}, visitors booking": { ...result.book, "p50 × no-op": result.vsNoop.bookP50, "p99 × no-op": result.vsNoop.bookP99 },
  "POST /bench/noop": { p50Ms: result.noop.p50Ms, p99Ms: result.noop.p99Ms, n: result.noop.n, "p50 × no-op": 1, "p99 × no-op": 1 },
});
console.log(
  `double bookings ${doubleBookings}, lost bookings ${lost}; ${booked.length} booked of ${lookups} lookups; ${result.calendarCallsPerLookup} calendar calls per lookup`,
);
server.stop();
await Promise.all([emulators.close(), turnstile.close()]);
console.log(JSON.stringify(result));
process.exit(doubleBookings === 0 && lost === 0 ? 0 : 1);
