import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/*
 * The typed view of the D1 schema. migrations/*.sql is the schema of record (wrangler applies it);
 * this file mirrors every table the migrations create, column for column, so queries name columns
 * the compiler checks. test/integration/storage-schema.test.ts compares each table here with the
 * migrated database (columns, types, nullability, defaults, keys, indexes): a migration without
 * its mirror here, or the other way round, fails it.
 *
 * What drizzle cannot say is said by the migrations alone: CHECK constraints (mirrored as `enum`
 * types where they list values), WITHOUT ROWID, and the triggers on intake_consents. The rowid of
 * the tables that keep one is no column here; the few queries that need it (facts' watermark,
 * insertion order) say `rowid` in their SQL.
 */

// migrations/0001_records.sql
/** One row per CRM record the service follows, written only by that record's Durable Object. */
export const records = sqliteTable(
  "records",
  {
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
  },
  (t) => [index("records_by_account_type").on(t.crm, t.accountId, t.objectType)],
);

// migrations/0002_undelivered_record_events.sql
/** Webhook events the queue could not hand to their record's object after every retry. */
export const undeliveredRecordEvents = sqliteTable(
  "undelivered_record_events",
  {
    messageId: text("message_id").primaryKey(),
    recordKey: text("record_key").notNull(),
    eventsJson: text("events_json").notNull(),
    deadAt: text("dead_at").notNull(),
  },
  (t) => [index("undelivered_by_time").on(t.deadAt)],
);

// migrations/0003_effects.sql, 0005_effect_claims.sql
/** The outbox: every effect a rule decided, stored before anything executes it. */
export const effects = sqliteTable(
  "effects",
  {
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
  },
  (t) => [index("effects_by_status").on(t.status, t.updatedAt), index("effects_by_lead").on(t.leadKey, t.createdAt)],
);
export type EffectRow = typeof effects.$inferSelect;

// migrations/0004_policies.sql
/** Every accepted policy, never overwritten: the highest version is the active one. */
export const policies = sqliteTable("policies", {
  version: integer("version").primaryKey({ autoIncrement: true }),
  body: text("body").notNull(),
  createdAt: text("created_at").notNull(),
  /** Who saved it (migrations/0016), when the console knows. */
  savedBy: text("saved_by"),
  /** What it changed, in words, when saved from a console page. */
  note: text("note"),
});

// migrations/0006_lead_addresses.sql
/** Which records a canonical email address belongs to, so an inbound reply finds its lead. */
export const leadAddresses = sqliteTable(
  "lead_addresses",
  {
    address: text("address").notNull(),
    recordKey: text("record_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.address, t.recordKey] }), index("lead_addresses_by_record").on(t.recordKey)],
);

// migrations/0007_mailgun_tokens.sql
/** Mailgun's one-time tokens seen: one seen before is a replay. */
export const mailgunTokens = sqliteTable(
  "mailgun_tokens",
  {
    token: text("token").primaryKey(),
    seenAt: text("seen_at").notNull(),
  },
  (t) => [index("mailgun_tokens_by_age").on(t.seenAt)],
);

// migrations/0008_intake.sql, 0014_intake_claims_and_retention.sql
/** One row per form submission, spam included, stored before the form is answered. */
export const intakeSubmissions = sqliteTable(
  "intake_submissions",
  {
    id: text("id").primaryKey(),
    formKey: text("form_key").notNull(),
    status: text("status", { enum: ["received", "spam", "processing", "processed", "failed", "dead"] }).notNull(),
    email: text("email").notNull(),
    rawJson: text("raw_json").notNull(),
    submissionJson: text("submission_json").notNull(),
    contextJson: text("context_json").notNull(),
    spamReason: text("spam_reason"),
    receivedAt: text("received_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("intake_submissions_by_email").on(t.email, t.receivedAt), index("intake_submissions_by_status").on(t.status, t.receivedAt)],
);

/** What happened to a submission, each step once with its time. */
export const intakeSubmissionSteps = sqliteTable(
  "intake_submission_steps",
  {
    submissionId: text("submission_id").notNull(),
    step: text("step").notNull(),
    at: text("at").notNull(),
    detailJson: text("detail_json"),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.step] })],
);

/** Idempotency keys per form, claimed in the batch that stores the submission. */
export const intakeIdempotency = sqliteTable(
  "intake_idempotency",
  {
    formKey: text("form_key").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    submissionId: text("submission_id").notNull(),
    state: text("state", { enum: ["in_progress", "done"] }).notNull(),
    answerJson: text("answer_json"),
    claimedAt: text("claimed_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    tokenHash: text("token_hash"),
    spam: integer("spam", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.formKey, t.key] }), index("intake_idempotency_by_expiry").on(t.expiresAt)],
);

