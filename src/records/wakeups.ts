/**
 * Timers are rows; the Durable Object alarm is only a cursor pointing at the earliest one.
 * Claiming a wake-up leases it (moves it a little into the future) and finishing deletes it:
 * a duplicate alarm finds nothing due, and work cut off by an eviction comes due again.
 * Writes are synchronous, so they join the caller's transaction; rearm() points the alarm after.
 */
export class Wakeups {
  /**
   * Creates the table, or brings an older one along; the record store runs it with the rest of
   * its layout (and not when the object wakes already in the current one).
   */
  static createTable(storage: DurableObjectStorage): void {
    // `deadline`: when the wake-up was set for, kept while a failed run's retries move due_at, so
    // the run that finally happens says which deadline it was (a replay matches runs by it).
    storage.sql.exec("CREATE TABLE IF NOT EXISTS wakeups (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL, deadline INTEGER)");
    const table = storage.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'wakeups'").one();
    if (!table.sql.includes("deadline")) storage.sql.exec("ALTER TABLE wakeups ADD COLUMN deadline INTEGER");
  }

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Schedules `name` at `dueAt` unless it is already due earlier. */
  scheduleNoLaterThan(name: string, dueAt: number): void {
    this.storage.sql.exec(
      `INSERT INTO wakeups (name, due_at, deadline) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET due_at = min(due_at, excluded.due_at), deadline = min(coalesce(deadline, due_at), excluded.deadline)`,
      name,
      dueAt,
      dueAt,
    );
  }

  /** Sets `name` to exactly `dueAt` (a rule's deadline moved, a failed run's next try), or removes it with null. */
  set(name: string, dueAt: number | null): void {
    if (dueAt === null) this.storage.sql.exec("DELETE FROM wakeups WHERE name = ?", name);
    else
      this.storage.sql.exec(
        "INSERT INTO wakeups (name, due_at, deadline) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at, deadline = excluded.deadline",
        name,
        dueAt,
        dueAt,
      );
  }

  /**
   * Leases and returns every wake-up due at or before `now` (or only `name`, if given), with the
   * deadline it was set for; finish() each one that ran.
   */
  claimDue(now: number, leaseMs: number, name?: string): { name: string; lease: number; deadline: number }[] {
    const lease = now + leaseMs;
    const only = name === undefined ? "" : " AND name = ?";
    const named = name === undefined ? [] : [name];
    // Both statements run before anything else can (the object's storage calls are synchronous).
    const due = this.storage.sql
      .exec<{ name: string; deadline: number }>(
        `SELECT name, coalesce(deadline, due_at) AS deadline FROM wakeups WHERE due_at <= ?${only}`,
        now,
        ...named,
      )
      .toArray();
    this.storage.sql.exec(`UPDATE wakeups SET due_at = ? WHERE due_at <= ?${only}`, lease, now, ...named);
    return due.map((row) => ({ name: row.name, lease, deadline: row.deadline }));
  }

  /** Removes a claimed wake-up, unless its work set it anew (a rule moved its own deadline). */
  finish(claim: { name: string; lease: number }): void {
    this.storage.sql.exec("DELETE FROM wakeups WHERE name = ? AND due_at = ?", claim.name, claim.lease);
  }

  /** Moves a claimed wake-up whose work failed to its next try, unless its work set it anew. */
  retryAt(claim: { name: string; lease: number }, dueAt: number): void {
    this.storage.sql.exec("UPDATE wakeups SET due_at = ? WHERE name = ? AND due_at = ?", dueAt, claim.name, claim.lease);
  }

  pending(): { name: string; dueAt: string }[] {
    return this.storage.sql
      .exec<{ name: string; due_at: number }>("SELECT name, due_at FROM wakeups ORDER BY due_at")
      .toArray()
      .map((row) => ({ name: row.name, dueAt: new Date(row.due_at).toISOString() }));
  }

  /** Points the alarm at the earliest wake-up, or clears it when none is left. */
  async rearm(): Promise<void> {
    const next = this.storage.sql.exec<{ due_at: number | null }>("SELECT min(due_at) AS due_at FROM wakeups").one().due_at;
    if (next === null) await this.storage.deleteAlarm();
    else if ((await this.storage.getAlarm()) !== next) await this.storage.setAlarm(next);
  }
}
