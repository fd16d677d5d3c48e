import type { ChangedBy, CrmEvent } from "../core/model/crm-event";
import { applyEvent, applyFreshRead, emptyRecordState, type RecordState } from "../core/model/record-state";
import type { AuditEntry } from "../core/rules/rule";
import { parseRuleState, RULE_STATE_VERSION, type RuleState } from "../core/rules/rule-state";
import type { RunRecording } from "../core/rules/run-recording";
import { Wakeups } from "./wakeups";

/** The object's own bookkeeping beside the record: deliveries seen, and what was last written to D1. */
export interface RecordStats {
  recorded: number;
  duplicatesIgnored: number;
}

export interface Projection {
  d1RowsWritten: number;
  projectedAt: string | null;
  /** The canonical addresses last written to the reply index. */
  addresses: string[];
}

export interface StoredEvent {
  seq: number;
  event: CrmEvent;
}

/**
 * Changes to the object's storage layout must bump this: ensureSchema() brings older objects
 * along, and exists() runs no DDL for an object already at this version. 3: the wake-ups'
 * `deadline` column (added under 2 without a bump).
 */
const SCHEMA_VERSION = 3;

/** Wake-up names before rules owned their timers (schema 1) and what they are called now. */
const RENAMED_WAKEUPS: Record<string, string> = {
  "stale-check": "stale-lead:check",
  "gate-revert": "stage-gate:revert",
  "cadence-step": "cadence:step",
  "cadence-sla": "cadence:sla",
};

/**
 * The typed store of one record's Durable Object: its events, the record they fold into, the
 * rules' memory (parsed with its schema and version), the audit, the wake-ups and the failure
 * bookkeeping of its work. Nothing is created until the first event is recorded, so reading a
 * record nobody has heard of leaves no storage behind. Writes are synchronous and grouped in
 * transactions by the callers' unit of work; the alarm is re-pointed after (rearm).
 */
