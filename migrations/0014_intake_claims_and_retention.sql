-- Intake: what a claim was spent with, and how long intake keeps what it keeps.

-- The SHA-256 (hex) of the Turnstile token a claim was accepted with. A token is accepted for one
-- claim only: a claim is never taken over by the token that made it (its retry gets its answer),
-- and a token siteverify calls spent replays the answer of the claim it was spent on, to the one
-- client that holds it. NULL for forms without Turnstile.
ALTER TABLE intake_idempotency ADD COLUMN token_hash TEXT;
-- 1 when the claim's submission was judged spam: a later submission that passes the checks takes
-- the claim over rather than being answered with the spam one (the spam row stays, and expires).
ALTER TABLE intake_idempotency ADD COLUMN spam INTEGER NOT NULL DEFAULT 0;
