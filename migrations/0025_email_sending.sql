-- Cadence emails (src/outreach, docs/email.md).

-- Each email's send, one row per sendEmail effect: written before the email provider is called
-- (status 'sending'), completed after ('sent' with the provider's id, or 'failed' when it refused
-- the email for good). A 'sending' row found by a retry is a send whose answer was lost: it is
-- looked up at the provider before anything is sent again. The rows are also the daily counts:
-- a person's emails on their own day, a sender's on its day (the insert that reserves a send
-- counts them in the same statement, so two consumers cannot both take the last one).
CREATE TABLE email_sends (
  effect_id            TEXT PRIMARY KEY,
  record_key           TEXT NOT NULL,
  recipient            TEXT NOT NULL,             -- canonical address
  sender               TEXT NOT NULL,             -- the From address
  provider             TEXT NOT NULL,             -- postmark | mailgun
  message_id           TEXT NOT NULL UNIQUE,      -- ours, <…@sending domain>
  provider_message_id  TEXT,
  status               TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  person_day           TEXT NOT NULL,             -- YYYY-MM-DD in the lead's zone
  sender_day           TEXT NOT NULL,             -- YYYY-MM-DD (UTC)
  cadence              TEXT,
  step                 TEXT,
  source               TEXT,
  owner_id             TEXT,
  attempted_at         TEXT NOT NULL,
  sent_at              TEXT,
  detail               TEXT
);
CREATE INDEX email_sends_by_person_day ON email_sends (recipient, person_day);
CREATE INDEX email_sends_by_sender_day ON email_sends (sender, sender_day);
CREATE INDEX email_sends_by_provider_id ON email_sends (provider_message_id);
CREATE INDEX email_sends_by_record ON email_sends (record_key);

-- Addresses no cadence email goes to: hard bounces, spam complaints, unsubscribes. Checked
-- before every send; one row per address (the first reason stands).
CREATE TABLE email_suppressions (
  recipient      TEXT PRIMARY KEY,                -- canonical address
  reason         TEXT NOT NULL CHECK (reason IN ('hard bounce', 'complaint', 'unsubscribe', 'refused by the provider')),
  source         TEXT NOT NULL,                   -- postmark | mailgun | unsubscribe | the sender
  detail         TEXT,
  suppressed_at  TEXT NOT NULL
);

-- Verdicts on addresses (deliverable / risky / undeliverable / unknown, with reasons), the
-- latest per address, and what DNS said of each domain (cached until expires_at).
CREATE TABLE email_verifications (
  recipient   TEXT PRIMARY KEY,                   -- canonical address
  verdict     TEXT NOT NULL CHECK (verdict IN ('deliverable', 'risky', 'undeliverable', 'unknown')),
  reasons     TEXT NOT NULL,                      -- JSON array of strings
  checked_at  TEXT NOT NULL
);
CREATE TABLE email_domains (
  domain      TEXT PRIMARY KEY,
  mail        TEXT NOT NULL,                      -- JSON: what DNS said (MX hosts, A only, none, …)
  checked_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
CREATE INDEX email_domains_by_expiry ON email_domains (expires_at);

-- Provider events (deliveries, bounces, complaints, unsubscribes) seen, by the provider's event
-- id: a webhook delivered twice changes nothing the second time. Forgotten after 30 days.
CREATE TABLE email_events (
  id           TEXT PRIMARY KEY,
  provider     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  message_id   TEXT,
  recipient    TEXT,
  received_at  TEXT NOT NULL
);
CREATE INDEX email_events_by_time ON email_events (received_at);
