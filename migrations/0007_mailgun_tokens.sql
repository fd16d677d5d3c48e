-- Mailgun signs only a timestamp and a one-time token, not the message: a token seen before is a
-- replay. Kept for a day (signatures older than 5 minutes are refused anyway).
CREATE TABLE mailgun_tokens (
  token    TEXT PRIMARY KEY,
  seen_at  TEXT NOT NULL
);
CREATE INDEX mailgun_tokens_by_age ON mailgun_tokens (seen_at);