export class RecordStore {
  private readonly sql: SqlStorage;
  private readonly wakeupRows: Wakeups;
  private schemaReady = false;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.wakeupRows = new Wakeups(storage);
  }

  /**
   * Whether this object has ever recorded an event. Asking creates nothing; an object stored in
   * an older layout is brought to this one first.
   */
  exists(): boolean {
    if (this.schemaReady) return true;
    const tables = this.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('record_row', 'kv', 'schema_version')")
      .toArray()
      .map((r) => r.name);
    if (!tables.includes("record_row") && !tables.includes("kv")) return false;
    // An object already in this layout (every alarm of an evicted object asks): no DDL to run.
    if (
      tables.includes("schema_version") &&
      this.sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version === SCHEMA_VERSION
    ) {
      this.schemaReady = true;
      return true;
    }
    this.ensureSchema();
    return true;
  }

  /**
   * Records events, one transaction: a duplicate (known dedupe key) changes nothing. A snapshot
   * (an Outbound Message carries every selected field on every edit) is kept as the fields that
   * actually changed, so rules see changes, not repetitions.
   */
  recordEvents(events: readonly CrmEvent[], receivedAt: string): { recorded: number; duplicates: number } {
    this.ensureSchema();
    let recorded = 0;
    this.storage.transactionSync(() => {
      let state = this.state();
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
      if (state && recorded > 0) {
        this.sql.exec(
          `INSERT INTO record_row (id, state, rules, rules_version) VALUES (1, ?, '{}', ?)
           ON CONFLICT (id) DO UPDATE SET state = excluded.state`,
          JSON.stringify(state),
          RULE_STATE_VERSION,
        );
      }
      this.sql.exec("UPDATE record_row SET recorded = recorded + ?, duplicates = duplicates + ?", recorded, events.length - recorded);
    });
    return { recorded, duplicates: events.length - recorded };
  }

  /** The record as folded from its events; null before the first. */
  state(): RecordState | null {
    if (!this.exists()) return null;
    const row = this.sql.exec<{ state: string }>("SELECT state FROM record_row WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.state) as RecordState) : null;
  }

  /** Stores what a fresh CRM read returned (see applyFreshRead) and returns the record as it now is. */
  storeFreshRead(values: Record<string, string | null>, readAt: string, readBy?: ChangedBy): RecordState {
    const state = this.state();
    if (!state) throw new Error("no record to store a read of");
    const next = applyFreshRead(state, values, readAt, readBy);
    this.sql.exec("UPDATE record_row SET state = ? WHERE id = 1", JSON.stringify(next));
    return next;
  }

  ruleState(): RuleState {
    if (!this.exists()) return {};
    const row = this.sql.exec<{ rules: string; rules_version: number }>("SELECT rules, rules_version FROM record_row WHERE id = 1").toArray()[0];
    return row ? parseRuleState(JSON.parse(row.rules), row.rules_version) : {};
  }

  stats(): RecordStats {
    if (!this.exists()) return { recorded: 0, duplicatesIgnored: 0 };
    const row = this.sql.exec<{ recorded: number; duplicates: number }>("SELECT recorded, duplicates FROM record_row WHERE id = 1").toArray()[0];
    return { recorded: row?.recorded ?? 0, duplicatesIgnored: row?.duplicates ?? 0 };
  }

  projection(): Projection {
    if (!this.exists()) return { d1RowsWritten: 0, projectedAt: null, addresses: [] };
    const row = this.sql
      .exec<{ d1_rows_written: number; projected_at: string | null; projected_addresses: string }>(
        "SELECT d1_rows_written, projected_at, projected_addresses FROM record_row WHERE id = 1",
      )
      .toArray()[0];
    return {
      d1RowsWritten: row?.d1_rows_written ?? 0,
      projectedAt: row?.projected_at ?? null,
      addresses: JSON.parse(row?.projected_addresses ?? "[]"),
    };
  }

  recordProjection(rowsWritten: number, at: string, addresses: readonly string[]): void {
    this.sql.exec(
      "UPDATE record_row SET d1_rows_written = d1_rows_written + ?, projected_at = ?, projected_addresses = ?",
      rowsWritten,
      at,
      JSON.stringify(addresses),
    );
  }

  /** Events the rules have not seen, in the order they happened. */
  unruledEvents(): StoredEvent[] {
    if (!this.exists()) return [];
    return this.sql
      .exec<{ seq: number; body: string }>("SELECT seq, body FROM events WHERE ruled = 0 ORDER BY occurred_at, seq")
      .toArray()
      .map((row) => ({ seq: row.seq, event: JSON.parse(row.body) as CrmEvent }));
  }

  /** The sequence number of the record's first stored event: its creation as far as this service knows. */
  firstEventSeq(): number | undefined {
    return this.sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM events").one().seq ?? undefined;
  }

  /** The highest event sequence number: how many events the record has received (a run's state is folded from them). */
  lastEventSeq(): number {
    if (!this.exists()) return 0;
    return this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq ?? 0;
  }

  events(): (CrmEvent & { receivedAt: string; seq: number })[] {
    if (!this.exists()) return [];
    return this.sql
      .exec<{ body: string; received_at: string; seq: number }>("SELECT body, received_at, seq FROM events ORDER BY occurred_at, seq")
      .toArray()
      .map((row) => ({ ...(JSON.parse(row.body) as CrmEvent), receivedAt: row.received_at, seq: row.seq }));
  }

  audit(): AuditEntry[] {
    if (!this.exists()) return [];
    return this.sql
      .exec<{ body: string }>("SELECT body FROM audit ORDER BY seq")
      .toArray()
      .map((row) => JSON.parse(row.body) as AuditEntry);
  }

  /** What each rule run saw (its recording), oldest first: what a replay of this record is given. */
  runs(): RunRecording[] {
    if (!this.exists()) return [];
    return this.sql
      .exec<{ body: string }>("SELECT body FROM runs ORDER BY seq")
      .toArray()
      .map((row) => JSON.parse(row.body) as RunRecording);
  }

  /**
   * One rule run, one transaction: the rules' new memory, their audit, what the run saw, their
   * wake-ups (set or cancelled), the event marked as seen, and the failure count of this work cleared.
   */
  commitRun(run: {
    rules: RuleState;
    audit: readonly AuditEntry[];
    recording: RunRecording;
    wakeups: Record<string, number | null>;
    ruledSeq?: number;
    work: string;
  }): void {
    this.storage.transactionSync(() => {
      this.sql.exec("UPDATE record_row SET rules = ?, rules_version = ?", JSON.stringify(run.rules), RULE_STATE_VERSION);
      this.appendAudit(run.audit);
      this.appendRun(run.recording);
      for (const [name, at] of Object.entries(run.wakeups)) {
        this.wakeups().set(name, at);
        // A deadline set anew starts with a clean slate.
        this.sql.exec("DELETE FROM failures WHERE work = ?", `wakeup:${name}`);
      }
      if (run.ruledSeq !== undefined) this.markRuled(run.ruledSeq);
      this.sql.exec("DELETE FROM failures WHERE work = ?", run.work);
    });
  }

  /** Work that was given up: its audit entry (and a recording saying so), the event marked as seen so later ones run, its count cleared. */
  giveUp(work: string, entry: AuditEntry, recording: RunRecording, ruledSeq?: number): void {
    this.storage.transactionSync(() => {
      this.appendAudit([entry]);
      this.appendRun(recording);
      if (ruledSeq !== undefined) this.markRuled(ruledSeq);
      this.sql.exec("DELETE FROM failures WHERE work = ?", work);
    });
  }

  /** A claimed wake-up whose work is done: gone (unless its work set it anew), and its failures forgotten. */
  finishWork(claim: { name: string; lease: number }, work: string | undefined): void {
    this.wakeups().finish(claim);
    if (work) this.sql.exec("DELETE FROM failures WHERE work = ?", work);
  }

  /** Counts a failure of this work; returns how often and since when it has failed in a row. */
  countFailure(work: string, at: number): { count: number; since: number } {
    return this.sql
      .exec<{ count: number; since: number }>(
        `INSERT INTO failures (work, count, since) VALUES (?, 1, ?)
         ON CONFLICT (work) DO UPDATE SET count = count + 1 RETURNING count, since`,
        work,
        at,
      )
      .one();
  }

  wakeups(): Wakeups {
    this.ensureSchema();
    return this.wakeupRows;
  }

  pendingWakeups(): { name: string; dueAt: string }[] {
    return this.exists() ? this.wakeups().pending() : [];
  }

  private appendAudit(entries: readonly AuditEntry[]): void {
    for (const entry of entries) this.sql.exec("INSERT INTO audit (body) VALUES (?)", JSON.stringify(entry));
  }

  private appendRun(recording: RunRecording): void {
    this.sql.exec("INSERT INTO runs (body) VALUES (?)", JSON.stringify(recording));
  }

  private markRuled(seq: number): void {
    this.sql.exec("UPDATE events SET ruled = 1 WHERE seq = ?", seq);
  }

  private ensureSchema(): void {
    if (this.schemaReady) return;
    this.storage.transactionSync(() => {
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
        CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
        -- What each rule run saw (run-recording.ts): one row per committed run, beside its audit.
        CREATE TABLE IF NOT EXISTS runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS failures (work TEXT PRIMARY KEY, count INTEGER NOT NULL, since INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
        -- One row: the record, the rules' memory of it (with its schema version), and the bookkeeping.
        CREATE TABLE IF NOT EXISTS record_row (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          state TEXT NOT NULL,
          rules TEXT NOT NULL,
          rules_version INTEGER NOT NULL,
          recorded INTEGER NOT NULL DEFAULT 0,
          duplicates INTEGER NOT NULL DEFAULT 0,
          d1_rows_written INTEGER NOT NULL DEFAULT 0,
          projected_at TEXT,
          projected_addresses TEXT NOT NULL DEFAULT '[]'
        );
      `);
      Wakeups.createTable(this.storage);
      const version = this.sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version;
      if (version === undefined) {
        this.migrateFromKv();
        this.sql.exec("INSERT INTO schema_version (version) VALUES (?)", SCHEMA_VERSION);
      } else if (version < SCHEMA_VERSION) this.sql.exec("UPDATE schema_version SET version = ?", SCHEMA_VERSION);
    });
    this.schemaReady = true;
  }

  /**
   * Schema 1 kept the record, the rules' memory and the bookkeeping as JSON blobs in a `kv`
   * table, and named wake-ups without their rule: both are carried over once.
   */
  private migrateFromKv(): void {
    const hasKv = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").toArray().length > 0;
    if (!hasKv) return;
    const kv = new Map(
      this.sql
        .exec<{ key: string; value: string }>("SELECT key, value FROM kv")
        .toArray()
        .map((r) => [r.key, JSON.parse(r.value)]),
    );
    const state = kv.get("state");
    if (state) {
      const stats = (kv.get("stats") ?? {}) as Partial<RecordStats>;
      const projection = (kv.get("projection") ?? {}) as Partial<Projection>;
      this.sql.exec(
        `INSERT INTO record_row (id, state, rules, rules_version, recorded, duplicates, d1_rows_written, projected_at, projected_addresses)
         VALUES (1, ?, ?, 1, ?, ?, ?, ?, ?)`,
        JSON.stringify(state),
        JSON.stringify(kv.get("rules") ?? {}),
        stats.recorded ?? 0,
        stats.duplicatesIgnored ?? 0,
        projection.d1RowsWritten ?? 0,
        projection.projectedAt ?? null,
        JSON.stringify(kv.get("addresses") ?? []),
      );
    }
    for (const [work, failure] of Object.entries((kv.get("failures") ?? {}) as Record<string, { count: number; since: number }>)) {
      this.sql.exec("INSERT INTO failures (work, count, since) VALUES (?, ?, ?)", work, failure.count, failure.since);
    }
    for (const [from, to] of Object.entries(RENAMED_WAKEUPS)) this.sql.exec("UPDATE wakeups SET name = ? WHERE name = ?", to, from);
    this.sql.exec("DROP TABLE kv");
  }
}

function onlyChanges(event: CrmEvent, state: RecordState | null): CrmEvent {
  if (event.kind !== "propertyChanged" || !event.snapshot || !state) return event;
  const changed = Object.entries(event.properties).filter(([name, value]) => state.properties[name]?.value !== value);
  return { ...event, properties: Object.fromEntries(changed) };
}
