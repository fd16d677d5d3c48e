import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../config";
import { FailureError, redact } from "../platform/failure";
import { activePolicy } from "../db/policies";
import type { CrmEvent } from "../domain/crm-event";
import { TIMER_NAMES, type AuditEntry, type RuleInput, type RuleState, type TimerName } from "../domain/decision";
import type { VersionedPolicy } from "../domain/policy";
import { applyEvent, emptyRecordState, type RecordState } from "../domain/record-state";
import { upsertRecordRow } from "../db/records";
import { replaceLeadAddresses } from "../db/inbound-email";
import { canonicalAddresses, DEFAULT_EMAIL_PROPERTIES } from "../domain/lead-addresses";
import { enqueueEffects } from "../outbox/effect-queue";
import { findTasksByEffectKey, resolveTaskKeys } from "../outbox/task-lookup";
import { executorsFromConfig } from "../outbox/wiring";
import { runRules } from "../domain/rule-runner";
import { Wakeups } from "./wakeups";

/** D1 is a read model: bursts of events are folded into one row write after this delay. */
const PROJECTION_DELAY_MS = 1_000;
const PROJECT = "project-to-d1";
/** New events are handed to the rules from the alarm, never while the webhook waits. */
const RULES = "rules";
const TIMERS: readonly TimerName[] = TIMER_NAMES;
const POLICY_TTL_MS = 30_000;
const RETRY_DELAY_MS = 30_000;
/**
 * An event whose rule run fails this many times in a row, over at least GIVE_UP_AFTER_MS, is
 * given up and recorded in the audit with its error: one event a CRM keeps refusing to read (a
 * field the org does not have) must not hold up every later event of the record. An outage
 * shorter than that (an expired token, the CRM down) loses nothing. Deadlines are never given up.
 */
const MAX_RULE_FAILURES = 10;
const GIVE_UP_AFTER_MS = 60 * 60_000;

export interface RecordResult {
  recorded: number;
  duplicates: number;
}

export interface RecordSnapshot {
  state: RecordState;
  events: (CrmEvent & { receivedAt: string })[];
  pendingWakeups: { name: string; dueAt: string }[];
  /** Every decision the rules made about this record, oldest first. */
  audit: AuditEntry[];
  /** Deliveries seen: re-deliveries are counted and ignored. */
  stats: { recorded: number; duplicatesIgnored: number };
  projection: { d1RowsWritten: number; projectedAt: string | null };
}

/**
 * A snapshot (an Outbound Message carries every selected field on every edit) is kept as the
 * fields that actually changed, so rules see changes, not repetitions.
 */
function onlyChanges(event: CrmEvent, state: RecordState | null): CrmEvent {
  if (event.kind !== "propertyChanged" || !event.snapshot || !state) return event;
  const changed = Object.entries(event.properties).filter(([name, value]) => state.properties[name]?.value !== value);
  return { ...event, properties: Object.fromEntries(changed) };
}

/**
 * One object per CRM record (named by its record key). It is the only writer of that record's
 * state: every event of the record passes through here, one at a time, so there are no races.
 */
