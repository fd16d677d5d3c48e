-- A consumer claims the effects it is about to execute until claimed_until, so a redelivered
-- message or the overdue sweep cannot run the same effect at the same time elsewhere.
ALTER TABLE effects ADD COLUMN claimed_until TEXT;
