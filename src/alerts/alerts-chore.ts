import type { Ports } from "../env/ports";
import { listAlerts, saveAlerts } from "../storage/alerts";
import { holidaysAt, holidaysRunningOut } from "../core/policy/holiday-calendars";
import { signInFailuresBetween } from "../storage/console-sign-ins";
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
  validationRuleRefusals,
  holidaysRunOut,
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
  const cal = { zone: policy.timeZone, hours: policy.workingHours, holidays: holidaysAt(policy, now) };
  const leadTypes = [...new Set([...(policy.rules.staleLead?.objectTypes ?? []), ...(policy.rules.cadences?.objectTypes ?? [])])];
  const hours = volumeHours(now, cal.zone);
  const since = new Date(now.getTime() - deps.settings.slaBreach.windowMs).toISOString();
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60_000).toISOString();
  const [dead, refusals, sla, ...volumes] = await db.batch<Record<string, unknown>>([
    db.prepare("select count(*) as n, max(updated_at) as newest from effects where status = 'dead'"),
    db
      .prepare(
        "select count(*) as n, max(at) as newest, (select data ->> 'error' from facts f where f.kind = 'effectDead' and f.reason = 'validationRule' and f.at >= ?1 order by f.at desc limit 1) as error from facts where kind = 'effectDead' and reason = 'validationRule' and at >= ?1",
      )
      .bind(dayAgo),
    db.prepare("select kind, count(*) as n from facts where at >= ?1 and kind in ('slaMet', 'slaBreached') group by kind").bind(since),
    ...hours.map((h) =>
      db
        .prepare(
          "select count(*) as n from facts where at >= ?1 and at < ?2 and kind = 'recordCreated' and object_type in (select value from json_each(?3))",
        )
        .bind(h.start.toISOString(), h.end.toISOString(), JSON.stringify(leadTypes)),
    ),
  ]);
  const previous = await listAlerts(db);
  const submissions = await deadSubmissionsSummary(db);
  const lastCheck = previous.filter((a) => a.id.startsWith("sign-in:")).map((a) => Date.parse(a.evaluatedAt));
  const checkDue = lastCheck.length === 0 || now.getTime() - Math.max(...lastCheck) >= CHECK_EVERY_MS;
  const slaCount = (kind: string) => Number(sla!.results.find((r) => r.kind === kind)?.n ?? 0);
  const conditions: (AlertCondition | null)[] = [
    volumeDrop(
      hours[0]!.start,
      volumes.map((v) => Number(v.results[0]?.n ?? 0)),
      cal,
      deps.settings,
    ),
    deadEffects(Number(dead!.results[0]?.n ?? 0), (dead!.results[0]?.newest as string | null) ?? null),
    validationRuleRefusals(
      Number(refusals!.results[0]?.n ?? 0),
      (refusals!.results[0]?.newest as string | null) ?? null,
      (refusals!.results[0]?.error as string | null) ?? null,
    ),
    deadSubmissions(submissions.count, submissions.newestAt, submissions.newestIds),
    holidaysRunOut(holidaysRunningOut(policy, now)),
    slaBreachRate(slaCount("slaMet"), slaCount("slaBreached"), deps.settings),
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
