-- One row per CRM record the service follows. Written only by that record's Durable Object
-- (LeadAgent), so admins and later rules can query records without waking every object.
CREATE TABLE records (
  record_key     TEXT PRIMARY KEY,          -- hubspot:{portalId}:{objectType}:{objectId} | salesforce:{orgId}:{sobject}:{id}
  crm            TEXT NOT NULL CHECK (crm IN ('hubspot', 'salesforce')),
  account_id     TEXT NOT NULL,
  object_type    TEXT NOT NULL,
  object_id      TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('active', 'deleted', 'merged')),
  state_json     TEXT NOT NULL,
  event_count    INTEGER NOT NULL,
  last_event_at  TEXT NOT NULL,            -- ISO 8601 UTC, the latest occurredAt seen
  updated_at     TEXT NOT NULL
);
CREATE INDEX records_by_account_type ON records (crm, account_id, object_type);
