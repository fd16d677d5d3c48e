import { z } from "zod";
import { type CrmEvent, parseRecordKey, RecordKey } from "../model/crm-event";
import { localTime } from "./cadence/cadence-schedule";
import { decide, type RuleShell, type Trigger } from "./decide";
import { effectId } from "../model/effect-id";
import type { EffectRequest } from "../model/effects";
import type { VersionedPolicy } from "../policy/policy";
import { applyEvent, applyFreshRead, emptyRecordState, type RecordState } from "../model/record-state";
import { EMPTY_ROUTING_STATE, route, type RoutingState } from "../routing/routing";
import type { AuditEntry } from "./rule";
import type { CadenceState, RuleState } from "./rule-state";
import { RecordedAnswers, readsOf, recordedRandom, type RouteReplay, type RunRecording } from "./run-recording";

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
  /** The idempotency keys of those effects, as the live audit names them. */
  effectKeys: string[];
  /** When the run came in the replay (its instant, or a recorded run's place after the one before it). */
  turn: string;
}

interface QueueEntry {
  /** The run's instant: its `now`. */
  at: string;
  /** When it comes in the replay: its instant, or for a recorded run never before the one recorded before it. */
  turn: string;
  /** A recorded run's place among its record's runs: runs at one turn go in the order they ran live. */
  index: number;
  recordKey: string;
  trigger: Trigger;
  order: number;
  /** A timer's deadline (its run may be later: when the live alarm ran it). */
  due?: string;
  recording?: RunRecording;
}

/** At one instant the record object runs new events before timers (record-work.ts). */
const KIND_ORDER: Record<Trigger["kind"], number> = { event: 0, timer: 1 };

const timerKey = (name: string, due: string) => `${name}@${due}`;

/** Where a run comes in the replay: a recorded one where it ran live, any other at its instant (after recorded runs of that instant). */
function turnOf(sim: SimRecord, recording: RunRecording | undefined, at: string): { turn: string; index: number } {
  return (recording && sim.turn.get(recording)) ?? { turn: at, index: Number.MAX_SAFE_INTEGER };
}

export interface SimulationResult {
  timeline: TimelineEntry[];
  /** Deadlines still pending at the end instant, per record. */
  pending: { recordKey: string; timer: string; at: string }[];
  /** Each enrolled record's cadence plan: the step times an admin checks before enabling it. */
  cadences: CadencePlan[];
  /** For each record that recorded its live runs, when the last of them came: what came after has not happened live yet. */
  recordedUntil?: Record<string, string>;
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
  /** The record as its rules see it: the events it had received by the run, and what was read. */
  record: RecordState | null;
  /** The simulated CRM's copy: the record with this dry run's own writes, for reads nobody recorded. */
  crm: RecordState | null;
  rules: RuleState;
  /** Each pending timer's deadline. */
  timers: Record<string, string>;
  /** The record's events not yet received at the simulated moment, in the order they were received. */
  arriving: ArrivingEvent[];
  /** Runs recorded live, by what woke them: the replay sees what they saw. */
  byEvent: Map<string, RunRecording>;
  byTimer: Map<string, RunRecording[]>;
  /** When each recorded run comes in the replay (never before the run recorded before it), and its place among them. */
  turn: Map<RunRecording, { turn: string; index: number }>;
}

/** An event, when it reached the record (its receivedAt when recorded live, else when it happened) and its place among the record's events. */
interface ArrivingEvent {
  event: CrmEvent;
  arrivesAt: string;
  seq?: number;
}

/** Events as the record received them: with receivedAt and the record's sequence number when read from its history. */
export type HistoryEvent = CrmEvent & { receivedAt?: string; seq?: number };

