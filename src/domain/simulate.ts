import { z } from "zod";
import { type CrmEvent, parseRecordKey, RecordKey } from "./crm-event";
import { localTime } from "./cadence-schedule";
import type { AuditEntry, CadenceState, RuleInput, RuleState, TimerName } from "./decision";
import type { EffectRequest } from "./effects";
import type { VersionedPolicy } from "./policy";
import { applyEvent, emptyRecordState, type RecordState } from "./record-state";
import { EMPTY_ROUTING_STATE, route, type RoutingState } from "./routing";
import { runRules } from "./rule-runner";

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
  pending: { recordKey: string; timer: TimerName; at: string }[];
  /** Each enrolled record's cadence plan: the step times an admin checks before enabling it. */
  cadences: CadencePlan[];
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
  timers: Partial<Record<TimerName, string>>;
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
export async function simulate(events: SimulatedEvent[], policy: VersionedPolicy, until: Date): Promise<SimulationResult> {
  const records = new Map<string, SimRecord>();
  const routing = new Map<string, RoutingState>();
  const timeline: TimelineEntry[] = [];
  const queue: { at: string; recordKey: string; input: RuleInput; order: number }[] = events.map((e, i) => ({
    at: e.occurredAt,
    recordKey: e.recordKey,
    input: { kind: "crmEvent", event: toCrmEvent(e, i) },
    order: i,
  }));
  let order = events.length;
  const tasksWritten = new Set<string>();

  const shell = {
    readRecord: async (record: RecordState, properties: string[]) => ({
      id: record.objectId,
      properties: Object.fromEntries(properties.map((p) => [p, record.properties[p]?.value ?? null])),
    }),
    route: async (teamId: string, request: Parameters<typeof route>[1]) => {
      const { decision, state } = route(routing.get(teamId) ?? EMPTY_ROUTING_STATE, request);
      routing.set(teamId, state);
      return decision;
    },
    // Nobody completes a task in a dry run: every task written is still open.
    findTasks: async (_record: RecordState, keys: string[]) =>
      keys.filter((k) => tasksWritten.has(k)).map((key) => ({ key, status: "open" as const })),
  };

  for (;;) {
    queue.sort((a, b) => a.at.localeCompare(b.at) || a.order - b.order);
    const next = queue.shift();
    if (!next || next.at > until.toISOString()) break;
    const sim = records.get(next.recordKey) ?? { record: null, rules: {}, timers: {} };
    records.set(next.recordKey, sim);
    if (next.input.kind === "crmEvent") {
      sim.record = applyEvent(sim.record ?? emptyRecordState(next.input.event), next.input.event);
    } else if (next.input.kind === "timer" && sim.timers[next.input.name] !== next.at) {
      continue; // this deadline was moved or cancelled after it was queued
    }
    if (!sim.record) continue;
    const run = await runRules(sim.rules, next.input, sim.record, policy, new Date(next.at), shell, () => 0.5);
    sim.rules = run.state;
    for (const e of run.effects) if (e.effect.type === "createTask") tasksWritten.add(e.idempotencyKey);
    sim.record = applyOwnEffects(sim.record, run.effects, next.at);
    const trigger = next.input.kind === "crmEvent" ? `event:${next.input.event.kind}` : `timer:${next.input.kind === "timer" ? next.input.name : ""}`;
    for (const entry of run.audit) {
      timeline.push({
        ...entry,
        recordKey: next.recordKey,
        trigger,
        effectDetails: run.effects.filter((e) => entry.effects.includes(e.idempotencyKey)).map((e) => e.effect),
      });
    }
    for (const [name, at] of Object.entries(run.timers) as [TimerName, string | null][]) {
      if (at) {
        sim.timers[name] = at;
        queue.push({ at, recordKey: next.recordKey, input: { kind: "timer", name }, order: order++ });
      } else delete sim.timers[name];
    }
  }
  const pending = [...records].flatMap(([recordKey, sim]) =>
    (Object.entries(sim.timers) as [TimerName, string][]).map(([timer, at]) => ({ recordKey, timer, at })),
  );
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
  return { timeline, pending, cadences };
}
