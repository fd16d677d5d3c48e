-- What the console searches leads by: one narrow row per record, written with its read-model
-- row (email and name lower-cased), so a search never reads the wide records rows.
CREATE TABLE record_search (
  record_key   TEXT PRIMARY KEY,
  email        TEXT,
  name         TEXT,
  updated_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX record_search_by_email ON record_search (email);

-- The last webhook accepted per source (health, and the "source went silent" alert).
CREATE TABLE webhook_arrivals (
  source       TEXT PRIMARY KEY,
  last_at      TEXT NOT NULL
);

-- One row per alert: whether it is firing, since when, and when Slack last heard of it (the
-- re-alert interval counts from there).
CREATE TABLE alerts (
  id             TEXT PRIMARY KEY,
  firing         INTEGER NOT NULL,
  title          TEXT NOT NULL,
  detail         TEXT NOT NULL,
  since          TEXT,
  last_sent_at   TEXT,
  sent_level     REAL,                      -- the measure when Slack last heard: a worse one is told at once
  evaluated_at   TEXT NOT NULL
);
