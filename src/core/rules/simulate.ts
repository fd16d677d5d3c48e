import { z } from "zod";
import { type CrmEvent, parseRecordKey, RecordKey } from "../model/crm-event";
import { localTime } from "./cadence/cadence-schedule";
import { decide, type RuleShell, type Trigger } from "./decide";
import { effectId } from "../model/effect-id";
import type { EffectRequest } from "../model/effects";
import type { VersionedPolicy } from "../policy/policy";
import { applyEvent, emptyRecordState, type RecordState } from "../model/record-state";
import { EMPTY_ROUTING_STATE, route, type RoutingState } from "../routing/routing";
import type { AuditEntry } from "./rule";
import type { CadenceState, RuleState } from "./rule-state";

/** An event as an admin writes it for a dry run: the record, what happened, when. */
export const SimulatedEvent = z.object({
  recordKey: RecordKey,
  occurredAt: z.iso.datetime(),
  kind: z.enum(["created", "propertyChanged", "deleted", "emailReceived"]),
  properties: z.record(z.string(), z.string().nullable()).default({}),
  fromThisIntegration: z.boolean().default(false),
  /** For emailReceived: the reply's subject. */
  subject: z.string().default("Re: follow-up"),
});
export type SimulatedEvent = z.infer<typeof SimulatedEvent>;

export interface TimelineEntry extends AuditEntry {
  recordKey: string;
  trigger: string;
  effectDetails: EffectRequest["effect"][];
}

export interface SimulationResult {
  timeline: TimelineEntry[];
  /** Deadlines still pending at the end instant, per record. */
  pending: { recordKey: string; timer: string; at: string }[];
  /** Each enrolled record's cadence plan: the step times an admin checks before enabling it. */
  cadences: CadencePlan[];
  /** The emails the cadences would send, rendered, at their times (nothing is sent in a dry run). */
  emails: SimulatedEmail[];
}

export interface SimulatedEmail {
  recordKey: string;
  cadence: string;
  step: string;
  /** When it would go (the step's due time), and that time in the lead's zone. */
  at: string;
  local: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo?: string;
}

export interface CadencePlan {
  recordKey: string;
  cadenceId: string;
  zone: string;
  zoneReason: string;
  status: CadenceState["status"];
  steps: (CadenceState["steps"][number] & { local: string })[];
  sla?: CadenceState["sla"];
}

interface SimRecord {
  record: RecordState | null;
  rules: RuleState;
  timers: Record<string, string>;
}

/** An admin's events as the records would receive them. */
export function simulatedCrmEvents(events: readonly SimulatedEvent[]): CrmEvent[] {
  return events.map(toCrmEvent);
}

function toCrmEvent(e: SimulatedEvent, i: number): CrmEvent {
  const { crm, accountId, objectType, objectId } = parseRecordKey(e.recordKey);
  const base = {
    dedupeKey: `simulation:${i}`,
    recordKey: e.recordKey,
    crm,
    accountId,
    objectType,
    objectId,
    occurredAt: e.occurredAt,
    changedBy: { source: "simulation" },
    fromThisIntegration: e.fromThisIntegration,
    via: crm === "hubspot" ? ("hubspot-webhook" as const) : ("salesforce-cdc" as const),
  };
  if (e.kind === "deleted") return { ...base, kind: "deleted", privacy: false };
  if (e.kind === "emailReceived")
    return { ...base, kind: "emailReceived", messageId: `simulation-${i}`, from: "lead@simulation", subject: e.subject };
  return e.kind === "created"
    ? { ...base, kind: "created", properties: e.properties }
    : { ...base, kind: "propertyChanged", properties: e.properties, snapshot: false };
}

/** What our own writes would do to the simulated CRM, so later fresh reads see them. */
function applyOwnEffects(record: RecordState, effects: EffectRequest[], at: string): RecordState {
  let next = record;
  for (const { effect } of effects) {
    const properties =
      effect.type === "updateProperties"
        ? effect.properties
        : effect.type === "assignOwner"
          ? { [record.crm === "hubspot" ? "hubspot_owner_id" : "OwnerId"]: effect.ownerId }
          : null;
    if (!properties) continue;
    next = applyEvent(next, {
      kind: "propertyChanged",
      dedupeKey: "simulation:own",
      recordKey: record.key,
      crm: record.crm,
      accountId: record.accountId,
      objectType: record.objectType,
      objectId: record.objectId,
      occurredAt: at,
      changedBy: { source: "simulation" },
      fromThisIntegration: true,
      via: "hubspot-webhook",
      properties,
      snapshot: false,
    });
  }
  return next;
}

