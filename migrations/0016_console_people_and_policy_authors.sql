-- Issue 27: the console names things as the CRMs do, and says who changed the policy.

-- The labels the CRMs show for the values the console names (deal stages, lead statuses), read
-- from the CRM (HubSpot pipelines and property options, Salesforce picklists) and kept a day.
CREATE TABLE crm_labels (
  crm          TEXT NOT NULL,
  account_id   TEXT NOT NULL,
  object_type  TEXT NOT NULL,
  property     TEXT NOT NULL,
  value        TEXT NOT NULL,
  label        TEXT NOT NULL,
  position     INTEGER NOT NULL,          -- the CRM's order (a pipeline's stages in sequence)
  read_at      TEXT NOT NULL,
  PRIMARY KEY (crm, account_id, object_type, property, value)
) WITHOUT ROWID;

-- When each account's labels were last read (or a read was started): one reader at a time, once a day.
CREATE TABLE crm_label_reads (
  target       TEXT PRIMARY KEY,          -- crm:account
  read_at      TEXT NOT NULL
);

-- Who saved each policy version and what it changed, in words ("Sam out of office 8–12 Dec").
ALTER TABLE policies ADD COLUMN saved_by TEXT;
ALTER TABLE policies ADD COLUMN note TEXT;

-- A record's name as the CRM writes it (the search column `name` is lower-cased for finding).
ALTER TABLE record_search ADD COLUMN display_name TEXT;
