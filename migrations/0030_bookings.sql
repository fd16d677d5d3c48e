-- Meetings booked on the spot (src/booking): one row per submission that a visitor started to
-- book, written by the booking feature only. A row is first a claim (status 'holding', for one
-- booking attempt until claimed_until), so two pages of one submission cannot book two meetings;
-- then 'booked' (or 'released' when the attempt found the time taken, 'cancelled' when the
-- visitor cancelled). The rep's calendar object holds the slot itself; this is the index by
-- submission and the read model the console and the manage links read. No visitor data but the
-- zone: the person is the submission's.
CREATE TABLE bookings (
  id              TEXT PRIMARY KEY,          -- 40 hex: derived from the submission id
  submission_id   TEXT NOT NULL UNIQUE,
  form_key        TEXT NOT NULL,
  source          TEXT NOT NULL,
  crm             TEXT NOT NULL,
  status          TEXT NOT NULL,             -- holding | booked | released | cancelled
  attempt_hash    TEXT NOT NULL,             -- hex SHA-256 of the booking page's attempt id
  claimed_until   TEXT,                      -- a holding claim lapses then (a page that died mid-booking)
  rep_id          TEXT,                      -- the policy's rep, once chosen
  owner_id        TEXT,                      -- the rep's CRM owner id
  team_id         TEXT,
  provider        TEXT,                      -- google | microsoft | hubspot
  starts_at       TEXT,                      -- ISO 8601 UTC
  ends_at         TEXT,
  visitor_zone    TEXT,
  join_url        TEXT,
  sequence        INTEGER NOT NULL DEFAULT 0, -- moves so far
  submitted_at    TEXT NOT NULL,
  booked_at       TEXT,
  cancelled_at    TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX bookings_by_start ON bookings (starts_at) WHERE status = 'booked';
