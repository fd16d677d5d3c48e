import type { EffectRow } from "../storage/schema";
import type { CrmEvent } from "../core/model/crm-event";
import type { AuditEntry } from "../core/rules/rule";
import type { Policy } from "../core/policy/policy";

/** One line of a lead's journey: what came in, what the rules decided and why, what was done. */
export interface JourneyEntry {
  at: string;
  kind: "event" | "decision" | "effect";
  title: string;
  detail: string;
  /** Decisions: the policy version that made them. */
  policyVersion?: number;
  /** Name/value pairs worth showing (a decision's data, an effect's CRM id and error). */
  facts: [string, string][];
  status?: string;
}

export interface RecordView {
  events: (CrmEvent & { receivedAt: string })[];
  audit: AuditEntry[];
  pendingWakeups: { name: string; dueAt: string }[];
}

const show = (value: unknown): string => (Array.isArray(value) ? value.join(", ") : value === null || value === undefined ? "–" : String(value));

function eventDetail(event: CrmEvent): string {
  switch (event.kind) {
    case "created":
    case "propertyChanged": {
      const changes = Object.entries(event.properties).map(([name, value]) => `${name} = ${value ?? "(empty)"}`);
      return changes.length ? changes.join("; ") : "no properties in the event";
    }
    case "merged":
      return `survivor ${event.survivorId}; merged ${event.mergedIds.join(", ")}`;
    case "associationChanged":
      return `${event.removed ? "removed" : "added"} ${event.associationType} → ${event.toObjectId}`;
    case "emailReceived":
      return `"${event.subject}" from ${event.from}`;
    case "meetingBooked":
      return `meeting at ${event.startsAt} (booking ${event.bookingId})`;
    case "slackAction":
      return `${event.action} on step ${event.stepId} by ${event.userId}`;
    default:
      return "";
  }
}

/**
 * The lead's journey as one timeline, oldest first: its events (with who changed what), the
 * rules' decisions with their reasons, data and policy version, and the effects with their
 * status, attempts, CRM ids and errors. Owner ids in a decision's data are shown with the rep's
 * name when the policy knows it.
 */
export function journeyOf(record: RecordView, effects: readonly EffectRow[], policy: Policy): JourneyEntry[] {
  const repName = (owner: unknown) => {
    const rep = typeof owner === "string" ? policy.reps.find((r) => Object.values(r.owners).includes(owner)) : undefined;
    return rep ? `${rep.name} (${owner})` : show(owner);
  };
  const OWNER_KEYS = new Set(["from", "to", "ownerId"]);
  const entries: JourneyEntry[] = [
    ...record.events.map(
      (e): JourneyEntry => ({
        at: e.occurredAt,
        kind: "event",
        title: `${e.kind}${e.fromThisIntegration ? " (our own change)" : ""}`,
        detail: eventDetail(e),
        facts: [
          ["via", e.via],
          ["received", e.receivedAt],
          ...(e.changedBy.source ? [["changed by", `${e.changedBy.source}${e.changedBy.id ? ` ${e.changedBy.id}` : ""}`] as [string, string]] : []),
        ],
      }),
    ),
    ...record.audit.map(
      (a): JourneyEntry => ({
        at: a.at,
        kind: "decision",
        title: `${a.rule}: ${a.outcome}`,
        detail: a.reason,
        policyVersion: a.policyVersion,
        facts: Object.entries(a.data)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, OWNER_KEYS.has(k) ? repName(v) : show(v)]),
      }),
    ),
    ...effects.map(
      (e): JourneyEntry => ({
        at: e.createdAt,
        kind: "effect",
        title: `${e.type} (${e.rule})`,
        detail: e.idempotencyKey,
        status: e.status,
        facts: [
          ["attempts", String(e.attempts)],
          ...(e.externalId ? [["CRM id", e.externalId] as [string, string]] : []),
          ...(e.lastError ? [["error", e.lastError] as [string, string]] : []),
          ["updated", e.updatedAt],
        ],
      }),
    ),
  ];
  const order = { event: 0, decision: 1, effect: 2 };
  return entries.sort((a, b) => a.at.localeCompare(b.at) || order[a.kind] - order[b.kind]);
}
