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

/** Mirrors migrations/0030_bookings.sql. */
export const bookings = sqliteTable("bookings", {
  id: text("id").primaryKey(),
  submissionId: text("submission_id").notNull().unique(),
  formKey: text("form_key").notNull(),
  source: text("source").notNull(),
  crm: text("crm", { enum: ["hubspot", "salesforce"] }).notNull(),
  status: text("status", { enum: ["holding", "booked", "released", "cancelled"] }).notNull(),
  attemptHash: text("attempt_hash").notNull(),
  claimedUntil: text("claimed_until"),
  repId: text("rep_id"),
  ownerId: text("owner_id"),
  teamId: text("team_id"),
  provider: text("provider", { enum: ["google", "microsoft", "hubspot"] }),
  startsAt: text("starts_at"),
  endsAt: text("ends_at"),
  visitorZone: text("visitor_zone"),
  joinUrl: text("join_url"),
  sequence: integer("sequence").notNull().default(0),
  submittedAt: text("submitted_at").notNull(),
  bookedAt: text("booked_at"),
  cancelledAt: text("cancelled_at"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type BookingRow = typeof bookings.$inferSelect;
