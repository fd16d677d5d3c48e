import { DateTime } from "luxon";
import { type BusinessCalendar, isWorkingTime } from "../calendar/calendar";

/**
 * Alerts: conditions a sales manager must hear of, evaluated by the cron, told to Slack once
 * when they start, again after the re-alert interval (or at once when they get worse) while they
 * last, and once when they end. Pure: the cron gathers the inputs and stores the states.
 */
export interface AlertCondition {
  id: string;
  firing: boolean;
  title: string;
  detail: string;
  /** How bad, on the alert's own scale (a share, a count): a higher level is told at once. */
  level: number;
}

export interface AlertState {
  id: string;
  firing: boolean;
  title: string;
  detail: string;
  since: string | null;
  lastSentAt: string | null;
  sentLevel: number | null;
  evaluatedAt: string;
}

export interface AlertSettings {
  reAlertAfterMs: number;
  /** This hour's leads below (1 − drop) of the same hour's average over the last four weeks, when that average is at least minVolume. */
  volume: { drop: number; minVolume: number };
  /** Breached among met + breached SLAs over the window, from minOutcomes outcomes on. */
  slaBreach: { above: number; minOutcomes: number; windowMs: number };
  /** A webhook source that was heard before and not for this long, in business hours. */
  silentAfterMs: number;
  /** Console sign-ins with a wrong admin token within the window: someone may be guessing. */
  signInBurst: { atLeast: number; windowMs: number };
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  reAlertAfterMs: 4 * 60 * 60_000,
  volume: { drop: 0.5, minVolume: 5 },
  slaBreach: { above: 0.25, minOutcomes: 5, windowMs: 24 * 60 * 60_000 },
  silentAfterMs: 2 * 60 * 60_000,
  signInBurst: { atLeast: 10, windowMs: 15 * 60_000 },
};

/** The hour that just ended, and the same hour of the week in each of the four weeks before, in the calendar's zone. */
export function volumeHours(now: Date, zone: string): { start: Date; end: Date }[] {
  const end = DateTime.fromJSDate(now, { zone }).startOf("hour");
  return [0, 1, 2, 3, 4].map((weeks) => {
    const hourEnd = end.minus({ weeks });
    return { start: hourEnd.minus({ hours: 1 }).toJSDate(), end: hourEnd.toJSDate() };
  });
}

/**
 * Lead volume dropping. `counts`: leads in the hour that just ended, then in the same hour one to
 * four weeks back. Null (not judged) when that hour was outside business hours: fewer leads at
 * night is no news.
 */
export function volumeDrop(hourStart: Date, counts: readonly number[], cal: BusinessCalendar, settings: AlertSettings): AlertCondition | null {
  if (!isWorkingTime(hourStart, cal)) return null;
  const [current = 0, ...past] = counts;
  const baseline = past.length ? past.reduce((a, b) => a + b, 0) / past.length : 0;
  const firing = baseline >= settings.volume.minVolume && current < baseline * (1 - settings.volume.drop);
  return {
    id: "lead-volume",
    firing,
    title: "Lead volume dropped",
    detail: `${current} new leads in the hour from ${DateTime.fromJSDate(hourStart, { zone: cal.zone }).toFormat("ccc HH:mm")}; the same hour averaged ${baseline.toFixed(1)} over the last ${past.length} weeks`,
    level: baseline > 0 ? 1 - current / baseline : 0,
  };
}

export function deadEffects(dead: number, newestAt: string | null): AlertCondition {
  return {
    id: "dead-effects",
    firing: dead > 0,
    title: "Effects are dead",
    detail:
      dead > 0 ? `${dead} effect${dead === 1 ? "" : "s"} failed for good (the newest at ${newestAt}); retry them from the console's Outbox` : "none",
    level: dead,
  };
}

/**
 * Writes the CRM account's own validation rules refused (a HubSpot portal's property or
 * conditional rules, enforced on API writes from 2026-09): no retry can help until an admin
 * changes the rule or the policy, so each is a lead missing a task, an owner or a field.
 */
export function validationRuleRefusals(refused: number, newestAt: string | null, newestError: string | null): AlertCondition {
  return {
    id: "validation-rules",
    firing: refused > 0,
    title: "The CRM's validation rules refuse the service's writes",
    detail:
      refused > 0
        ? `${refused} write${refused === 1 ? "" : "s"} refused in the last 24 h (the newest at ${newestAt}: ${newestError}); ` +
          "change the rule in the CRM or the policy, then retry them from the console's Outbox"
        : "none",
    level: refused,
  };
}

/**
 * Holidays running out: a policy's dates are typed once and end (the default policy's at
 * 2027-01-01); deadlines then count days off as working days. Fires while the policy, or a team
 * or rep with its own calendar, has no holiday in the next six months.
 */
export function holidaysRunOut(without: readonly string[]): AlertCondition {
  return {
    id: "holidays",
    firing: without.length > 0,
    title: "No holidays ahead",
    detail:
      without.length > 0
        ? `${without.join(", ")} ${without.length === 1 ? "has" : "have"} no holiday in the next six months: add the year's dates to the policy, or name a public-holiday calendar (holidayCalendar, e.g. "US")`
        : "every calendar has a holiday in the next six months",
    level: without.length,
  };
}

