import type { CrmEvent } from "../core/model/crm-event";
import { recentlyActiveRecords } from "../storage/records";
import type { VersionedPolicy } from "../core/policy/policy";
import { type SimulationResult, simulate } from "../core/rules/simulate";

/** The records a dry run replays: the most recently active ones, with every event they have. */
const MAX_RECORDS = 100;
/** /admin/simulate's own ceiling. */
const MAX_EVENTS = 5_000;

/** Kinds a dry run replays; associations and Slack clicks are left out (nobody clicks in a dry run). */
const REPLAYED = new Set<CrmEvent["kind"]>(["created", "propertyChanged", "deleted", "emailReceived", "submitted"]);

/** The real events of the records active in the last `days` days (their whole history, so state is rebuilt). */
export async function recentEvents(env: Pick<Env, "DB" | "RECORDS">, now: Date, days: number): Promise<CrmEvent[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const keys = await recentlyActiveRecords(env.DB, since, MAX_RECORDS);
  const snapshots = await Promise.all(keys.map((key) => env.RECORDS.getByName(key).snapshot()));
  const events = snapshots
    .flatMap((s) => s?.events ?? [])
    .filter((e) => REPLAYED.has(e.kind))
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return events.slice(-MAX_EVENTS);
}

/** One record whose decisions differ between the active policy and the candidate. */
export interface DecisionDifference {
  recordKey: string;
  current: string[];
  candidate: string[];
}

/** What each record went through: its decisions in order, with the effects each one asked for. */
function decisionsByRecord(result: SimulationResult): Map<string, string[]> {
  const byRecord = new Map<string, string[]>();
  for (const entry of result.timeline) {
    const effects = entry.effectDetails.map((e) => e.type);
    const line = `${entry.at.slice(0, 16).replace("T", " ")} ${entry.rule}: ${entry.outcome}${effects.length ? ` → ${effects.join(", ")}` : ""}`;
    byRecord.set(entry.recordKey, [...(byRecord.get(entry.recordKey) ?? []), line]);
  }
  return byRecord;
}

/** The records the candidate policy would have treated differently, and how. Pure. */
export function compareRuns(current: SimulationResult, candidate: SimulationResult): DecisionDifference[] {
  const a = decisionsByRecord(current);
  const b = decisionsByRecord(candidate);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .map((recordKey) => ({ recordKey, current: a.get(recordKey) ?? [], candidate: b.get(recordKey) ?? [] }))
    .filter((d) => d.current.join("\n") !== d.candidate.join("\n"));
}

export interface DryRun {
  days: number;
  records: number;
  events: number;
  differences: DecisionDifference[];
  decisions: { current: number; candidate: number };
}

/** Replays the last days of real events under both policies, up to now; nothing is stored or sent. */
export async function dryRun(
  env: Pick<Env, "DB" | "RECORDS">,
  active: VersionedPolicy,
  candidate: VersionedPolicy,
  now: Date,
  days: number,
): Promise<DryRun> {
  const events = await recentEvents(env, now, days);
  if (events.length === 0) return { days, records: 0, events: 0, differences: [], decisions: { current: 0, candidate: 0 } };
  const [current, next] = await Promise.all([simulate(events, active, now), simulate(events, candidate, now)]);
  return {
    days,
    records: new Set(events.map((e) => e.recordKey)).size,
    events: events.length,
    differences: compareRuns(current, next),
    decisions: { current: current.timeline.length, candidate: next.timeline.length },
  };
}