export class RecordObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly wakeups: Wakeups;
  private policy?: { value: VersionedPolicy; readAt: number };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key TEXT NOT NULL UNIQUE,
        occurred_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL,
        ruled INTEGER NOT NULL DEFAULT 0   -- 1 once the rules have seen it
      );
      CREATE INDEX IF NOT EXISTS events_by_time ON events (occurred_at, seq);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
    `);
    this.wakeups = new Wakeups(ctx.storage);
  }

  /**
   * Durably records events of this record. Duplicates (same dedupe key) change nothing. The
   * write is committed before this returns, so the webhook may be acknowledged afterwards.
   */
  async record(events: CrmEvent[], receivedAt: string): Promise<RecordResult> {
    let recorded = 0;
    this.ctx.storage.transactionSync(() => {
      let state = this.readState();
      for (const incoming of events) {
        const event = onlyChanges(incoming, state);
        const inserted =
          this.sql
            .exec(
              "INSERT INTO events (dedupe_key, occurred_at, received_at, body) VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING seq",
              event.dedupeKey,
              event.occurredAt,
              receivedAt,
              JSON.stringify(event),
            )
            .toArray().length > 0;
        if (!inserted) continue;
        recorded++;
        state = applyEvent(state ?? emptyRecordState(event), event);
      }
      if (recorded > 0 && state) this.writeKv("state", state);
      const stats = this.readKv<RecordSnapshot["stats"]>("stats") ?? { recorded: 0, duplicatesIgnored: 0 };
      this.writeKv("stats", { recorded: stats.recorded + recorded, duplicatesIgnored: stats.duplicatesIgnored + events.length - recorded });
    });
    if (recorded > 0) {
      await this.wakeups.scheduleNoLaterThan(RULES, Date.now());
      await this.wakeups.scheduleNoLaterThan(PROJECT, Date.now() + PROJECTION_DELAY_MS);
    }
    return { recorded, duplicates: events.length - recorded };
  }

  async snapshot(): Promise<RecordSnapshot | null> {
    const state = this.readState();
    if (!state) return null;
    const events = this.sql
      .exec<{ body: string; received_at: string }>("SELECT body, received_at FROM events ORDER BY occurred_at, seq")
      .toArray()
      .map((row) => ({ ...(JSON.parse(row.body) as CrmEvent), receivedAt: row.received_at }));
    return {
      state,
      events,
      pendingWakeups: this.wakeups.pending(),
      audit: this.sql
        .exec<{ body: string }>("SELECT body FROM audit ORDER BY seq")
        .toArray()
        .map((r) => JSON.parse(r.body) as AuditEntry),
      stats: this.readKv("stats") ?? { recorded: 0, duplicatesIgnored: 0 },
      projection: this.readKv("projection") ?? { d1RowsWritten: 0, projectedAt: null },
    };
  }

  override async alarm(): Promise<void> {
    await this.runDue(Date.now());
  }

  /** Runs every wake-up due at `now`. The alarm passes the real time; tests pass any instant. */
  async runDue(now: number): Promise<void> {
    // New events before timers: a deadline the events moved must not fire at its old time.
    const due = this.wakeups
      .claimDue(now, RETRY_DELAY_MS)
      .sort((a, b) => Number(TIMERS.includes(a.name as TimerName)) - Number(TIMERS.includes(b.name as TimerName)));
    for (const claim of due) {
      const { name } = claim;
      try {
        if (name === PROJECT) await this.projectToD1();
        else if (name === RULES) await this.applyRulesToNewEvents(now);
        else if ((TIMERS as string[]).includes(name)) await this.applyRules({ kind: "timer", name: name as TimerName }, now);
        this.wakeups.finish(claim);
      } catch (error) {
        // The lease keeps the row: the work comes due again after RETRY_DELAY_MS, not lost.
        console.error(`wake-up ${name} of ${this.readState()?.key} failed, retrying: ${redact(String(error))}`);
      }
    }
    await this.wakeups.rearm();
  }

  /**
   * Hands the events the rules have not seen to them, in occurredAt order. Each is marked once
   * its run is stored, so a failure part-way retries exactly the ones left.
   */
  private async applyRulesToNewEvents(now: number): Promise<void> {
    const rows = this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM events WHERE ruled = 0 ORDER BY occurred_at, seq").toArray();
    for (const row of rows) {
      const event = JSON.parse(row.body) as CrmEvent;
      await this.withGiveUp(
        `event:${row.seq}`,
        now,
        () => this.applyRules({ kind: "crmEvent", event }, now),
        `${event.kind} event ${event.dedupeKey}`,
      );
      this.sql.exec("UPDATE events SET ruled = 1 WHERE seq = ?", row.seq);
    }
  }

  /**
   * Runs `work`; a failure is rethrown (and retried by the caller's lease) until it has failed
   * MAX_RULE_FAILURES times over GIVE_UP_AFTER_MS, then it is recorded in the audit and given up.
   */
  private async withGiveUp(what: string, now: number, work: () => Promise<void>, label = what): Promise<void> {
    try {
      await work();
      this.forgetFailure(what);
    } catch (error) {
      const failures = this.failures();
      const count = (failures[what]?.count ?? 0) + 1;
      const since = failures[what]?.since ?? now;
      if (count < MAX_RULE_FAILURES || now - since < GIVE_UP_AFTER_MS) {
        this.writeKv("failures", { ...failures, [what]: { count, since } });
        throw error;
      }
      this.forgetFailure(what);
      const entry: AuditEntry = {
        at: new Date(now).toISOString(),
        rule: "rules",
        outcome: "given up",
        reason: `${label} failed ${count} times over ${Math.round((now - since) / 60_000)} minutes; the rules skipped it: ${redact(error instanceof Error ? error.message : String(error))}`,
        data: { work: what },
        policyVersion: this.policy?.value.version ?? 0,
        effects: [],
      };
      this.sql.exec("INSERT INTO audit (body) VALUES (?)", JSON.stringify(entry));
    }
  }

  /**
   * One rule run: decide, perform its reads and routings, then persist everything it produced
   * (effects into the outbox, timers into wake-ups, decisions into the audit trail).
   */
  private async applyRules(input: RuleInput, now: number): Promise<void> {
    const record = this.readState();
    if (!record) return;
    const config = loadConfig(this.env);
    const executors = executorsFromConfig(this.env, config);
    const policy = await this.currentPolicy(now);
    const run = await runRules(
      this.readKv<RuleState>("rules") ?? {},
      input,
      record,
      policy,
      new Date(now),
      {
        readRecord: async (r, properties, previousOf) => {
          const crm = executors.crm(`${r.crm}:${r.accountId}`);
          if (!crm) throw new Error(`no ${r.crm} client configured to read ${r.key}`);
          const read = await crm.getRecord(r.objectType, r.objectId, properties, previousOf);
          if (!read.ok) throw new FailureError(read.failure);
          return read.value;
        },
        route: (teamId, request) => this.env.TEAM_ROUTER.getByName(teamId).route(request),
        findTasks: async (r, keys) => {
          const crm = executors.crm(`${r.crm}:${r.accountId}`);
          if (!crm) throw new Error(`no ${r.crm} client configured to read tasks of ${r.key}`);
          return findTasksByEffectKey(this.env.DB, crm, keys);
        },
      },
      Math.random,
    );
    // Effects first: once stored they will happen; the rest only records that they were decided.
    if (run.effects.length > 0) await enqueueEffects(this.env, await resolveTaskKeys(this.env.DB, run.effects), new Date(now));
    this.ctx.storage.transactionSync(() => {
      this.writeKv("rules", run.state);
      for (const entry of run.audit) this.sql.exec("INSERT INTO audit (body) VALUES (?)", JSON.stringify(entry));
    });
    for (const [name, at] of Object.entries(run.timers)) await this.wakeups.set(name, at ? Date.parse(at) : null);
  }

  /**
   * The active policy, re-read at most every POLICY_TTL_MS: a burst of events does not cost a D1
   * read each, and a new version reaches every record within that time.
   */
  private async currentPolicy(now: number): Promise<VersionedPolicy> {
    if (!this.policy || now - this.policy.readAt > POLICY_TTL_MS || now < this.policy.readAt) {
      this.policy = { value: await activePolicy(this.env.DB), readAt: now };
    }
    return this.policy.value;
  }

  private async projectToD1(): Promise<void> {
    const state = this.readState();
    if (!state) return;
    let rowsWritten = await upsertRecordRow(this.env.DB, state, new Date());
    rowsWritten += await this.projectAddresses(state);
    const before = this.readKv<RecordSnapshot["projection"]>("projection")?.d1RowsWritten ?? 0;
    this.writeKv("projection", { d1RowsWritten: before + rowsWritten, projectedAt: new Date().toISOString() });
  }

  /** Keeps the address index inbound replies are matched with; written only when the addresses change. */
  private async projectAddresses(state: RecordState): Promise<number> {
    const policy = await this.currentPolicy(Date.now());
    const names = policy.policy.rules.cadences?.emailProperties[state.crm] ?? DEFAULT_EMAIL_PROPERTIES[state.crm];
    const enrolledWith = this.readKv<RuleState>("rules")?.cadence?.addresses ?? [];
    const addresses = state.status === "active" ? canonicalAddresses([...names.map((name) => state.properties[name]?.value), ...enrolledWith]) : [];
    const projected = this.readKv<string[]>("addresses") ?? [];
    if (addresses.join("\n") === projected.join("\n")) return 0;
    const rows = await replaceLeadAddresses(this.env.DB, state.key, addresses);
    this.writeKv("addresses", addresses);
    return rows;
  }

  /** Read and written in one synchronous step, so no other call's change is lost in between. */
  private failures(): Record<string, { count: number; since: number }> {
    return this.readKv<Record<string, { count: number; since: number }>>("failures") ?? {};
  }

  /** A run that succeeded (or was given up) starts from zero next time; nothing is written when nothing failed. */
  private forgetFailure(what: string): void {
    const failures = this.failures();
    if (!(what in failures)) return;
    delete failures[what];
    this.writeKv("failures", failures);
  }

  private readState(): RecordState | null {
    return this.readKv<RecordState>("state");
  }

  private readKv<T>(key: string): T | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  private writeKv(key: string, value: unknown): void {
    this.sql.exec("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, JSON.stringify(value));
  }
}
