import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Mirrors migrations/0001_records.sql. */
export const records = sqliteTable("records", {
  recordKey: text("record_key").primaryKey(),
  crm: text("crm", { enum: ["hubspot", "salesforce"] }).notNull(),
  accountId: text("account_id").notNull(),
  objectType: text("object_type").notNull(),
  objectId: text("object_id").notNull(),
  status: text("status", { enum: ["active", "deleted", "merged"] }).notNull(),
  stateJson: text("state_json").notNull(),
  eventCount: integer("event_count").notNull(),
  lastEventAt: text("last_event_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Mirrors migrations/0002_undelivered_record_events.sql. */
export const undeliveredRecordEvents = sqliteTable("undelivered_record_events", {
  messageId: text("message_id").primaryKey(),
  recordKey: text("record_key").notNull(),
  eventsJson: text("events_json").notNull(),
  deadAt: text("dead_at").notNull(),
});

/** Mirrors migrations/0003_effects.sql. */
export const effects = sqliteTable("effects", {
  id: text("id").primaryKey(),
  idempotencyKey: text("idempotency_key").notNull().unique(),
  leadKey: text("lead_key").notNull(),
  rule: text("rule").notNull(),
  type: text("type").notNull(),
  target: text("target").notNull(),
  payload: text("payload").notNull(),
  status: text("status", { enum: ["pending", "retrying", "done", "dead"] }).notNull(),
  attempts: integer("attempts").notNull().default(0),
  lastError: text("last_error"),
  externalId: text("external_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  nextAttemptAt: text("next_attempt_at"),
  claimedUntil: text("claimed_until"),
});
export type EffectRow = typeof effects.$inferSelect;

/** Mirrors migrations/0004_policies.sql. */
export const policies = sqliteTable("policies", {
  version: integer("version").primaryKey({ autoIncrement: true }),
  body: text("body").notNull(),
  createdAt: text("created_at").notNull(),
});

/** Mirrors migrations/0025_email_sending.sql: each cadence email's send, before and after the provider's answer. */
export const emailSends = sqliteTable("email_sends", {
  effectId: text("effect_id").primaryKey(),
  recordKey: text("record_key").notNull(),
  recipient: text("recipient").notNull(),
  sender: text("sender").notNull(),
  provider: text("provider").notNull(),
  messageId: text("message_id").notNull().unique(),
  providerMessageId: text("provider_message_id"),
  status: text("status", { enum: ["sending", "sent", "failed"] }).notNull(),
  personDay: text("person_day").notNull(),
  senderDay: text("sender_day").notNull(),
  cadence: text("cadence"),
  step: text("step"),
  source: text("source"),
  ownerId: text("owner_id"),
  attemptedAt: text("attempted_at").notNull(),
  sentAt: text("sent_at"),
  detail: text("detail"),
});
export type EmailSendRow = typeof emailSends.$inferSelect;

/** Mirrors migrations/0025_email_sending.sql: addresses no cadence email goes to. */
export const emailSuppressions = sqliteTable("email_suppressions", {
  recipient: text("recipient").primaryKey(),
  reason: text("reason", { enum: ["hard bounce", "complaint", "unsubscribe", "refused by the provider"] }).notNull(),
  source: text("source").notNull(),
  detail: text("detail"),
  suppressedAt: text("suppressed_at").notNull(),
});
export type EmailSuppressionRow = typeof emailSuppressions.$inferSelect;

/** Mirrors migrations/0025_email_sending.sql: the latest verdict per address. */
export const emailVerifications = sqliteTable("email_verifications", {
  recipient: text("recipient").primaryKey(),
  verdict: text("verdict", { enum: ["deliverable", "risky", "undeliverable", "unknown"] }).notNull(),
  reasons: text("reasons").notNull(),
  checkedAt: text("checked_at").notNull(),
});

/** Mirrors migrations/0025_email_sending.sql: what DNS said of a domain's mail, until it expires. */
export const emailDomains = sqliteTable("email_domains", {
  domain: text("domain").primaryKey(),
  mail: text("mail").notNull(),
  checkedAt: text("checked_at").notNull(),
  expiresAt: text("expires_at").notNull(),
});

/** Mirrors migrations/0025_email_sending.sql: provider events seen, by their id. */
export const emailEvents = sqliteTable("email_events", {
  id: text("id").primaryKey(),
  provider: text("provider").notNull(),
  kind: text("kind").notNull(),
  messageId: text("message_id"),
  recipient: text("recipient"),
  receivedAt: text("received_at").notNull(),
});
