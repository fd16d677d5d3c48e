import type { EffectRow } from "../storage/schema";
import type { CrmEvent } from "../core/model/crm-event";
import type { Effect } from "../core/model/effects";
import type { AuditEntry } from "../core/rules/rule";
import type { People } from "./people";
import { effectWords, eventWords, fieldName, localTimesIn, ruleName } from "./words";
import { localInstant } from "./format";

/** One line of a lead's journey: what came in, what the rules decided and why, what was done. */
export interface JourneyEntry {
  at: string;
  kind: "event" | "decision" | "effect";
  /** What happened, in words. */
  title: string;
  detail: string;
  /** Decisions: the policy version that made them. */
  policyVersion?: number;
  /** Name/value pairs worth showing, in words. */
  facts: [string, string][];
  /** The ids behind it (record key, effect id, idempotency key, CRM id): shown on request. */
  ids: [string, string][];
  status?: string;
}

export interface RecordView {
  events: (CrmEvent & { receivedAt: string })[];
  audit: AuditEntry[];
  pendingWakeups: { name: string; dueAt: string }[];
}

/** Decision data keys that name an owner, and how to say them. */
const OWNER_KEYS: Record<string, string> = { from: "from", to: "to", ownerId: "owner", previousOwner: "before" };
/** Data that is an id or a repetition of the reason: kept with the ids, not in the facts. */
const ID_KEYS = new Set(["submissionId", "work", "trigger", "code", "steps", "tasks", "activityAt", "routing_reason"]);

/**
 * The lead's journey as one timeline, oldest first: its events (who changed what, owners by name,
 * values by their labels), the rules' decisions with their reasons and policy version, and the
 * effects in words with their status. Times in the text are the viewer's zone; the ids behind
 * each line go to `ids`, one click away.
 */
export function journeyOf(record: RecordView, effects: readonly EffectRow[], people: People, zone: string): JourneyEntry[] {
  const crm = record.events[0]?.crm;
  const show = (key: string, value: unknown): string => {
    if (value === null || value === undefined) return "–";
    if (Array.isArray(value)) return value.map((v) => show(key, v)).join(", ");
    if (key in OWNER_KEYS) return people.ownerName(String(value), crm);
    return localTimesIn(String(value), zone);
  };
  const entries: JourneyEntry[] = [
    ...record.events.map((e): JourneyEntry => {
      const words = eventWords(people, e);
      return {
        at: e.occurredAt,
        kind: "event",
        title: words.title,
        detail: words.detail,
        facts: [["received", localInstant(e.receivedAt, zone)]],
        ids: [
          ["delivery", e.dedupeKey],
          ["via", e.via],
          ...(e.changedBy.id ? [["changed by", `${e.changedBy.source ?? ""} ${e.changedBy.id}`.trim()] as [string, string]] : []),
        ],
      };
    }),
    ...record.audit.map(
      (a): JourneyEntry => ({
        at: a.at,
        kind: "decision",
        title: `${ruleName(a.rule)}: ${a.outcome}`,
        detail: localTimesIn(a.reason, zone),
        policyVersion: a.policyVersion,
        facts: Object.entries(a.data)
          .filter(([k, v]) => v !== undefined && v !== null && !ID_KEYS.has(k))
          .map(([k, v]): [string, string] => [OWNER_KEYS[k] ?? (crm ? fieldName(crm, k) : k), show(k, v)]),
        ids: [
          ...Object.entries(a.data)
            .filter(([k, v]) => v !== undefined && ID_KEYS.has(k))
            .map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(", ") : String(v)]),
          ...a.effects.map((key): [string, string] => ["effect key", key]),
        ],
      }),
    ),
    ...effects.map((e): JourneyEntry => {
      const effect = JSON.parse(e.payload) as Effect;
      return {
        at: e.createdAt,
        kind: "effect",
        title: effectWords(people, effect, zone),
        detail: e.lastError ? `last error: ${e.lastError}` : "",
        status: e.status,
        facts: [
          ["by", ruleName(e.rule)],
          ["attempts", String(e.attempts)],
          ["updated", localInstant(e.updatedAt, zone)],
        ],
        ids: [["effect", e.id], ["key", e.idempotencyKey], ...(e.externalId ? [["CRM id", e.externalId] as [string, string]] : [])],
      };
    }),
  ];
  const order = { event: 0, decision: 1, effect: 2 };
  return entries.sort((a, b) => a.at.localeCompare(b.at) || order[a.kind] - order[b.kind]);
}