/** Consent that can be proven: appended, never changed (the migrations' triggers refuse it). */
export const intakeConsents = sqliteTable(
  "intake_consents",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    address: text("address").notNull(),
    action: text("action", { enum: ["given", "withdrawn"] }).notNull(),
    consentId: text("consent_id").notNull(),
    purpose: text("purpose").notNull(),
    legalBasis: text("legal_basis").notNull(),
    text: text("text"),
    textVersion: text("text_version"),
    textHash: text("text_hash"),
    formKey: text("form_key"),
    pageUrl: text("page_url"),
    submissionId: text("submission_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    source: text("source").notNull(),
    detail: text("detail"),
    recordedAt: text("recorded_at").notNull(),
  },
  (t) => [index("intake_consents_by_email").on(t.email, t.recordedAt)],
);

/** First and last touch per person (canonical address). */
export const intakeLeadTouches = sqliteTable("intake_lead_touches", {
  email: text("email").primaryKey(),
  firstTouchJson: text("first_touch_json").notNull(),
  firstSubmissionId: text("first_submission_id").notNull(),
  firstAt: text("first_at").notNull(),
  lastTouchJson: text("last_touch_json").notNull(),
  lastSubmissionId: text("last_submission_id").notNull(),
  lastAt: text("last_at").notNull(),
  submissions: integer("submissions").notNull(),
});

// migrations/0009_facts.sql
/** Lifecycle facts for reporting, appended as they happen; the rowid is the rollups' watermark. */
export const facts = sqliteTable(
  "facts",
  {
    key: text("key").notNull().unique(),
    kind: text("kind").notNull(),
    at: text("at").notNull(),
    recordKey: text("record_key").notNull(),
    crm: text("crm").notNull(),
    objectType: text("object_type").notNull(),
    source: text("source"),
    team: text("team"),
    rep: text("rep"),
    cadence: text("cadence"),
    step: text("step"),
    stage: text("stage"),
    gate: text("gate"),
    reason: text("reason"),
    data: text("data"),
  },
  (t) => [index("facts_by_time").on(t.at), index("facts_by_record").on(t.recordKey, t.kind, t.at)],
);

/** Facts counted per local day and combination of dimensions ('' for none). WITHOUT ROWID. */
export const factRollups = sqliteTable(
  "fact_rollups",
  {
    day: text("day").notNull(),
    kind: text("kind").notNull(),
    source: text("source").notNull(),
    team: text("team").notNull(),
    rep: text("rep").notNull(),
    cadence: text("cadence").notNull(),
    step: text("step").notNull(),
    stage: text("stage").notNull(),
    gate: text("gate").notNull(),
    reason: text("reason").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.kind, t.source, t.team, t.rep, t.cadence, t.step, t.stage, t.gate, t.reason] })],
);

