/**
 * Timers are rows; the Durable Object alarm is only a cursor pointing at the earliest one.
 * Claiming a wake-up deletes its row, so a duplicate or late alarm finds nothing to do.
 */
export class Wakeups {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec("CREATE TABLE IF NOT EXISTS wakeups (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL)");
  }

  /** Schedules `name` at `dueAt` unless it is already due earlier. */
  async scheduleNoLaterThan(name: string, dueAt: number): Promise<void> {
    this.storage.sql.exec(
      "INSERT INTO wakeups (name, due_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_at = min(due_at, excluded.due_at)",
      name, dueAt,
    );
    await this.rearm();
  }

  /** Sets `name` to exactly `dueAt` (a rule's deadline moved), or removes it with null. */
  async set(name: string, dueAt: number | null): Promise<void> {
    if (dueAt === null) this.storage.sql.exec("DELETE FROM wakeups WHERE name = ?", name);
    else this.storage.sql.exec("INSERT INTO wakeups (name, due_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET due_at = excluded.due_at", name, dueAt);
    await this.rearm();
  }

  /** Deletes and returns every wake-up due at or before `now`. */
  claimDue(now: number): string[] {
    return this.storage.sql
      .exec<{ name: string }>("DELETE FROM wakeups WHERE due_at <= ? RETURNING name", now)
      .toArray()
      .map((row) => row.name);
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
