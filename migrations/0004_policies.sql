-- Every accepted policy, never overwritten: the highest version is the active one, and each
-- decision records the version it used, so "why did this happen?" can be answered later.
CREATE TABLE policies (
  version     INTEGER PRIMARY KEY AUTOINCREMENT,
  body        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