/** One row per lead: when it was created, first tasked and first contacted. WITHOUT ROWID. */
export const leadTimings = sqliteTable(
  "lead_timings",
  {
    recordKey: text("record_key").primaryKey(),
    day: text("day").notNull(),
    createdAt: text("created_at").notNull(),
    source: text("source").notNull(),
    team: text("team").notNull(),
    rep: text("rep").notNull(),
    cadence: text("cadence").notNull(),
    firstTaskAt: text("first_task_at"),
    firstContactAt: text("first_contact_at"),
    systemMs: integer("system_ms"),
    repMs: integer("rep_ms"),
  },
  (t) => [
    index("lead_timings_system_by_day").on(t.day, t.systemMs, t.source, t.team, t.rep, t.cadence),
    index("lead_timings_rep_by_day").on(t.day, t.repMs, t.source, t.team, t.rep, t.cadence),
    index("lead_timings_by_system").on(t.systemMs, t.day, t.source, t.team, t.rep, t.cadence),
    index("lead_timings_by_rep").on(t.repMs, t.day, t.source, t.team, t.rep, t.cadence),
  ],
);

/** Where the rollups stand: one row (id 1). */
export const rollupState = sqliteTable("rollup_state", {
  id: integer("id").primaryKey(),
  zone: text("zone").notNull(),
  watermark: integer("watermark").notNull(),
  rolledAt: text("rolled_at").notNull(),
});

// migrations/0010_console.sql
/** What the console searches leads by: one narrow row per record. WITHOUT ROWID. */
export const recordSearch = sqliteTable(
  "record_search",
  {
    recordKey: text("record_key").primaryKey(),
    email: text("email"),
    name: text("name"),
    updatedAt: text("updated_at").notNull(),
    /** The name as the CRM writes it (`name` is lower-cased for finding): migrations/0016. */
    displayName: text("display_name"),
  },
  (t) => [index("record_search_by_email").on(t.email)],
);

/** The last webhook accepted per source. */
export const webhookArrivals = sqliteTable("webhook_arrivals", {
  source: text("source").primaryKey(),
  lastAt: text("last_at").notNull(),
});

/** One row per alert: whether it is firing, since when, and when Slack last heard of it. */
export const alerts = sqliteTable("alerts", {
  id: text("id").primaryKey(),
  firing: integer("firing", { mode: "boolean" }).notNull(),
  title: text("title").notNull(),
  detail: text("detail").notNull(),
  since: text("since"),
  lastSentAt: text("last_sent_at"),
  sentLevel: real("sent_level"),
  evaluatedAt: text("evaluated_at").notNull(),
});

// migrations/0011_ingest_acceptance.sql
/** Events of an authentic request that the Worker could not use, kept with the reason. */
export const parkedEvents = sqliteTable(
  "parked_events",
  {
    id: text("id").primaryKey(),
    source: text("source", { enum: ["hubspot-webhook", "salesforce-cdc", "salesforce-outbound"] }).notNull(),
    accountId: text("account_id"),
    eventIndex: integer("event_index"),
    reason: text("reason").notNull(),
    raw: text("raw").notNull(),
    rawBytes: integer("raw_bytes").notNull(),
    rawTruncated: integer("raw_truncated", { mode: "boolean" }).notNull().default(false),
    parkedAt: text("parked_at").notNull(),
  },
  (t) => [index("parked_events_by_time").on(t.parkedAt, t.id), index("parked_events_by_source").on(t.source, t.parkedAt, t.id)],
);

