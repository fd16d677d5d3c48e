import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { recordFacts } from "../../src/storage/facts";
import { rollUpChunk, rollUpFacts } from "../../src/storage/fact-rollups";
import type { Fact } from "../../src/core/facts/fact";
import { daySpan, daysFrom } from "../../src/core/calendar/days";
import { type MetricFilter, metricRows } from "../../src/storage/metric-rows";
import { overviewOf } from "../../src/metrics/overview";

const ZONE = "America/New_York";
const MIN = 60_000;

let serial = 0;
function fact(kind: Fact["kind"], at: string | number, recordKey: string, dims: Partial<Fact> = {}): Fact {
  return {
    kind,
    key: `seed:${serial++}`,
    at: typeof at === "number" ? new Date(at).toISOString() : at,
    recordKey,
    crm: "hubspot",
    objectType: "contact",
    ...dims,
  } as Fact;
}

/** A lead's life: created, enrolled, its first task `systemMin` later, completed `repMin` after that. */
function lead(n: number, created: string, source: string, systemMin: number, repMin: number | null, rep = "r1"): Fact[] {
  const key = `hubspot:62515:contact:${n}`;
  const t0 = Date.parse(created);
  return [
    fact("recordCreated", created, key),
    fact("enrolled", created, key, { cadence: "inbound", source }),
    fact("taskWritten", t0 + systemMin * MIN, key, { rep, step: "day-0" }),
    ...(repMin === null ? [] : [fact("taskCompleted", t0 + (systemMin + repMin) * MIN, key, { step: "day-0" })]),
  ];
}

/**
 * A seeded history around both DST changes of 2026 in New York: 8 March has 23 hours
 * (05:00Z–04:00Z next day), 1 November has 25 (04:00Z–05:00Z next day).
 */
function history(): Fact[] {
  const other = (n: number) => `hubspot:62515:contact:${n}`;
  return [
    // Day edges: the last millisecond of 7 March, the first and last of the 23-hour 8 March, the first of 9 March.
    fact("recordCreated", "2026-03-08T04:59:59.999Z", other(101)),
    ...lead(1, "2026-03-08T05:00:00.000Z", "demo_request", 1, 60),
    ...lead(2, "2026-03-08T14:00:00.000Z", "demo_request", 2, 30),
    ...lead(3, "2026-03-08T15:00:00.000Z", "webinar_q1", 3, 90, "r2"),
    ...lead(4, "2026-03-08T16:00:00.000Z", "webinar_q1", 4, 120, "r2"),
    ...lead(5, "2026-03-09T03:59:59.999Z", "demo_request", 10, null),
    fact("recordCreated", "2026-03-09T04:00:00.000Z", other(102)),
    // 8 March, the rest of what a day holds.
    ...[1, 2, 3].map((n) => fact("slaMet", "2026-03-08T18:00:00Z", other(n))),
    fact("slaBreached", "2026-03-08T19:00:00Z", other(4), { rep: "r2" }),
    fact("reassigned", "2026-03-08T20:00:00Z", other(1), { rep: "r2", reason: "round robin" }),
    fact("reassigned", "2026-03-08T20:00:00Z", other(2), { rep: "r2", reason: "round robin" }),
    fact("reassigned", "2026-03-08T20:00:00Z", other(3), { rep: "r3", reason: "fallback" }),
    ...[1, 2, 3].map((n) => fact("stepWritten", "2026-03-08T14:05:00Z", other(n), { step: "day-0", rep: "r1" })),
    ...[1, 2].map((n) => fact("stepWritten", "2026-03-08T21:00:00Z", other(n), { step: "day-2", rep: "r1" })),
    fact("cadenceStopped", "2026-03-08T22:00:00Z", other(3), { reason: "replied", step: "day-0" }),
    fact("cadenceStopped", "2026-03-08T22:00:00Z", other(1), { reason: "replied", step: "day-2" }),
    fact("cadenceStopped", "2026-03-08T22:00:00Z", other(2), { reason: "unsubscribed", step: "day-2" }),
    ...[1, 2, 3].map((n) => fact("stageEntered", "2026-03-08T17:00:00Z", `hubspot:62515:deal:${n}`, { objectType: "deal", stage: "contractsent" })),
    fact("gateNudged", "2026-03-08T17:00:00Z", "hubspot:62515:deal:1", { objectType: "deal", gate: "contractsent" }),
    fact("gateReverted", "2026-03-08T23:00:00Z", "hubspot:62515:deal:1", { objectType: "deal", gate: "contractsent", stage: "qualifiedtobuy" }),
    ...[1, 2, 3, 4].map((n) => fact("submissionReceived", "2026-03-08T13:00:00Z", other(n))),
    fact("duplicateSeen", "2026-03-08T13:00:00Z", other(4), { reason: "email" }),
    fact("effectDead", "2026-03-08T12:00:00Z", other(1), { reason: "permanent" }),
    fact("effectDead", "2026-03-08T12:30:00Z", "alerts", { crm: "none", objectType: "none", reason: "transient" }),
    // The 25-hour 1 November: its first hour, its 25th, and the first instant of 2 November.
    fact("recordCreated", "2026-11-01T04:00:00.000Z", other(201)),
    fact("recordCreated", "2026-11-02T04:30:00.000Z", other(202)),
    fact("recordCreated", "2026-11-02T05:00:00.000Z", other(203)),
  ];
}

