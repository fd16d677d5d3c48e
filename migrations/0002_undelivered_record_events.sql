-- Webhook events the queue could not hand to their record's Durable Object after every retry
-- (they arrive here from the dead-letter queue). Nothing is dropped: the cron re-forwards them.
CREATE TABLE undelivered_record_events (
  message_id     TEXT PRIMARY KEY,
  record_key     TEXT NOT NULL,
  events_json    TEXT NOT NULL,
  dead_at        TEXT NOT NULL
);
CREATE INDEX undelivered_by_time ON undelivered_record_events (dead_at);
