-- Console sessions signed in with the admin token (Cloudflare Access sessions end at Access).
-- The cookie carries the session's secret id and a MAC under the admin token; a row here is what
-- makes it live, so signing out (deleting the row) ends it at once. Only a hash of the id is kept:
-- reading this table does not give anyone a session. The cron deletes rows past expires_at.
CREATE TABLE console_sessions (
  id_hash     TEXT PRIMARY KEY,             -- hex SHA-256 of the session id the cookie carries
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);

-- Console sign-ins refused for a wrong admin token, counted per minute, for the "sign-ins refused"
-- alert. Only attempts the rate limits let through are counted (a throttled one writes nothing),
-- so the writes are bounded by those limits; one row per minute, deleted by the cron after a day.
CREATE TABLE console_sign_in_failures (
  minute      TEXT PRIMARY KEY,             -- the minute's start, ISO 8601 UTC
  failures    INTEGER NOT NULL
) WITHOUT ROWID;
