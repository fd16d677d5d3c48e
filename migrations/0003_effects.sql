-- The outbox: every effect a rule decided, stored before anything executes it. The unique
-- idempotency key makes a repeated decision a no-op; the id is also written to the CRM task
-- (unique property / external id) so a retried call cannot create a second task.
CREATE TABLE effects (
  id               TEXT PRIMARY KEY,
  idempotency_key  TEXT NOT NULL UNIQUE,
  lead_key         TEXT NOT NULL,
  rule             TEXT NOT NULL,
  type             TEXT NOT NULL,
  target           TEXT NOT NULL,            -- rate-limit domain: hubspot:{portal} | salesforce:{org} | slack
  payload          TEXT NOT NULL,            -- the effect (JSON)
  status           TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'done', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  external_id      TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  next_attempt_at  TEXT
);
CREATE INDEX effects_by_status ON effects (status, updated_at);
CREATE INDEX effects_by_lead ON effects (lead_key, created_at);
