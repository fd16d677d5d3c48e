import { z } from "zod";
import type { Config } from "../env/config";
import type { People } from "./people";
import { stageKey, stageOrder } from "./labels";
import type { Policy } from "../core/policy/policy";
import { dayOf, daysFrom } from "../core/calendar/days";
import { type MetricFilter, metricRows } from "../storage/metric-rows";
import { type Overview, overviewOf } from "../metrics/overview";
import { type BookingFigures, bookingFigures } from "../metrics/booking-metrics";
import { type AlertRow, listAlerts } from "../storage/alerts";
import { countEffectsByStatus, hubspotTargets } from "../storage/effects";
import type { EffectStatus } from "../core/model/effects";

const Day = z.iso.date();
const blank = (v: unknown) => (v === "" ? undefined : v);

export const OverviewQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30),
  to: z.preprocess(blank, Day.optional()),
  from: z.preprocess(blank, Day.optional()),
  source: z.preprocess(blank, z.string().max(200).optional()),
  cadence: z.preprocess(blank, z.string().max(200).optional()),
  rep: z.preprocess(blank, z.string().max(200).optional()),
  team: z.preprocess(blank, z.string().max(200).optional()),
});
export type OverviewQuery = z.infer<typeof OverviewQuery>;

export interface CallQuota {
  target: string;
  inWindow: number;
  /** The quota paced by now: the configured one within the product's share of the account. */
  max: number;
  windowMs: number;
  pausedUntil: number;
  configuredMax?: number;
  shareReason?: string;
  /** How the account (all its apps) stood on the newest answer. */
  account?: { windowMax?: number; windowRemaining?: number; dailyMax?: number; dailyRemaining?: number } | null;
}

export interface OverviewPage {
  query: OverviewQuery;
  /** The zone the days are counted in (the rollups'): the policy's. */
  rollupZone: string;
  people: People;
  /** The rep the figures are narrowed to, when the filter names one. */
  repId?: string;
  /** One row per rep, both CRMs' owner ids folded; owners no rep has keep a row of their own. */
  reassignmentsByRep: { name: string; received: number; fallback: number }[];
  /** Stages by the CRM's label, in the pipeline's order. */
  stages: { label: string; entered: number }[];
  stageLabel: (stage: string) => string;
  /** Cadences by name, their steps in the policy's order. */
  cadences: (Overview["cadences"][number] & { name: string })[];
  from: string;
  to: string;
  overview: Overview;
  /** Booking on the spot: offers, bookings, speed to meeting (src/metrics/booking-metrics.ts). */
  booking: BookingFigures;
  policy: Policy;
  rolledAt: string | null;
  effects: Record<EffectStatus, number>;
  alerts: AlertRow[];
  quotas: CallQuota[];
  now: string;
  serverMs: number;
}

/** The owner ids of a team's members, in every CRM: a team's figures are its members'. */
export function teamOwnerIds(policy: Policy, teamId: string): string[] {
  const team = policy.teams.find((t) => t.id === teamId);
  const members = new Set(team?.members ?? []);
  return policy.reps.filter((r) => members.has(r.id)).flatMap((r) => Object.values(r.owners).filter((o): o is string => !!o));
}

export function teamsOfOwner(policy: Policy): (ownerId: string) => string[] {
  return (ownerId) => {
    const rep = policy.reps.find((r) => Object.values(r.owners).includes(ownerId));
    return rep ? policy.teams.filter((t) => t.members.includes(rep.id)).map((t) => t.id) : [];
  };
}

/** Call quota targets the console shows: the accounts this deployment writes to, and Slack. */
function quotaTargets(config: Config): { target: string; quota: Config["HUBSPOT_RATE_LIMIT"] }[] {
  const targets: { target: string; quota: Config["HUBSPOT_RATE_LIMIT"] }[] = [];
  if (config.HUBSPOT_ACCESS_TOKEN) targets.push({ target: "hubspot", quota: config.HUBSPOT_RATE_LIMIT });
  if (config.SALESFORCE_ORG_ID) targets.push({ target: `salesforce:${config.SALESFORCE_ORG_ID}`, quota: config.SALESFORCE_RATE_LIMIT });
  if (config.SLACK_BOT_TOKEN) targets.push({ target: "slack", quota: config.SLACK_RATE_LIMIT });
  return targets;
}