/** Form submissions that could not go on (their lead not written): each one a lead nobody follows up until an admin retries it. */
export function deadSubmissions(dead: number, newestAt: string | null, newestIds: readonly string[]): AlertCondition {
  return {
    id: "dead-submissions",
    firing: dead > 0,
    title: "Form submissions are dead",
    detail:
      dead > 0
        ? `${dead} submission${dead === 1 ? "" : "s"} could not be processed (the newest at ${newestAt}: ${newestIds.join(", ")}); ` +
          "see why at GET /admin/submissions/{id}, then POST /admin/submissions/{id}/retry"
        : "none",
    level: dead,
  };
}

export function slaBreachRate(met: number, breached: number, settings: AlertSettings): AlertCondition {
  const outcomes = met + breached;
  const share = outcomes > 0 ? breached / outcomes : 0;
  return {
    id: "sla-breach-rate",
    firing: outcomes >= settings.slaBreach.minOutcomes && share > settings.slaBreach.above,
    title: "Speed-to-lead SLA breach rate is high",
    detail: `${breached} of ${outcomes} SLAs breached in the last ${Math.round(settings.slaBreach.windowMs / 3_600_000)} h (${(share * 100).toFixed(0)}%; alert above ${(settings.slaBreach.above * 100).toFixed(0)}%)`,
    level: share,
  };
}

/** One alert per webhook source heard before; null for each outside business hours. */
export function silentSources(
  sources: readonly { source: string; lastAt: string }[],
  now: Date,
  cal: BusinessCalendar,
  settings: AlertSettings,
): (AlertCondition | null)[] {
  return sources.map(({ source, lastAt }) => {
    if (!isWorkingTime(now, cal)) return null;
    const silentMs = now.getTime() - Date.parse(lastAt);
    return {
      id: `silent:${source}`,
      firing: silentMs >= settings.silentAfterMs,
      title: `No webhooks from ${source}`,
      detail: `the last one arrived ${Math.floor(silentMs / 60_000)} minutes ago (${lastAt})`,
      level: 1,
    };
  });
}

export function signInFailures(checks: readonly { system: string; signInFailed: boolean; detail: string }[]): AlertCondition[] {
  return checks.map((check) => ({
    id: `sign-in:${check.system}`,
    firing: check.signInFailed,
    title: `${check.system} refuses the service's credentials`,
    detail: check.detail,
    level: check.signInFailed ? 1 : 0,
  }));
}

/** Console sign-ins with a wrong admin token in the window (src/storage/console-sign-ins.ts counts them); judged at any hour. */
export function signInBurst(failures: number, settings: AlertSettings): AlertCondition {
  return {
    id: "console-sign-ins",
    firing: failures >= settings.signInBurst.atLeast,
    title: "Console sign-ins failing",
    detail: `${failures} sign-in${failures === 1 ? "" : "s"} at /console/login with a wrong admin token in the last ${Math.round(settings.signInBurst.windowMs / 60_000)} minutes; the addresses, and the attempts throttled, are in the Worker's logs`,
    // Told again at once only when it grows tenfold: a long attack is not a message every five minutes.
    level: failures > 0 ? Math.floor(Math.log10(failures)) : 0,
  };
}

export interface AlertMessage {
  id: string;
  text: string;
}

/**
 * The next states and what to tell Slack. A condition not judged this time (null: outside
 * business hours) keeps its state and says nothing, so the end of the working day neither
 * resolves nor repeats an alert.
 */
export function nextAlertStates(
  previous: readonly AlertState[],
  conditions: readonly (AlertCondition | null)[],
  now: Date,
  settings: AlertSettings,
): { states: AlertState[]; messages: AlertMessage[] } {
  const at = now.toISOString();
  const before = new Map(previous.map((s) => [s.id, s]));
  const states: AlertState[] = [];
  const messages: AlertMessage[] = [];
  for (const condition of conditions) {
    if (!condition) continue;
    const prev = before.get(condition.id);
    const base = { id: condition.id, title: condition.title, detail: condition.detail, evaluatedAt: at };
    if (condition.firing) {
      const started = !prev?.firing;
      const due = !!prev?.lastSentAt && now.getTime() - Date.parse(prev.lastSentAt) >= settings.reAlertAfterMs;
      const worse = prev?.sentLevel !== null && prev?.sentLevel !== undefined && condition.level > prev.sentLevel;
      const send = started || due || worse;
      if (send)
        messages.push({ id: condition.id, text: `${started ? ":rotating_light:" : ":warning: Still:"} ${condition.title}: ${condition.detail}` });
      states.push({
        ...base,
        firing: true,
        since: started ? at : (prev?.since ?? at),
        lastSentAt: send ? at : (prev?.lastSentAt ?? null),
        sentLevel: send ? condition.level : (prev?.sentLevel ?? null),
      });
    } else {
      if (prev?.firing) messages.push({ id: condition.id, text: `:white_check_mark: Resolved: ${condition.title} (${condition.detail})` });
      states.push({ ...base, firing: false, since: null, lastSentAt: prev?.firing ? at : (prev?.lastSentAt ?? null), sentLevel: null });
    }
  }
  return { states, messages };
}
