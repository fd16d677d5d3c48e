-- Events of an authentic, well-formed request that the Worker could not use (an id that is not
-- an id, a required field missing, a time far in the future): kept with the reason, never
-- dropped, listed at GET /admin/ingest/parked and deleted by the cron after 14 days. One request
-- parks at most 20 events one by one; any further ones of that request share one row (reasons,
-- no raw event).
CREATE TABLE parked_events (
  id             TEXT PRIMARY KEY,            -- SHA-256 of source and raw event: the same event parked again is one row
  source         TEXT NOT NULL,               -- hubspot-webhook | salesforce-cdc | salesforce-outbound
  account_id     TEXT,                        -- the portal or org the event names, when it does
  event_index    INTEGER,                     -- its index in the request (null for the row of the overflow)
  reason         TEXT NOT NULL,
  raw            TEXT NOT NULL,               -- the event as sent, at most 8 KiB of it (raw_truncated)
  raw_bytes      INTEGER NOT NULL,            -- its size in UTF-8 bytes before any cut
  raw_truncated  INTEGER NOT NULL DEFAULT 0,
  parked_at      TEXT NOT NULL
);
CREATE INDEX parked_events_by_time ON parked_events (parked_at, id);
CREATE INDEX parked_events_by_source ON parked_events (source, parked_at, id);

-- Events too large for one queue message (128 KB; a Salesforce Long Text Area can hold 131,072
-- characters): the body waits here and the message names it. Deleted by the cron after 7 days
-- (a queue keeps messages 4 days; dead-lettered messages are parked with their bodies).
CREATE TABLE large_record_events (
  record_key  TEXT NOT NULL,
  dedupe_key  TEXT NOT NULL,
  body        TEXT NOT NULL,                  -- the CrmEvent (JSON)
  stored_at   TEXT NOT NULL,
  PRIMARY KEY (record_key, dedupe_key)
);
CREATE INDEX large_record_events_by_age ON large_record_events (stored_at);

-- Reconciliations: a Salesforce overflow event or a wildcard record id says "records of this
-- object changed, unsaid which". Each is read back from Salesforce page by page (queue work; the
-- cursor is here, so a restart resumes it) and fed to the records as snapshots.
CREATE TABLE reconciliations (
  id             TEXT PRIMARY KEY,            -- derived from the event that asked: its re-delivery starts nothing new
  crm            TEXT NOT NULL,
  account_id     TEXT NOT NULL,
  object_type    TEXT NOT NULL,               -- lead, contact … as in record keys
  sobject        TEXT NOT NULL,               -- Lead, Contact … as Salesforce names it
  since          TEXT NOT NULL,               -- records last modified at or after this are read
  reason         TEXT NOT NULL,               -- GAP_OVERFLOW, or the wildcard id (00Q*)
  status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  fields         TEXT,                        -- JSON: the fields read, settled on the first page
  cursor         TEXT,                        -- nextRecordsUrl of the page to read next
  resume_from    TEXT,                        -- LastModifiedDate of the newest record fed: where to start over if the cursor expired
  pages          INTEGER NOT NULL DEFAULT 0,
  records        INTEGER NOT NULL DEFAULT 0,
  attempts       INTEGER NOT NULL DEFAULT 0,  -- failed tries since the last page that worked
  last_error     TEXT,
  claimed_until  TEXT,                        -- a consumer's lease: no two read one reconciliation at once
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  finished_at    TEXT
);
CREATE INDEX reconciliations_by_status ON reconciliations (status, updated_at);
CREATE INDEX reconciliations_by_time ON reconciliations (created_at, id);