export async function loadOverview(
  env: Env,
  config: Config,
  query: OverviewQuery,
  now: Date,
  clock: () => number,
  people: People,
): Promise<OverviewPage> {
  const started = clock();
  const policy = people.policy;
  const zone = policy.timeZone;
  // The rep filter names a rep (all their owner ids, in either CRM) or, as before, one owner id.
  const rep = people.rep(query.rep);
  const to = query.to ?? dayOf(now, zone);
  const days = daysFrom(query.from ?? shiftDay(to, -(query.days - 1)), to, zone);
  const filter: MetricFilter = {
    source: query.source,
    cadence: query.cadence,
    rep: rep ? Object.values(rep.owners).filter((o): o is string => !!o) : query.rep,
    team: query.team ? { id: query.team, ownerIds: teamOwnerIds(policy, query.team) } : undefined,
  };
  const [rows, booking, effects, alerts, portals, order] = await Promise.all([
    metricRows(env.DB, days, filter),
    bookingFigures(env.DB, days, filter),
    countEffectsByStatus(env.DB),
    listAlerts(env.DB),
    hubspotTargets(env.DB),
    stageOrder(env.DB),
  ]);
  const targets = quotaTargets(config).flatMap((t) => (t.target === "hubspot" ? portals.map((target) => ({ ...t, target })) : [t]));
  const quotas = await Promise.all(
    targets.map(async ({ target, quota }) => ({ target, ...(await env.RATE_LIMITER.getByName(target).usage(quota)) })),
  );
  const overview = overviewOf(
    days.map((d) => d.day),
    rows,
    teamsOfOwner(policy),
  );
  return {
    query,
    rollupZone: zone,
    people,
    ...(rep ? { repId: rep.id } : {}),
    reassignmentsByRep: foldByRep(overview.reassignmentsByRep, people),
    ...stagesOf(overview, people, order),
    cadences: cadencesOf(overview, people),
    from: days[0]?.day ?? to,
    to,
    overview,
    booking: { ...booking, byRep: foldBookingByRep(booking.byRep, people) },
    policy,
    rolledAt: rows.rolledAt,
    effects,
    alerts,
    quotas,
    now: now.toISOString(),
    serverMs: clock() - started,
  };
}

function shiftDay(day: string, by: number): string {
  const at = new Date(`${day}T12:00:00Z`);
  at.setUTCDate(at.getUTCDate() + by);
  return at.toISOString().slice(0, 10);
}

/** Reassignments per rep: a rep's HubSpot and Salesforce owner ids are one row, by the rep's name. */
/** Booking rates per rep by name (a rep's owner ids in either CRM are one row), keyed by the name. */
function foldBookingByRep(rows: BookingFigures["byRep"], people: People): BookingFigures["byRep"] {
  const byName = new Map<string, { offered: number; booked: number }>();
  for (const row of rows) {
    const name = people.ownerName(row.key);
    const entry = byName.get(name) ?? { offered: 0, booked: 0 };
    entry.offered += row.offered;
    entry.booked += row.booked;
    byName.set(name, entry);
  }
  return [...byName]
    .map(([key, { offered, booked }]) => ({ key, offered, booked, rate: offered > 0 ? booked / offered : null }))
    .sort((a, b) => b.booked - a.booked || b.offered - a.offered || a.key.localeCompare(b.key));
}

function foldByRep(rows: Overview["reassignmentsByRep"], people: People): OverviewPage["reassignmentsByRep"] {
  const byName = new Map<string, { name: string; received: number; fallback: number }>();
  for (const row of rows) {
    const name = people.ownerName(row.rep);
    const entry = byName.get(name) ?? { name, received: 0, fallback: 0 };
    entry.received += row.received;
    entry.fallback += row.fallback;
    byName.set(name, entry);
  }
  return [...byName.values()].sort((a, b) => b.received - a.received || a.name.localeCompare(b.name));
}

/** Stage ids by the CRMs' labels (HubSpot's deal stages, Salesforce's StageName), in the pipelines' order. */
function stagesOf(overview: Overview, people: People, order: Map<string, number>): Pick<OverviewPage, "stages" | "stageLabel"> {
  const where = (stage: string): { crm: "hubspot" | "salesforce"; objectType: string; property: string } => {
    const hubspot = { crm: "hubspot" as const, objectType: "deal", property: "dealstage" };
    const salesforce = { crm: "salesforce" as const, objectType: "opportunity", property: "StageName" };
    return order.has(stageKey("salesforce", "opportunity", "StageName", stage)) ? salesforce : hubspot;
  };
  const stageLabel = (stage: string) => {
    const w = where(stage);
    return people.label(w.crm, w.objectType, w.property, stage);
  };
  const position = (stage: string) => {
    const w = where(stage);
    return order.get(stageKey(w.crm, w.objectType, w.property, stage)) ?? Number.MAX_SAFE_INTEGER;
  };
  const stages = [...overview.stages]
    .sort((a, b) => position(a.stage) - position(b.stage) || b.entered - a.entered)
    .map((s) => ({ label: stageLabel(s.stage), entered: s.entered }));
  return { stages, stageLabel };
}

/** Cadences by name, with their steps in the order the policy runs them (then any it no longer has). */
function cadencesOf(overview: Overview, people: People): OverviewPage["cadences"] {
  const policyCadences = people.policy.rules.cadences?.cadences ?? [];
  return overview.cadences.map((c) => {
    const steps = policyCadences.find((p) => p.id === c.cadence)?.steps.map((s) => s.id) ?? [];
    const place = (step: string) => (steps.includes(step) ? steps.indexOf(step) : steps.length);
    return {
      ...c,
      name: people.cadenceName(c.cadence),
      steps: [...c.steps].sort((a, b) => place(a.step) - place(b.step) || a.step.localeCompare(b.step)),
    };
  });
}
