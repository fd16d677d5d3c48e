import { recentlyActiveRecords } from "../storage/records";
import type { VersionedPolicy } from "../core/policy/policy";
import type { AuditEntry } from "../core/rules/rule";
import { type DecisionDifference, decisionCount, differencesBetween, differencesFromLive } from "../core/rules/replay-parity";
import { sameRotation } from "../core/routing/routing";
import type { RunRecording } from "../core/rules/run-recording";
import { type HistoryEvent, type SimulationResult, simulate } from "../core/rules/simulate";

/** The records a dry run replays: the most recently active ones, with every event they have. */
const MAX_RECORDS = 100;
/** /admin/simulate's own ceiling. */
const MAX_EVENTS = 5_000;

/** What the records recorded: their events as received, what each rule run saw, and what they decided. */
export interface RecordedHistory {
  events: HistoryEvent[];
  runs: Map<string, RunRecording[]>;
  audit: Map<string, AuditEntry[]>;
}

/** The recorded history of the records active in the last `days` days (their whole history, so state is rebuilt). */
export async function recentHistory(env: Pick<Env, "DB" | "RECORDS">, now: Date, days: number): Promise<RecordedHistory> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const keys = await recentlyActiveRecords(env.DB, since, MAX_RECORDS);
  const snapshots = await Promise.all(keys.map((key) => env.RECORDS.getByName(key).snapshot()));
  const history: RecordedHistory = { events: [], runs: new Map(), audit: new Map() };
  for (const snapshot of snapshots) {
    if (!snapshot) continue;
    history.events.push(...snapshot.events);
    history.runs.set(snapshot.state.key, snapshot.runs);
    history.audit.set(snapshot.state.key, snapshot.audit);
  }
  history.events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  // Whole records or nothing: a record cut in half would replay a history it never had.
  while (history.events.length > MAX_EVENTS) {
    const oldest = history.events[0]!.recordKey;
    history.events = history.events.filter((e) => e.recordKey !== oldest);
    history.runs.delete(oldest);
    history.audit.delete(oldest);
  }
  return history;
}

export interface DryRun {
  days: number;
  records: number;
  events: number;
  /** Records the edited policy would have treated differently from the active one. */
  differences: DecisionDifference[];
  decisions: { current: number; candidate: number };
  /**
   * The check that the replay is true to life: the records whose every decision was made under
   * the active policy, replayed under it, and where that disagrees with what they decided live
   * (there should be nothing).
   */
  live: { records: number; decisions: number; differences: DecisionDifference[] };
}

/**
 * Replays the last days of recorded history up to now: under the active policy (which must agree
 * with what happened live) and under the candidate. Both are given what the live runs saw: the
 * CRM's answers, the instants, the random draws, and the rotation's picks for every team whose
 * rotation the candidate leaves as it is. Nothing is stored or sent.
 */
export async function dryRun(
  env: Pick<Env, "DB" | "RECORDS">,
  active: VersionedPolicy,
  candidate: VersionedPolicy,
  now: Date,
  days: number,
): Promise<DryRun> {
  const history = await recentHistory(env, now, days);
  if (history.events.length === 0) {
    return {
      days,
      records: 0,
      events: 0,
      differences: [],
      decisions: { current: 0, candidate: 0 },
      live: { records: 0, decisions: 0, differences: [] },
    };
  }
  const [current, next] = await Promise.all([
    simulate(history.events, active, now, { recorded: history.runs }),
    simulate(history.events, candidate, now, {
      recorded: history.runs,
      replayRoute: (answer) => sameRotation(active.policy, candidate.policy, answer.teamId),
    }),
  ]);
  return {
    days,
    records: history.audit.size,
    events: history.events.length,
    differences: differencesBetween(current, next),
    decisions: { current: decisionCount(current.timeline), candidate: decisionCount(next.timeline) },
    live: liveCheck(history.audit, current, active.version),
  };
}

/**
 * The replay under the active policy against the live decisions of the records that only ever ran
 * under it and recorded their runs, up to their last recorded run (what comes after has not happened yet).
 */
function liveCheck(audit: ReadonlyMap<string, readonly AuditEntry[]>, replay: SimulationResult, version: number): DryRun["live"] {
  const until = replay.recordedUntil ?? {};
  const checked = new Map(
    [...audit].filter(([recordKey, entries]) => until[recordKey] && entries.every((e) => e.rule === "rules" || e.policyVersion === version)),
  );
  const timeline = replay.timeline.filter((t) => checked.has(t.recordKey) && t.turn <= until[t.recordKey]!);
  return {
    records: checked.size,
    decisions: [...checked.values()].reduce((n, entries) => n + decisionCount(entries), 0),
    differences: differencesFromLive(checked, { ...replay, timeline }),
  };
}
