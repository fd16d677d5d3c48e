import { EMAIL_FACT_KINDS, type FactKind } from "../core/facts/fact";
import type { CountRow, MetricRows, PercentileRow } from "../storage/metric-rows";

/** A share, or null when there is nothing to divide by (not 0%: nothing happened). */
export const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  /** Leads measured. */
  n: number;
}

export interface DaySeries {
  day: string;
  leads: number;
  slaMet: number;
  slaBreached: number;
  breachRate: number | null;
  deadEffects: number;
  reassigned: number;
  system: Percentiles;
  rep: Percentiles;
}

export interface StepOutcome {
  step: string;
  written: number;
  replies: number;
  /** Replies while this was the latest step written, per lead that got the step. */
  replyRate: number | null;
  stops: Record<string, number>;
  /** A step that sends: its emails sent, those that became tasks instead, and what became of the sent ones. */
  emails: EmailOutcome;
}

export interface EmailOutcome {
  sent: number;
  notSent: number;
  delivered: number;
  /** Hard and soft. */
  bounced: number;
  hardBounced: number;
  complained: number;
  unsubscribed: number;
  /** Meetings booked while this was the latest step. */
  meetings: number;
  bounceRate: number | null;
}

/** Per source: what its leads' emails came to. */
export interface SourceOutcome {
  source: string;
  emails: EmailOutcome;
  replies: number;
  replyRate: number | null;
}

export interface Overview {
  days: string[];
  totals: {
    leads: number;
    submissions: number;
    duplicates: number;
    duplicateRate: number | null;
    tasksWritten: number;
    slaMet: number;
    slaBreached: number;
    slaEscalated: number;
    breachRate: number | null;
    reassigned: number;
    parked: number;
    deadEffects: number;
    retriedEffects: number;
    givenUp: number;
  };
  speed: { system: Percentiles; rep: Percentiles };
  series: DaySeries[];
  /** Per rep (owner id): leads received by reassignment, lost to it, and of those received the fallbacks. */
  reassignmentsByRep: { rep: string; received: number; fallback: number }[];
  reassignmentsByTeam: { team: string; received: number }[];
  cadences: { cadence: string; enrolled: number; finished: number; stopped: Record<string, number>; steps: StepOutcome[] }[];
  /** Email outcomes and replies per lead source, with the bounce rate (seed 000: "bounce rate per source"). */
  emailsBySource: SourceOutcome[];
  stages: { stage: string; entered: number }[];
  gates: { gate: string; nudged: number; reverted: number }[];
  deadByReason: Record<string, number>;
}

const sum = (rows: readonly CountRow[], kind: FactKind) => rows.reduce((n, r) => (r.kind === kind ? n + r.n : n), 0);

function percentiles(rows: readonly PercentileRow[], day: string, metric: "system" | "rep"): Percentiles {
  const of = rows.filter((r) => r.day === day && r.metric === metric);
  return { p50: of.find((r) => r.p === 50)?.ms ?? null, p90: of.find((r) => r.p === 90)?.ms ?? null, n: of[0]?.n ?? 0 };
}

