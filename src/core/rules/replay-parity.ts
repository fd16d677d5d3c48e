import type { AuditEntry } from "./rule";
import type { SimulationResult, TimelineEntry } from "./simulate";

/** One record whose decisions differ between two runs (the live one and a replay, or two policies), and how. */
export interface DecisionDifference {
  recordKey: string;
  current: AuditEntry[];
  candidate: AuditEntry[];
}

/**
 * A decision as two runs are compared by: when, which rule, what and why, and the effects it
 * asked for by their keys. The engine's own entries (a run given up) are no decision of a rule.
 */
const isDecision = (entry: AuditEntry) => entry.rule !== "rules";
export const decisionLine = (entry: AuditEntry): string =>
  `${entry.at} ${entry.rule}: ${entry.outcome} (${entry.reason})${entry.effects.length ? ` → ${entry.effects.join(", ")}` : ""}`;

function byRecord(entries: Iterable<[string, AuditEntry]>): Map<string, AuditEntry[]> {
  const decisions = new Map<string, AuditEntry[]>();
  for (const [recordKey, entry] of entries) {
    if (!isDecision(entry)) continue;
    const list = decisions.get(recordKey);
    if (list) list.push(entry);
    else decisions.set(recordKey, [entry]);
  }
  return decisions;
}

const same = (a: readonly AuditEntry[], b: readonly AuditEntry[]) =>
  a.length === b.length && a.every((e, i) => decisionLine(e) === decisionLine(b[i]!));

function differences(a: Map<string, AuditEntry[]>, b: Map<string, AuditEntry[]>): DecisionDifference[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .map((recordKey) => ({ recordKey, current: a.get(recordKey) ?? [], candidate: b.get(recordKey) ?? [] }))
    .filter((d) => !same(d.current, d.candidate));
}

const timelineEntries = (timeline: readonly TimelineEntry[]): [string, AuditEntry][] => timeline.map((t) => [t.recordKey, t]);

/**
 * Where a replay of recorded history disagrees with what the records decided live: under the
 * policy they ran with, there must be none (the replay sees the answers, draws and instants the
 * live runs saw). `live` holds each record's audit, oldest first.
 */
export function differencesFromLive(live: ReadonlyMap<string, readonly AuditEntry[]>, replay: SimulationResult): DecisionDifference[] {
  const recorded = [...live].flatMap(([recordKey, audit]) => audit.map((entry): [string, AuditEntry] => [recordKey, entry]));
  return differences(byRecord(recorded), byRecord(timelineEntries(replay.timeline)));
}

/** The records the candidate policy would have treated differently from the current one, and how. */
export function differencesBetween(current: SimulationResult, candidate: SimulationResult): DecisionDifference[] {
  return differences(byRecord(timelineEntries(current.timeline)), byRecord(timelineEntries(candidate.timeline)));
}

/** How many decisions a run made (the engine's own entries left out). */
export const decisionCount = (entries: readonly AuditEntry[]) => entries.filter(isDecision).length;
