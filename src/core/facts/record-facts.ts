import type { Crm, CrmEvent } from "../model/crm-event";
import type { AuditEntry, AuditValue } from "../rules/rule";
import type { Fact } from "./fact";

/** Where each CRM keeps a deal's stage, unless the policy's stage gates name another property. */
export const STAGE_PROPERTY: Record<Crm, string> = { hubspot: "dealstage", salesforce: "StageName" };

const text = (value: AuditValue): string | null => (typeof value === "string" && value !== "" ? value : null);

/** The step of a cadence task key (`{record}:cadence:{cadence}:{step}`), the form cadence.rule's stepTaskKey gives. */
export function stepOfTaskKey(key: string): string | null {
  const match = /:cadence:[^:]+:([^:]+)$/.exec(key);
  return match ? match[1]! : null;
}

/**
 * The facts in a rule run's audit entries. Pure: the record object calls it with each run's
 * audit and stores the result with recordFacts. Keys come from the effects an entry names (the
 * effects' idempotency keys are stable across re-runs), else from what makes the outcome unique
 * for the record, so a run repeated after a crash records nothing twice.
 */
export function factsFromAudit(recordKey: string, crm: Crm, objectType: string, entries: readonly AuditEntry[]): Fact[] {
  const facts: Fact[] = [];
  for (const entry of entries) {
    const base = { at: entry.at, recordKey, crm, objectType };
    const d = entry.data;
    const keyed = (kind: string, unique: string) => `${recordKey}:${kind}:${entry.effects[0] ?? unique}`;
    switch (`${entry.rule}/${entry.outcome}`) {
      case "cadence/enrolled": {
        const cadence = text(d.cadence);
        if (cadence) facts.push({ ...base, kind: "enrolled", key: keyed("enrolled", cadence), cadence, source: text(d.source) });
        break;
      }
      case "cadence/step written": {
        const step = text(d.step);
        if (step)
          facts.push({
            ...base,
            kind: "stepWritten",
            key: keyed("step-written", step),
            step,
            rep: text(d.ownerId),
            data: { channel: text(d.channel), dueAt: text(d.dueAt) },
          });
        break;
      }
      case "cadence/step done": {
        const step = text(d.step);
        facts.push({ ...base, kind: "taskCompleted", key: `${recordKey}:task-completed:${step}`, step });
        break;
      }
      case "cadence/SLA met":
        facts.push({ ...base, kind: "slaMet", key: `${recordKey}:sla-met` });
        break;
      case "cadence/SLA breached":
        // A snooze moves the deadline, and a second miss is a second breach.
        facts.push({ ...base, kind: "slaBreached", key: `${recordKey}:sla-breached:${text(d.dueAt) ?? entry.at}`, rep: text(d.ownerId) });
        break;
      case "cadence/SLA escalated":
        facts.push({ ...base, kind: "slaEscalated", key: keyed("sla-escalated", entry.at) });
        break;
      case "cadence/stopped":
      case "cadence/paused": {
        const reason = entry.outcome === "paused" ? "paused" : (text(d.reason) ?? "unknown");
        const open = Array.isArray(d.tasks) ? d.tasks : [];
        // A paused cadence can still stop later (its open tasks close): the lead is counted once.
        facts.push({
          ...base,
          kind: "cadenceStopped",
          key: `${recordKey}:cadence-stopped`,
          reason,
          step: open.length > 0 ? stepOfTaskKey(open[open.length - 1]!) : null,
          data: { evidence: text(d.evidence) },
        });
        break;
      }
      case "cadence/finished":
        facts.push({ ...base, kind: "cadenceFinished", key: `${recordKey}:cadence-finished` });
        break;
      case "stale-lead/reassigned":
      case "stale-lead/fallback": {
        const to = text(d.to);
        facts.push({
          ...base,
          kind: "reassigned",
          key: keyed("reassigned", entry.at),
          rep: to,
          reason: entry.outcome === "reassigned" ? "round robin" : "fallback",
          data: { from: text(d.from), routingReason: text(d.routing_reason) },
        });
        break;
      }
      case "stale-lead/parked":
        facts.push({ ...base, kind: "parked", key: keyed("parked", entry.at), rep: text(d.ownerId), reason: text(d.status) });
        break;
      case "stale-lead/clock reset": {
        // A reset by our own reassignment has no activity time; only a rep's activity counts.
        const activityAt = text(d.activityAt);
        if (activityAt) facts.push({ ...base, kind: "activityLogged", key: `${recordKey}:activity:${activityAt}`, at: activityAt });
        break;
      }
      case "stage-gate/nudged":
        facts.push({
          ...base,
          kind: "gateNudged",
          key: keyed("gate-nudged", entry.at),
          gate: text(d.stage),
          data: { missing: Array.isArray(d.missing) ? d.missing.join(", ") : null },
        });
        break;
      case "stage-gate/reverted": {
        const gate = text(d.from);
        if (gate) facts.push({ ...base, kind: "gateReverted", key: keyed("gate-reverted", entry.at), gate, stage: text(d.to) });
        break;
      }
      case "rules/given up":
        facts.push({ ...base, kind: "ruleGivenUp", key: `${recordKey}:given-up:${text(d.work) ?? entry.at}`, reason: text(d.work) });
        break;
    }
  }
  return facts;
}

/**
 * The facts of events as the record object stores them (new ones only: duplicates were already
 * dropped). `first` is true for the record's first event: that is when the record is created
 * for the service, at the CRM's creation time when the event is the creation.
 */
export function factsFromEvent(event: CrmEvent, first: boolean, stageProperty: string = STAGE_PROPERTY[event.crm]): Fact[] {
  const base = { recordKey: event.recordKey, crm: event.crm, objectType: event.objectType };
  const facts: Fact[] = [];
  if (first || event.kind === "created") {
    // Keyed by the record: a creation event arriving after an earlier change does not count it again.
    facts.push({ ...base, kind: "recordCreated", key: `${event.recordKey}:created`, at: event.occurredAt });
  }
  const stage = event.kind === "created" || event.kind === "propertyChanged" ? event.properties[stageProperty] : undefined;
  if (stage && !event.fromThisIntegration) {
    facts.push({ ...base, kind: "stageEntered", key: `${event.recordKey}:stage:${event.dedupeKey}`, at: event.occurredAt, stage });
  }
  return facts;
}