function grouped<K extends string>(rows: readonly CountRow[], key: (r: CountRow) => K | "", kinds: readonly FactKind[]): Map<K, CountRow[]> {
  const groups = new Map<K, CountRow[]>();
  for (const row of rows) {
    const k = key(row);
    if (k === "" || !kinds.includes(row.kind)) continue;
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return groups;
}

/**
 * The overview's figures from the counted facts and the speed-to-lead percentiles. Pure: the
 * same rows give the same figures. `teamsOf` names the teams an owner id belongs to (from the
 * policy), for reassignments per team.
 */
export function overviewOf(days: readonly string[], rows: MetricRows, teamsOf: (ownerId: string) => string[]): Overview {
  const { counts } = rows;
  const total = (kind: FactKind) => sum(counts, kind);
  const submissions = total("submissionReceived");
  const duplicates = total("duplicateSeen");
  const slaMet = total("slaMet");
  const slaBreached = total("slaBreached");

  const byDay = grouped(counts, (r) => r.day, [
    "recordCreated",
    "slaMet",
    "slaBreached",
    "effectDead",
    "reassigned",
  ] as const satisfies readonly FactKind[]);
  const series = days.map((day): DaySeries => {
    const of = byDay.get(day) ?? [];
    return {
      day,
      leads: sum(of, "recordCreated"),
      slaMet: sum(of, "slaMet"),
      slaBreached: sum(of, "slaBreached"),
      breachRate: rate(sum(of, "slaBreached"), sum(of, "slaMet") + sum(of, "slaBreached")),
      deadEffects: sum(of, "effectDead"),
      reassigned: sum(of, "reassigned"),
      system: percentiles(rows.percentiles, day, "system"),
      rep: percentiles(rows.percentiles, day, "rep"),
    };
  });

  const reassignments = grouped(counts, (r) => r.rep, ["reassigned"]);
  const reassignmentsByRep = [...reassignments]
    .map(([rep, of]) => ({ rep, received: sum(of, "reassigned"), fallback: of.filter((r) => r.reason === "fallback").reduce((n, r) => n + r.n, 0) }))
    .sort((a, b) => b.received - a.received || a.rep.localeCompare(b.rep));
  const byTeam = new Map<string, number>();
  for (const { rep, received } of reassignmentsByRep) for (const team of teamsOf(rep)) byTeam.set(team, (byTeam.get(team) ?? 0) + received);

  const cadenceKinds = ["enrolled", "stepWritten", "cadenceStopped", "cadenceFinished", ...EMAIL_FACT_KINDS] as const satisfies readonly FactKind[];
  const cadences = [...grouped(counts, (r) => r.cadence, cadenceKinds)]
    .map(([cadence, of]) => {
      const stopped: Record<string, number> = {};
      for (const r of of) if (r.kind === "cadenceStopped") stopped[r.reason] = (stopped[r.reason] ?? 0) + r.n;
      const steps = [...grouped(of, (r) => r.step, ["stepWritten", "cadenceStopped", ...EMAIL_FACT_KINDS])].map(([step, stepRows]): StepOutcome => {
        const stops: Record<string, number> = {};
        for (const r of stepRows) if (r.kind === "cadenceStopped") stops[r.reason] = (stops[r.reason] ?? 0) + r.n;
        const written = sum(stepRows, "stepWritten");
        const emails = emailOutcome(stepRows.map((r) => ({ kind: r.kind, reason: r.reason, n: r.n })));
        return { step, written, replies: stops.replied ?? 0, replyRate: rate(stops.replied ?? 0, written), stops, emails };
      });
      return { cadence, enrolled: sum(of, "enrolled"), finished: sum(of, "cadenceFinished"), stopped, steps };
    })
    .sort((a, b) => a.cadence.localeCompare(b.cadence));

  const stages = [...grouped(counts, (r) => r.stage, ["stageEntered"])]
    .map(([stage, of]) => ({ stage, entered: sum(of, "stageEntered") }))
    .sort((a, b) => b.entered - a.entered || a.stage.localeCompare(b.stage));
  const gates = [...grouped(counts, (r) => r.gate, ["gateNudged", "gateReverted"])]
    .map(([gate, of]) => ({ gate, nudged: sum(of, "gateNudged"), reverted: sum(of, "gateReverted") }))
    .sort((a, b) => a.gate.localeCompare(b.gate));
  const deadByReason: Record<string, number> = {};
  for (const r of counts) if (r.kind === "effectDead") deadByReason[r.reason] = (deadByReason[r.reason] ?? 0) + r.n;

  const sources = new Map<string, { kind: FactKind; reason: string; n: number }[]>();
  for (const r of rows.bySource ?? []) sources.set(r.source, [...(sources.get(r.source) ?? []), r]);
  const emailsBySource = [...sources]
    .map(([source, of]): SourceOutcome => {
      const emails = emailOutcome(of);
      const replies = of.filter((r) => r.kind === "cadenceStopped" && r.reason === "replied").reduce((n, r) => n + r.n, 0);
      return { source: source || "(none)", emails, replies, replyRate: rate(replies, emails.sent) };
    })
    .filter((s) => s.emails.sent + s.emails.notSent > 0)
    .sort((a, b) => b.emails.sent - a.emails.sent || a.source.localeCompare(b.source));

  return {
    days: [...days],
    totals: {
      leads: total("recordCreated"),
      submissions,
      duplicates,
      duplicateRate: rate(duplicates, submissions),
      tasksWritten: total("taskWritten"),
      slaMet,
      slaBreached,
      slaEscalated: total("slaEscalated"),
      breachRate: rate(slaBreached, slaMet + slaBreached),
      reassigned: total("reassigned"),
      parked: total("parked"),
      deadEffects: total("effectDead"),
      retriedEffects: total("effectRetried"),
      givenUp: total("ruleGivenUp"),
    },
    speed: { system: percentiles(rows.percentiles, "*", "system"), rep: percentiles(rows.percentiles, "*", "rep") },
    series,
    reassignmentsByRep,
    reassignmentsByTeam: [...byTeam].map(([team, received]) => ({ team, received })).sort((a, b) => b.received - a.received),
    cadences,
    emailsBySource,
    stages,
    gates,
    deadByReason,
  };
}

/** What a set of counted facts says about emails; the bounce rate counts hard and soft bounces of the emails sent. */
function emailOutcome(rows: readonly { kind: FactKind; reason: string; n: number }[]): EmailOutcome {
  const count = (kind: FactKind, reason?: string) =>
    rows.reduce((n, r) => (r.kind === kind && (reason === undefined || r.reason === reason) ? n + r.n : n), 0);
  const sent = count("emailSent");
  const bounced = count("emailBounced");
  return {
    sent,
    notSent: count("emailNotSent"),
    delivered: count("emailDelivered"),
    bounced,
    hardBounced: count("emailBounced", "hard"),
    complained: count("emailComplained"),
    unsubscribed: count("emailUnsubscribed"),
    meetings: count("cadenceStopped", "meeting booked"),
    bounceRate: rate(bounced, sent),
  };
}