/** Events too large for one queue message: the body waits here and the message names it. */
export const largeRecordEvents = sqliteTable(
  "large_record_events",
  {
    recordKey: text("record_key").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    body: text("body").notNull(),
    storedAt: text("stored_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.recordKey, t.dedupeKey] }), index("large_record_events_by_age").on(t.storedAt)],
);

/** Salesforce reads of "records of this object changed, unsaid which", page by page. */
export const reconciliations = sqliteTable(
  "reconciliations",
  {
    id: text("id").primaryKey(),
    crm: text("crm").notNull(),
    accountId: text("account_id").notNull(),
    objectType: text("object_type").notNull(),
    sobject: text("sobject").notNull(),
    since: text("since").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["running", "done", "failed"] }).notNull(),
    fields: text("fields"),
    cursor: text("cursor"),
    resumeFrom: text("resume_from"),
    pages: integer("pages").notNull().default(0),
    records: integer("records").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    claimedUntil: text("claimed_until"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
  },
  (t) => [index("reconciliations_by_status").on(t.status, t.updatedAt), index("reconciliations_by_time").on(t.createdAt, t.id)],
);

// migrations/0012_bench_floor.sql
/** One counter row written by the benchmark's floor route. */
export const benchFloor = sqliteTable("bench_floor", {
  id: integer("id").primaryKey(),
  writes: integer("writes").notNull(),
});

// migrations/0013_consent_write_holds.sql
/** Holds on a person's consent writes: one effect consumer at a time. */
export const consentWriteHolds = sqliteTable("consent_write_holds", {
  person: text("person").primaryKey(),
  holder: text("holder").notNull(),
  heldUntil: text("held_until").notNull(),
});

// migrations/0015_console_sessions.sql
/** Console sessions signed in with the admin token, by a hash of the session id. WITHOUT ROWID. */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("console_sessions_by_expiry").on(t.expiresAt)],
);

/** Console sign-ins refused for a wrong admin token, counted per minute. WITHOUT ROWID. */
export const consoleSignInFailures = sqliteTable("console_sign_in_failures", {
  minute: text("minute").primaryKey(),
  failures: integer("failures").notNull(),
});

// migrations/0016_console_people_and_policy_authors.sql
/** The CRMs' labels for field values (deal stages, lead statuses), read from the CRM and kept a day. WITHOUT ROWID. */
export const crmLabels = sqliteTable(
  "crm_labels",
  {
    crm: text("crm").notNull(),
    accountId: text("account_id").notNull(),
    objectType: text("object_type").notNull(),
    property: text("property").notNull(),
    value: text("value").notNull(),
    label: text("label").notNull(),
    /** The CRM's order (a pipeline's stages in sequence). */
    position: integer("position").notNull(),
    readAt: text("read_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.crm, t.accountId, t.objectType, t.property, t.value] })],
);

/** When each account's labels were last read (or a read was started): one reader at a time, once a day. */
export const crmLabelReads = sqliteTable("crm_label_reads", {
  /** `crm:account` */
  target: text("target").primaryKey(),
  readAt: text("read_at").notNull(),
});

/** Mirrors migrations/0025_email_sending.sql: each cadence email's send, before and after the provider's answer. */
export const emailSends = sqliteTable(
  "email_sends",
  {
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
  },
  (t) => [
    index("email_sends_by_person_day").on(t.recipient, t.personDay),
    index("email_sends_by_sender_day").on(t.sender, t.senderDay),
    index("email_sends_by_provider_id").on(t.providerMessageId),
    index("email_sends_by_record").on(t.recordKey),
  ],
);
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
export const emailDomains = sqliteTable(
  "email_domains",
  {
    domain: text("domain").primaryKey(),
    mail: text("mail").notNull(),
    checkedAt: text("checked_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("email_domains_by_expiry").on(t.expiresAt)],
);

/** Mirrors migrations/0025_email_sending.sql: provider events seen, by their id. */
export const emailEvents = sqliteTable(
  "email_events",
  {
    id: text("id").primaryKey(),
    provider: text("provider").notNull(),
    kind: text("kind").notNull(),
    messageId: text("message_id"),
    recipient: text("recipient"),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [index("email_events_by_time").on(t.receivedAt)],
);

/** Mirrors migrations/0030_bookings.sql. */
export const bookings = sqliteTable(
  "bookings",
  {
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
  },
  (t) => [index("bookings_by_start").on(t.startsAt).where(sql`status = 'booked'`)],
);
export type BookingRow = typeof bookings.$inferSelect;