const MARCH = daysFrom("2026-03-07", "2026-03-09", ZONE);
const NOVEMBER = daysFrom("2026-10-31", "2026-11-02", ZONE);
const teamsOf = (owner: string) => (owner === "r2" ? ["sdr"] : []);

async function overview(days = MARCH, filter: MetricFilter = {}) {
  return overviewOf(
    days.map((d) => d.day),
    await metricRows(env.DB, days, filter),
    teamsOf,
  );
}

/** Everything but speed to lead, which counts up to the last rollup (the cron's, every 5 minutes). */
const counted = (o: Awaited<ReturnType<typeof overview>>) => ({
  ...o,
  speed: null,
  series: o.series.map(({ system: _s, rep: _r, ...rest }) => rest),
});

beforeEach(async () => {
  await env.DB.batch(["facts", "fact_rollups", "lead_timings", "rollup_state"].map((t) => env.DB.prepare(`delete from ${t}`)));
});

describe("days of the policy's zone", () => {
  it("have 23 hours when DST starts and 25 when it ends", () => {
    expect(daySpan("2026-03-08", ZONE)).toEqual({ day: "2026-03-08", start: "2026-03-08T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z" });
    expect(daySpan("2026-11-01", ZONE)).toEqual({ day: "2026-11-01", start: "2026-11-01T04:00:00.000Z", end: "2026-11-02T05:00:00.000Z" });
  });
});