/**
 * The dry run: the same decide() the records run, on a simulated clock that jumps from one
 * event or deadline to the next until `until`. Fresh reads answer from the simulated record,
 * routing uses a fresh rotation; nothing is stored, sent or written.
 */
export async function simulate(events: readonly CrmEvent[], policy: VersionedPolicy, until: Date): Promise<SimulationResult> {
  const records = new Map<string, SimRecord>();
  const routing = new Map<string, RoutingState>();
  const timeline: TimelineEntry[] = [];
  const queue: { at: string; recordKey: string; trigger: Trigger; order: number }[] = events.map((event, i) => ({
    at: event.occurredAt,
    recordKey: event.recordKey,
    trigger: { kind: "event", event },
    order: i,
  }));
  let order = events.length;
  const tasksWritten = new Set<string>();
  const emails: SimulatedEmail[] = [];

  /** Fresh reads answer from the simulated record; nobody completes a task in a dry run. */
  const shellFor = (record: RecordState, at: Date): RuleShell => ({
    read: async (properties) => ({ properties: Object.fromEntries(properties.map((p) => [p, record.properties[p]?.value ?? null])) }),
    route: async (teamId, excludeOwnerId) => {
      const { decision, state } = route(routing.get(teamId) ?? EMPTY_ROUTING_STATE, {
        policy: policy.policy,
        teamId,
        crm: record.crm,
        excludeOwnerId,
        now: at,
      });
      routing.set(teamId, state);
      return decision;
    },
    tasks: async (keys) => keys.filter((k) => tasksWritten.has(k)).map((key) => ({ key, status: "open" as const })),
  });

  for (;;) {
    queue.sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order);
    const next = queue.shift();
    if (!next || next.at > until.toISOString()) break;
    const sim = records.get(next.recordKey) ?? { record: null, rules: {}, timers: {} };
    records.set(next.recordKey, sim);
    if (next.trigger.kind === "event") {
      sim.record = applyEvent(sim.record ?? emptyRecordState(next.trigger.event), next.trigger.event);
    } else if (sim.timers[next.trigger.name] !== next.at) {
      continue; // this deadline was moved or cancelled after it was queued
    }
    if (!sim.record) continue;
    const now = new Date(next.at);
    const run = await decide(sim.rules, next.trigger, { record: sim.record, now, policy, random: () => 0.5 }, shellFor(sim.record, now));
    sim.rules = run.state;
    for (const e of run.effects) if (e.effect.type === "createTask") tasksWritten.add(effectId(e.idempotencyKey));
    for (const { effect } of run.effects) {
      if (effect.type !== "sendEmail") continue;
      emails.push({
        recordKey: next.recordKey,
        cadence: effect.cadence,
        step: effect.step,
        at: effect.dueAt,
        local: localTime(effect.dueAt, effect.leadCalendar.zone),
        from: effect.from.name ? `${effect.from.name} <${effect.from.address}>` : effect.from.address,
        to: effect.to.address,
        subject: effect.subject,
        text: effect.text,
        messageId: effect.messageId,
        ...(effect.inReplyTo ? { inReplyTo: effect.inReplyTo } : {}),
      });
    }
    sim.record = applyOwnEffects(sim.record, run.effects, next.at);
    const trigger = next.trigger.kind === "event" ? `event:${next.trigger.event.kind}` : `timer:${next.trigger.name}`;
    for (const entry of run.audit) {
      timeline.push({
        ...entry,
        recordKey: next.recordKey,
        trigger,
        effectDetails: run.effects.filter((e) => entry.effects.includes(e.idempotencyKey)).map((e) => e.effect),
      });
    }
    for (const [name, at] of Object.entries(run.timers)) {
      if (at) {
        sim.timers[name] = at;
        queue.push({ at, recordKey: next.recordKey, trigger: { kind: "timer", name }, order: order++ });
      } else delete sim.timers[name];
    }
  }
  const pending = [...records].flatMap(([recordKey, sim]) => Object.entries(sim.timers).map(([timer, at]) => ({ recordKey, timer, at })));
  const cadences = [...records].flatMap(([recordKey, sim]) => {
    const c = sim.rules.cadence;
    if (!c) return [];
    return [
      {
        recordKey,
        cadenceId: c.cadenceId,
        zone: c.zone,
        zoneReason: c.zoneReason,
        status: c.status,
        steps: c.steps.map((step) => ({ ...step, local: localTime(step.dueAt, c.zone) })),
        sla: c.sla,
      },
    ];
  });
  return { timeline, pending, cadences, emails };
}
