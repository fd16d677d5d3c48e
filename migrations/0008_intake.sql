-- Lead intake: form submissions are stored here before they are answered (202) and processed.

-- One row per submission, spam included. status: received (queued for processing), spam (never
-- sent on); the processing pipeline moves a received one on (processing, processed, failed, dead).
CREATE TABLE intake_submissions (
  id               TEXT PRIMARY KEY,
  form_key         TEXT NOT NULL,
  status           TEXT NOT NULL,
  -- canonical address (lower case, no +tag, Gmail without dots): who, across spellings
  email            TEXT NOT NULL,
  -- the fields as posted (without the Turnstile token)
  raw_json         TEXT NOT NULL,
  -- the normalised submission (src/domain/intake-submission.ts IntakeSubmission)
  submission_json  TEXT NOT NULL,
  -- the request: ip, user agent, origin, referer, country, idempotency key
  context_json     TEXT NOT NULL,
  spam_reason      TEXT,
  received_at      TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX intake_submissions_by_email ON intake_submissions (email, received_at);
CREATE INDEX intake_submissions_by_status ON intake_submissions (status, received_at);

-- What happened to a submission, each step once with its time: received, validated, verified,
-- spam, stored at intake; matched, scored, routed, written, enrolled by the pipeline.
CREATE TABLE intake_submission_steps (
  submission_id  TEXT NOT NULL,
  step           TEXT NOT NULL,
  at             TEXT NOT NULL,
  detail_json    TEXT,
  PRIMARY KEY (submission_id, step)
);

-- Idempotency keys per form: 'key:<Idempotency-Key>' for 24 hours, 'dup:<content hash>' for the
-- form's duplicate window. A row is claimed (in_progress) before the submission is checked with
-- Turnstile and stored, and holds the answer once done. submission_id is the id the claim will
-- store under: only its own claimer can finish or release it.
CREATE TABLE intake_idempotency (
  form_key       TEXT NOT NULL,
  key            TEXT NOT NULL,
  fingerprint    TEXT NOT NULL,
  submission_id  TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
  answer_json    TEXT,
  claimed_at     TEXT NOT NULL,
  expires_at     TEXT NOT NULL,
  PRIMARY KEY (form_key, key)
);
CREATE INDEX intake_idempotency_by_expiry ON intake_idempotency (expires_at);

-- Consent that can be proven: one row per consent given or withdrawn, never changed or removed.
CREATE TABLE intake_consents (
  id              TEXT PRIMARY KEY,
  email           TEXT NOT NULL,
  address         TEXT NOT NULL,
  action          TEXT NOT NULL CHECK (action IN ('given', 'withdrawn')),
  consent_id      TEXT NOT NULL,
  purpose         TEXT NOT NULL,
  legal_basis     TEXT NOT NULL,
  -- the exact text shown, its version and SHA-256 (given); empty for a withdrawal
  text            TEXT,
  text_version    TEXT,
  text_hash       TEXT,
  form_key        TEXT,
  page_url        TEXT,
  submission_id   TEXT,
  ip              TEXT,
  user_agent      TEXT,
  -- how it was given or withdrawn: form, unsubscribe, admin, ...
  source          TEXT NOT NULL,
  detail          TEXT,
  recorded_at     TEXT NOT NULL
);
CREATE INDEX intake_consents_by_email ON intake_consents (email, recorded_at);
CREATE TRIGGER intake_consents_append_only_update BEFORE UPDATE ON intake_consents
BEGIN
  SELECT RAISE(ABORT, 'intake_consents is append-only: record a withdrawal instead');
END;
CREATE TRIGGER intake_consents_append_only_delete BEFORE DELETE ON intake_consents
BEGIN
  SELECT RAISE(ABORT, 'intake_consents is append-only: record a withdrawal instead');
END;

-- Attribution per person (canonical address): the first touch is kept, the last follows the newest submission.
CREATE TABLE intake_lead_touches (
  email                TEXT PRIMARY KEY,
  first_touch_json     TEXT NOT NULL,
  first_submission_id  TEXT NOT NULL,
  first_at             TEXT NOT NULL,
  last_touch_json      TEXT NOT NULL,
  last_submission_id   TEXT NOT NULL,
  last_at              TEXT NOT NULL,
  submissions          INTEGER NOT NULL
);
