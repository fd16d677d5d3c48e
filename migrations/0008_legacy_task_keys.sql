-- Effect ids are now derived from idempotency keys (see src/domain/effect-id.ts); rules name a
-- task by that id. Tasks written before carry their effect's random UUID. This table maps the
-- derived id of each such createTask effect to the UUID its task carries, so the tasks keep
-- working: a task looked up under its derived id and not found is looked up again under its old
-- one. Filled by the Worker (SQLite has no SHA-256), from the cron and before the first lookup.
CREATE TABLE legacy_task_keys (
  task_key   TEXT PRIMARY KEY,   -- effectId(idempotency_key)
  legacy_id  TEXT NOT NULL UNIQUE -- effects.id, the key the CRM task carries
);

-- One-off work the Worker finishes in D1 (SQL alone cannot), marked done so it is not looked for again.
CREATE TABLE finished_backfills (
  name         TEXT PRIMARY KEY,
  finished_at  TEXT NOT NULL
);
