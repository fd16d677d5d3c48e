import type { Ports } from "../env/ports";
import { listAlerts, saveAlerts } from "../storage/alerts";
import { signInFailuresBetween } from "../storage/console-sign-ins";
import { deadEffectsSummary } from "../storage/effects";
import { recordsCreatedIn, slaOutcomes } from "../storage/facts";
import { deadSubmissionsSummary } from "../storage/intake-submissions";
import { activePolicy } from "../storage/policies";
import { webhookArrivals } from "../storage/webhook-arrivals";
import type { EffectRequest } from "../core/model/effects";
import { type ConnectionCheck, checkConnections } from "./connection-check";
import {
  type AlertCondition,
  type AlertSettings,
  DEFAULT_ALERT_SETTINGS,
  deadEffects,
  deadSubmissions,
  nextAlertStates,
  signInBurst,
  signInFailures,
  silentSources,
  slaBreachRate,
  volumeDrop,
  volumeHours,
} from "../core/alerts/alerts";

/** Signing in is checked at most this often (the check calls each system once). */
const CHECK_EVERY_MS = 15 * 60_000;

export interface AlertDeps {
  settings: AlertSettings;
  checkConnections: (ports: Pick<Ports, "config" | "crm" | "slack">) => Promise<ConnectionCheck[]>;
}

/**
 * Cron: evaluates every alert, stores the states the console shows, and queues what Slack must
 * hear as postSlackMessage effects to ALERTS_SLACK_CHANNEL (retried like any effect). Messages
 * are queued before the states are stored: a failure in between repeats a message rather than
 * losing one.
 */
export async function evaluateAlerts(
  env: Pick<Env, "DB">,
  ports: Pick<Ports, "config" | "crm" | "slack" | "storeEffects">,
  now: Date,
  deps: AlertDeps = { settings: DEFAULT_ALERT_SETTINGS, checkConnections },
): Promise<{ firing: string[]; messages: number }> {
  const db = env.DB;
  const { config } = ports;
  const { policy } = await activePolicy(db);
  const cal = { zone: policy.timeZone, hours: policy.workingHours, holidays: policy.holidays };
  const leadTypes = [...new Set([...(policy.rules.staleLead?.objectTypes ?? []), ...(policy.rules.cadences?.objectTypes ?? [])])];
  const hours = volumeHours(now, cal.zone);
  const since = new Date(now.getTime() - deps.settings.slaBreach.windowMs);
  const [dead, sla, volumes] = await Promise.all([deadEffectsSummary(db), slaOutcomes(db, since), recordsCreatedIn(db, hours, leadTypes)]);
  const previous = await listAlerts(db);
  const submissions = await deadSubmissionsSummary(db);
  const lastCheck = previous.filter((a) => a.id.startsWith("sign-in:")).map((a) => Date.parse(a.evaluatedAt));
  const checkDue = lastCheck.length === 0 || now.getTime() - Math.max(...lastCheck) >= CHECK_EVERY_MS;
  const conditions: (AlertCondition | null)[] = [
    volumeDrop(hours[0]!.start, volumes, cal, deps.settings),
    deadEffects(dead.count, dead.newestAt),
    deadSubmissions(submissions.count, submissions.newestAt, submissions.newestIds),
    slaBreachRate(sla.met, sla.breached, deps.settings),
    ...silentSources(await webhookArrivals(db), now, cal, deps.settings),
    signInBurst(await signInFailuresBetween(db, new Date(now.getTime() - deps.settings.signInBurst.windowMs), now), deps.settings),
    ...(checkDue ? signInFailures(await deps.checkConnections(ports)) : []),
  ];
  const { states, messages } = nextAlertStates(previous, conditions, now, deps.settings);
  const channel = config.ALERTS_SLACK_CHANNEL;
  if (channel && messages.length > 0) {
    const requests: EffectRequest[] = messages.map((m) => ({
      idempotencyKey: `alert:${m.id}:${now.toISOString()}`,
      leadKey: "alerts",
      rule: "alerts",
      effect: { type: "postSlackMessage", channel, text: m.text },
    }));
    await ports.storeEffects(requests);
  }
  await saveAlerts(db, states);
  return { firing: states.filter((s) => s.firing).map((s) => s.id), messages: messages.length };
}
