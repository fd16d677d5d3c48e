-- Lifecycle facts for reporting, appended as they happen by the record objects, the outbox and
-- intake; never updated. The key makes a redelivered fact a no-op (insert or ignore). The rowid
-- orders them as they were stored: the rollups' watermark.
CREATE TABLE facts (
  key          TEXT NOT NULL UNIQUE,
  kind         TEXT NOT NULL,
  at           TEXT NOT NULL,             -- ISO 8601 UTC: when it happened
  record_key   TEXT NOT NULL,
  crm          TEXT NOT NULL,
  object_type  TEXT NOT NULL,
  -- The dimensions metrics filter and group by; null when the fact does not know (the rollup
  -- takes a lead's source and cadence from its enrollment).
  source       TEXT,
  team         TEXT,
  rep          TEXT,                      -- a CRM owner id
  cadence      TEXT,
  step         TEXT,
  stage        TEXT,
  gate         TEXT,
  reason       TEXT,
  data         TEXT                       -- JSON: what else it knows (the previous owner, the effect id, the CRM id)
);
CREATE INDEX facts_by_time ON facts (at);
CREATE INDEX facts_by_record ON facts (record_key, kind, at);

-- Facts counted per day of the policy's time zone and per combination of dimensions ('' for
-- none), rebuilt by the cron for every day that received facts since the watermark.
CREATE TABLE fact_rollups (
  day          TEXT NOT NULL,             -- YYYY-MM-DD in rollup_state.zone
  kind         TEXT NOT NULL,
  source       TEXT NOT NULL,
  team         TEXT NOT NULL,
  rep          TEXT NOT NULL,
  cadence      TEXT NOT NULL,
  step         TEXT NOT NULL,
  stage        TEXT NOT NULL,
  gate         TEXT NOT NULL,
  reason       TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (day, kind, source, team, rep, cadence, step, stage, gate, reason)
) WITHOUT ROWID;

-- One row per lead: when it was created, when its first task reached the CRM and when a rep
-- first completed one, so speed-to-lead percentiles are exact without reading every fact.
CREATE TABLE lead_timings (
  record_key        TEXT PRIMARY KEY,
  day               TEXT NOT NULL,        -- the day it was created, in rollup_state.zone
  created_at        TEXT NOT NULL,
  source            TEXT NOT NULL,
  team              TEXT NOT NULL,
  rep               TEXT NOT NULL,
  cadence           TEXT NOT NULL,
  first_task_at     TEXT,
  first_contact_at  TEXT,
  system_ms         INTEGER,              -- created → first task in the CRM
  rep_ms            INTEGER               -- first task → first completed
) WITHOUT ROWID;
-- Percentiles are read by rank (ORDER BY … LIMIT 1 OFFSET k) from these, per day and over a
-- period, covering the filter columns, so no query sorts or reads the table.
CREATE INDEX lead_timings_system_by_day ON lead_timings (day, system_ms, source, team, rep, cadence);
CREATE INDEX lead_timings_rep_by_day ON lead_timings (day, rep_ms, source, team, rep, cadence);
CREATE INDEX lead_timings_by_system ON lead_timings (system_ms, day, source, team, rep, cadence);
CREATE INDEX lead_timings_by_rep ON lead_timings (rep_ms, day, source, team, rep, cadence);

-- Where the rollups stand: facts up to this rowid are counted, in days of this zone.
CREATE TABLE rollup_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  zone        TEXT NOT NULL,
  watermark   INTEGER NOT NULL,
  rolled_at   TEXT NOT NULL
);