export interface SimulateOptions {
  /** The runs each record recorded live (run-recording.ts), by record key: the replay gives their answers again. */
  recorded?: ReadonlyMap<string, readonly RunRecording[]>;
  /** Whether a recorded routing may be given again (no: the policy changes that team's rotation). */
  replayRoute?: RouteReplay;
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
 * event or deadline to the next until `until`. A record's events arrive when it received them
 * (receivedAt), and what a rule run sees is what had arrived by then. Where the record recorded
 * its live runs (options.recorded), the replay runs at the same instants and is given the same
 * answers and random draws, so under the policy they ran with it makes the same decisions. Asks
 * nobody recorded are answered from the simulated record (with this run's own writes) and a
 * fresh rotation; nothing is stored, sent or written.
 */
export async function simulate(
  events: readonly HistoryEvent[],
  policy: VersionedPolicy,
  until: Date,
  options: SimulateOptions = {},
): Promise<SimulationResult> {
  const records = new Map<string, SimRecord>();
  const routing = new Map<string, RoutingState>();
  const timeline: TimelineEntry[] = [];
  const simOf = (recordKey: string): SimRecord => {
    let sim = records.get(recordKey);
    if (!sim) {
      sim = { record: null, crm: null, rules: {}, timers: {}, arriving: [], byEvent: new Map(), byTimer: new Map(), turn: new Map() };
      // Recorded runs come in the order they ran: a test that stands a record at a later instant
      // and then hears an echo "earlier" must replay them in that order too.
      let latest = "";
      for (const [index, run] of (options.recorded?.get(recordKey) ?? []).entries()) {
        latest = run.at > latest ? run.at : latest;
        sim.turn.set(run, { turn: latest, index });
        if ("event" in run.trigger) sim.byEvent.set(run.trigger.event, run);
        else {
          const key = timerKey(run.trigger.timer, run.trigger.due);
          sim.byTimer.set(key, [...(sim.byTimer.get(key) ?? []), run]);
        }
      }
      records.set(recordKey, sim);
    }
    return sim;
  };
  const queue: QueueEntry[] = [];
  const ordered = events.map((event, i) => ({ event, i })).sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt) || a.i - b.i);
  ordered.forEach(({ event }, order) => {
    const sim = simOf(event.recordKey);
    const arrivesAt = event.receivedAt ?? event.occurredAt;
    sim.arriving.push({ event, arrivesAt, ...(event.seq === undefined ? {} : { seq: event.seq }) });
    const recording = sim.byEvent.get(event.dedupeKey);
    const at = recording?.at ?? arrivesAt;
    queue.push({ at, ...turnOf(sim, recording, at), recordKey: event.recordKey, trigger: { kind: "event", event }, order, recording });
  });
  for (const sim of records.values()) sim.arriving.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0) || a.arrivesAt.localeCompare(b.arrivesAt));
  let order = events.length;
  const tasksWritten = new Set<string>();

  /** Fresh reads nobody recorded answer from the simulated CRM; nobody completes a task in a dry run. */
  const shellFor = (sim: SimRecord, at: Date): RuleShell => ({
    read: async (properties) => ({ properties: Object.fromEntries(properties.map((p) => [p, sim.crm?.properties[p]?.value ?? null])) }),
    route: async (teamId, excludeOwnerId) => {
      const { decision, state } = route(routing.get(teamId) ?? EMPTY_ROUTING_STATE, {
        policy: policy.policy,
        teamId,
        crm: sim.record!.crm,
        excludeOwnerId,
        now: at,
      });
      routing.set(teamId, state);
      return decision;
    },
    tasks: async (keys) => keys.filter((k) => tasksWritten.has(k)).map((key) => ({ key, status: "open" as const })),
  });

  /**
   * Folds into what the record's rules see the events it had received by then: for a recorded
   * run, exactly those the live record had (by sequence number); otherwise those arrived by `at`.
   * The event that wakes a run is always among them.
   */
  const arrive = (sim: SimRecord, at: string, recording: RunRecording | undefined, waking?: CrmEvent) => {
    const fold = ({ event }: ArrivingEvent) => {
      sim.record = applyEvent(sim.record ?? emptyRecordState(event), event);
      sim.crm = applyEvent(sim.crm ?? emptyRecordState(event), event);
    };
    const received = (a: ArrivingEvent) => (recording && a.seq !== undefined ? a.seq <= recording.events : a.arrivesAt <= at);
    while (sim.arriving.length > 0 && received(sim.arriving[0]!)) fold(sim.arriving.shift()!);
    const late = waking ? sim.arriving.findIndex((a) => a.event === waking) : -1;
    if (late >= 0) fold(sim.arriving.splice(late, 1)[0]!);
  };

  for (;;) {
    queue.sort(
      (a, b) => a.turn.localeCompare(b.turn) || a.index - b.index || KIND_ORDER[a.trigger.kind] - KIND_ORDER[b.trigger.kind] || a.order - b.order,
    );
    const next = queue.shift();
    if (!next || next.at > until.toISOString()) break;
    const sim = simOf(next.recordKey);
    if (next.trigger.kind === "timer" && sim.timers[next.trigger.name] !== next.due) continue; // moved or cancelled after it was queued
    const recording = next.recording;
    arrive(sim, next.at, recording, next.trigger.kind === "event" ? next.trigger.event : undefined);
    if (!sim.record || recording?.skipped) continue; // given up live: the rules never saw it
    if (recording?.refreshed) {
      sim.record = applyFreshRead(sim.record, recording.refreshed, recording.at);
      sim.crm = applyFreshRead(sim.crm!, recording.refreshed, recording.at);
    }
    const now = new Date(next.at);
    const run = await decide(
      sim.rules,
      next.trigger,
      {
        record: sim.record,
        now,
        policy,
        random: recordedRandom(recording?.random ?? [], () => 0.5),
        ...(recording ? { recorded: new RecordedAnswers(recording.answers, options.replayRoute) } : {}),
      },
      shellFor(sim, now),
    );
    sim.rules = run.state;
    for (const e of run.effects) if (e.effect.type === "createTask") tasksWritten.add(effectId(e.idempotencyKey));
    const reads = readsOf(run.answers);
    if (Object.keys(reads).length > 0) {
      sim.record = applyFreshRead(sim.record, reads, next.at, { source: "read" });
      sim.crm = applyFreshRead(sim.crm!, reads, next.at, { source: "read" });
    }
    // Our own writes reach the simulated CRM; the record's rules see them when their echo arrives
    // (a recorded history has the echoes), or at once in a made-up history (nothing recorded).
    sim.crm = applyOwnEffects(sim.crm!, run.effects, next.at);
    if (sim.turn.size === 0) sim.record = applyOwnEffects(sim.record, run.effects, next.at);
    const trigger = next.trigger.kind === "event" ? `event:${next.trigger.event.kind}` : `timer:${next.trigger.name}`;
    for (const entry of run.audit) {
      timeline.push({
        ...entry,
        recordKey: next.recordKey,
        trigger,
        effectDetails: run.effects.filter((e) => entry.effects.includes(e.idempotencyKey)).map((e) => e.effect),
        effectKeys: entry.effects,
        turn: next.turn,
      });
    }
    for (const [name, due] of Object.entries(run.timers)) {
      if (due) {
        sim.timers[name] = due;
        // The recorded run of this deadline ran when the alarm did: the replay runs it then too.
        const live = sim.byTimer.get(timerKey(name, due))?.shift();
        const at = live?.at ?? due;
        queue.push({
          at,
          ...turnOf(sim, live, at),
          due,
          recordKey: next.recordKey,
          trigger: { kind: "timer", name },
          order: order++,
          recording: live,
        });
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
  const recordedUntil = Object.fromEntries(
    [...records].flatMap(([recordKey, sim]) =>
      sim.turn.size > 0
        ? [
            [
              recordKey,
              [...sim.turn.values()]
                .map((t) => t.turn)
                .sort()
                .at(-1)!,
            ],
          ]
        : [],
    ),
  );
  return { timeline, pending, cadences, ...(options.recorded ? { recordedUntil } : {}) };
}
