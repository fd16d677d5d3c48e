-- Intake: what a claim was spent with, and how long intake keeps what it keeps.

-- The SHA-256 (hex) of the Turnstile token a claim was accepted with. A token is accepted for one
-- claim only: a claim is never taken over by the token that made it (its retry gets its answer),
-- and a token siteverify calls spent replays the answer of the claim it was spent on, to the one
-- client that holds it. NULL for forms without Turnstile.
ALTER TABLE intake_idempotency ADD COLUMN token_hash TEXT;
-- 1 when the claim's submission was judged spam: a later submission that passes the checks takes
-- the claim over rather than being answered with the spam one (the spam row stays, and expires).
ALTER TABLE intake_idempotency ADD COLUMN spam INTEGER NOT NULL DEFAULT 0;

-- Consent records are evidence: the housekeeping removes a withdrawn consent's history only six
-- years after the withdrawal (src/intake/intake-retention.ts). The database keeps refusing to
-- change any row, and to delete one younger than that, whoever asks.
DROP TRIGGER intake_consents_append_only_delete;
CREATE TRIGGER intake_consents_append_only_delete BEFORE DELETE ON intake_consents
WHEN old.recorded_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-6 years')
BEGIN
  SELECT RAISE(ABORT, 'intake_consents is append-only: record a withdrawal instead');
END;