describe("metrics over a seeded history", () => {
  it("count each fact on its local day, DST days included, rolled up or live alike", async () => {
    await recordFacts(env.DB, history());
    const live = await overview();
    const liveNovember = await overview(NOVEMBER);
    await rollUpFacts(env.DB, ZONE, () => new Date("2026-12-01T00:00:00Z"));
    const rolled = await overview();
    expect(counted(rolled)).toEqual(counted(live));
    expect(counted(await overview(NOVEMBER))).toEqual(counted(liveNovember));

    expect(rolled.series.map((s) => [s.day, s.leads])).toEqual([
      ["2026-03-07", 1],
      ["2026-03-08", 5],
      ["2026-03-09", 1],
    ]);
    expect(liveNovember.series.map((s) => [s.day, s.leads])).toEqual([
      ["2026-10-31", 0],
      ["2026-11-01", 2],
      ["2026-11-02", 1],
    ]);
    expect(rolled.totals).toEqual({
      leads: 7,
      submissions: 4,
      duplicates: 1,
      duplicateRate: 0.25,
      tasksWritten: 5,
      slaMet: 3,
      slaBreached: 1,
      slaEscalated: 0,
      breachRate: 0.25,
      reassigned: 3,
      parked: 0,
      deadEffects: 2,
      retriedEffects: 0,
      givenUp: 0,
    });
    expect(rolled.deadByReason).toEqual({ permanent: 1, transient: 1 });
  });

  it("give speed to lead as exact nearest-rank percentiles, split into system and rep time", async () => {
    await recordFacts(env.DB, history());
    await rollUpFacts(env.DB, ZONE, () => new Date("2026-12-01T00:00:00Z"));
    const o = await overview();
    // System: 1, 2, 3, 4, 10 minutes → p50 is the 3rd, p90 the 5th. Rep: 30, 60, 90, 120 (one lead never touched).
    expect(o.speed).toEqual({ system: { p50: 3 * MIN, p90: 10 * MIN, n: 5 }, rep: { p50: 60 * MIN, p90: 120 * MIN, n: 4 } });
    expect(o.series[1]!.system).toEqual({ p50: 3 * MIN, p90: 10 * MIN, n: 5 });
    expect(o.series[0]!.system).toEqual({ p50: null, p90: null, n: 0 });
    // By source (from each lead's enrollment): the webinar leads alone.
    expect((await overview(MARCH, { source: "webinar_q1" })).speed).toEqual({
      system: { p50: 3 * MIN, p90: 4 * MIN, n: 2 },
      rep: { p50: 90 * MIN, p90: 120 * MIN, n: 2 },
    });
    // By rep (the first task's owner) and by team (its members' owner ids).
    expect((await overview(MARCH, { rep: "r1" })).speed.system).toEqual({ p50: 2 * MIN, p90: 10 * MIN, n: 3 });
    expect((await overview(MARCH, { team: { id: "sdr", ownerIds: ["r2"] } })).speed.system.n).toBe(2);
  });

  it("break down reassignments, cadence steps, stages and gates", async () => {
    await recordFacts(env.DB, history());
    const o = await overview();
    expect(o.reassignmentsByRep).toEqual([
      { rep: "r2", received: 2, fallback: 0 },
      { rep: "r3", received: 1, fallback: 1 },
    ]);
    expect(o.reassignmentsByTeam).toEqual([{ team: "sdr", received: 2 }]);
    expect(o.cadences).toEqual([
      {
        cadence: "inbound",
        enrolled: 5,
        finished: 0,
        stopped: { replied: 2, unsubscribed: 1 },
        steps: [
          { step: "day-0", written: 3, replies: 1, replyRate: 1 / 3, stops: { replied: 1 } },
          { step: "day-2", written: 2, replies: 1, replyRate: 0.5, stops: { replied: 1, unsubscribed: 1 } },
        ],
      },
    ]);
    expect(o.stages).toEqual([{ stage: "contractsent", entered: 3 }]);
    expect(o.gates).toEqual([{ gate: "contractsent", nudged: 1, reverted: 1 }]);
    // Filtered by cadence: facts that do not name it take it from the lead's enrollment.
    expect((await overview(MARCH, { cadence: "inbound" })).totals.slaMet).toBe(3);
    expect((await overview(MARCH, { cadence: "nurture" })).totals.leads).toBe(0);
  });

  it("count nothing twice: a redelivered fact is ignored, and chunked rollups equal one pass", async () => {
    const facts = history();
    expect(await recordFacts(env.DB, facts)).toBe(facts.length);
    expect(await recordFacts(env.DB, facts)).toBe(0);
    const once = counted(await overview());
    // Three facts per chunk, with queries between chunks (part rolled up, part live).
    for (let run = await rollUpChunk(env.DB, ZONE, new Date(), 3); run; run = await rollUpChunk(env.DB, ZONE, new Date(), 3)) {
      expect(counted(await overview())).toEqual(once);
    }
    expect((await overview()).speed.system).toEqual({ p50: 3 * MIN, p90: 10 * MIN, n: 5 });
    // A new policy zone rebuilds the rollups in its own days.
    await rollUpFacts(env.DB, "Europe/Berlin", () => new Date());
    const berlin = daysFrom("2026-03-07", "2026-03-09", "Europe/Berlin");
    expect((await overview(berlin)).series.map((s) => s.leads)).toEqual([0, 5, 2]);
  });
});
