import { z } from "zod";
import type { Config } from "../env/config";
import { activePolicy } from "../storage/policies";
import type { Policy } from "../core/policy/policy";
import { dayOf, daysFrom } from "../core/calendar/days";
import { type MetricFilter, metricRows } from "../metrics/metrics-queries";
import { type Overview, overviewOf } from "../metrics/overview";
import { type BookingFigures, bookingFigures } from "../metrics/booking-metrics";
import { type AlertRow, listAlerts } from "../storage/alerts";
import { countEffectsByStatus } from "../storage/effects";
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
  max: number;
  windowMs: number;
  pausedUntil: number;
}

export interface OverviewPage {
  query: OverviewQuery;
  zone: string;
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

/** HubSpot's limiter is per portal: the portals seen in the outbox. */
async function hubspotTargets(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare("select distinct target from effects where target like 'hubspot:%' limit 10").all<{ target: string }>();
  return results.map((r) => r.target);
}

export async function loadOverview(env: Env, config: Config, query: OverviewQuery, now: Date, clock: () => number): Promise<OverviewPage> {
  const started = clock();
  const { policy } = await activePolicy(env.DB);
  const zone = policy.timeZone;
  const to = query.to ?? dayOf(now, zone);
  const days = daysFrom(query.from ?? shiftDay(to, -(query.days - 1)), to, zone);
  const filter: MetricFilter = {
    source: query.source,
    cadence: query.cadence,
    rep: query.rep,
    team: query.team ? { id: query.team, ownerIds: teamOwnerIds(policy, query.team) } : undefined,
  };
  const [rows, booking, effects, alerts, portals] = await Promise.all([
    metricRows(env.DB, days, filter),
    bookingFigures(env.DB, days, filter),
    countEffectsByStatus(env.DB),
    listAlerts(env.DB),
    hubspotTargets(env.DB),
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
    zone,
    from: days[0]?.day ?? to,
    to,
    overview,
    booking,
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
