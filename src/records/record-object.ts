import { DurableObject } from "cloudflare:workers";
import type { CrmEvent } from "../core/model/crm-event";
import type { RecordState } from "../core/model/record-state";
import type { AuditEntry } from "../core/rules/rule";
import type { RunRecording } from "../core/rules/run-recording";
import type { Ports } from "../env/ports";
import { type Projection, type RecordStats, RecordStore } from "./record-store";
import { PROJECT, RULE_NEW_EVENTS, RecordWork } from "./record-work";

export interface RecordResult {
  recorded: number;
  duplicates: number;
}

export interface RecordSnapshot {
  state: RecordState;
  events: (CrmEvent & { receivedAt: string; seq: number })[];
  pendingWakeups: { name: string; dueAt: string }[];
  /** Every decision the rules made about this record, oldest first. */
  audit: AuditEntry[];
  /** What each rule run saw (answers, random draws, its instant), oldest first: the dry run replays with it. */
  runs: RunRecording[];
  /** Deliveries seen: re-deliveries are counted and ignored. */
  stats: RecordStats;
  projection: { d1RowsWritten: number; projectedAt: string | null };
}

/**
 * One object per CRM record (lead, contact, deal, opportunity), named by its record key. It is
 * the only writer of that record's state: every event of the record passes through here, one at
 * a time, so there are no races. It receives events, answers snapshots and runs its alarm; the
 * store keeps its SQLite, the work (record-work.ts) runs the rules. The Worker's entry point
 * exports it with the ports it is given (portsOf), built at the top where every adapter is known.
 */
export abstract class RecordObject extends DurableObject<Env> {
  private readonly store: RecordStore;
  private readonly ports: Ports;
  private readonly work: RecordWork;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RecordStore(ctx.storage);
    this.ports = this.portsOf(env);
    this.work = new RecordWork(this.store, this.ports, env.DB);
  }

  /**
   * Durably records events of this record. Duplicates (same dedupe key) change nothing. The
   * write is committed before this returns, so the webhook may be acknowledged afterwards; the
   * rules see the events from the alarm, never while the webhook waits.
   */
  async record(events: CrmEvent[], receivedAt: string): Promise<RecordResult> {
    const result = this.store.recordEvents(events, receivedAt);
    if (result.recorded > 0) {
      const now = this.ports.clock.now();
      const wakeups = this.store.wakeups();
      wakeups.scheduleNoLaterThan(RULE_NEW_EVENTS, now);
      // D1 is a read model: a burst of events is folded into one row write (PROJECTION_DELAY_MS, 1 s).
      wakeups.scheduleNoLaterThan(PROJECT, now + this.ports.config.PROJECTION_DELAY_MS);
      await wakeups.rearm();
    }
    return result;
  }

  /** The record, its events, decisions and deadlines; null for a record nobody has heard of (and nothing is stored for asking). */
  async snapshot(): Promise<RecordSnapshot | null> {
    const state = this.store.state();
    if (!state) return null;
    const { d1RowsWritten, projectedAt }: Projection = this.store.projection();
    return {
      state,
      events: this.store.events(),
      pendingWakeups: this.store.pendingWakeups(),
      audit: this.store.audit(),
      runs: this.store.runs(),
      stats: this.store.stats(),
      projection: { d1RowsWritten, projectedAt },
    };
  }

  /** The CRM, Slack, routing and outbox this record reaches the world through. */
  protected abstract portsOf(env: Env): Ports;

  override async alarm(): Promise<void> {
    await this.work.runDue(this.ports.clock.now());
  }

  /** Runs every wake-up due at `now`: tests stand the record at any instant with this. */
  async runDue(now: number): Promise<void> {
    await this.work.runDue(now);
  }
}
