CREATE TABLE effects (id TEXT PRIMARY KEY, record_key TEXT NOT NULL, state TEXT NOT NULL);
CREATE TABLE facts (record_key TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (record_key, kind));
CREATE TABLE records (record_key TEXT PRIMARY KEY, owner TEXT NOT NULL, at TEXT NOT NULL);
