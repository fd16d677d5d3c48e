import { z } from "zod";
import { Crm, RecordKey } from "./crm-event";
import { SALESFORCE_CONTACT_POINT_TYPES } from "../policy/forms-policy";

/**
 * What the rules want done in the world, as data. Each effect is stored with an idempotency key
 * before anything executes it; executing it twice must not do it twice.
 */
const CrmTarget = z.object({
  crm: Crm,
  accountId: z.string().min(1),
  objectType: z.string().min(1),
  objectId: z.string().min(1),
});

export const TaskPriority = z.enum(["LOW", "MEDIUM", "HIGH"]);
export const TaskChannel = z.enum(["EMAIL", "CALL", "TODO", "LINKEDIN"]);

/** What to do with the open tasks of a cadence; tasks a rep completed are never deleted or moved. */
export const TaskAction = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("complete") }),
  z.object({ kind: z.literal("delete") }),
  z.object({ kind: z.literal("reschedule"), dueAt: z.iso.datetime(), dueDate: z.iso.date().optional() }),
  /**
   * The lead changed hands: its open tasks follow it to the new owner. `dueDates`, by task key:
   * each task's due day on the new owner's calendar, for date-only due fields.
   */
  z.object({ kind: z.literal("reassign"), ownerId: z.string().min(1), dueDates: z.record(z.string(), z.iso.date()).optional() }),
]);
export type TaskAction = z.infer<typeof TaskAction>;

/** The date a date-only due field shows: the owner's date when the rule gave it, else the UTC date. */
export const taskDueDate = (due: { dueAt: string; dueDate?: string }): string => due.dueDate ?? due.dueAt.slice(0, 10);

const SlackBlocks = z.array(z.looseObject({ type: z.string() })).max(50);

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Slack's response URLs are https; plain http is accepted only for a local emulator. */
const ResponseUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}, "an https URL");

/** HubSpot's legal bases for processing (communication preferences API). */
export const HUBSPOT_LEGAL_BASES = [
  "LEGITIMATE_INTEREST_PQL",
  "LEGITIMATE_INTEREST_CLIENT",
  "PERFORMANCE_OF_CONTRACT",
  "CONSENT_WITH_NOTICE",
  "NON_GDPR",
  "PROCESS_AND_STORE",
  "LEGITIMATE_INTEREST_OTHER",
] as const;

/** Where a Salesforce org keeps a consent, as a recordSalesforceConsent effect writes it. */
export const SalesforceConsentTarget = z.discriminatedUnion("kind", [
  /** A checkbox on the Lead or Contact, and optionally a date or date/time field for when. */
  z.object({ kind: z.literal("field"), field: z.string().min(1), dateField: z.string().min(1).optional() }),
  /**
   * A ContactPointTypeConsent. Its Name is unique to the effect (a retry looks it up before it
   * creates one); Name and CaptureSource say what, on which basis and text version, and where.
   */
  z.object({
    kind: z.literal("consentObject"),
    dataUsePurposeId: z.string().min(15).max(18),
    contactPointType: z.enum(SALESFORCE_CONTACT_POINT_TYPES),
    name: z.string().min(1).max(255),
    captureSource: z.string().min(1).max(255),
  }),
]);
export type SalesforceConsentTarget = z.infer<typeof SalesforceConsentTarget>;

/** A mailbox in an email effect: a bare address and, for the From, a display name. */
const Mailbox = z.object({ address: z.string().min(3).max(254), name: z.string().max(100).optional() });
const MessageId = z.string().regex(/^<[^<>\s]+@[^<>\s]+>$/, "a Message-ID like <id@domain>");

/** A cadence email (src/outreach sends it): rendered, threaded, and what to do when it cannot go. */
export const SendEmail = CrmTarget.extend({
  type: z.literal("sendEmail"),
  /** The CRM owner it is sent as (logged as theirs, and whose task it becomes when it cannot go). */
  ownerId: z.string().min(1),
  from: Mailbox,
  to: Mailbox,
  subject: z.string().min(1).max(998),
  text: z.string().min(1).max(100_000),
  html: z.string().min(1).max(200_000),
  messageId: MessageId,
  inReplyTo: MessageId.optional(),
  references: z.array(MessageId).max(20).default([]),
  /** The policy's purpose it serves and the lawful bases that purpose accepts. */
  purpose: z.object({ id: z.string().min(1), consents: z.array(z.string()).max(20), legitimateInterest: z.boolean() }),
  cadence: z.string().min(1),
  step: z.string().min(1),
  source: z.string().nullable(),
  /** When the step was due. */
  dueAt: z.iso.datetime(),
  /** The lead's calendar: a send held back (a daily cap, a long outage) goes at a working time of theirs. */
  leadCalendar: z.object({
    zone: z.string().min(1),
    hours: z.object({ days: z.array(z.number().int().min(1).max(7)), start: z.string(), end: z.string() }),
    holidays: z.array(z.string()).max(500).default([]),
  }),
  caps: z.object({ perPersonPerDay: z.number().int().min(1), perSenderPerDay: z.number().int().min(1) }),
  /** Risky addresses (role, disposable) are emailed too. */
  emailRisky: z.boolean().default(true),
  /** The task the owner gets instead when the email cannot be sent. */
  task: z.object({ priority: TaskPriority, dueDate: z.iso.date().optional() }),
});

export const Effect = z.discriminatedUnion("type", [
  SendEmail,
  /**
   * A sent cadence email on the person's CRM timeline, as the rep's: a HubSpot email engagement,
   * a Salesforce Task with TaskSubtype Email. Keyed like tasks, so a retry logs it once.
   */
  CrmTarget.extend({
    type: z.literal("logEmail"),
    ownerId: z.string().min(1),
    from: z.string().min(3).max(400),
    to: z.string().min(3).max(400),
    subject: z.string().min(1).max(998),
    text: z.string().max(65_000),
    html: z.string().max(200_000),
    sentAt: z.iso.datetime(),
    messageId: MessageId,
  }),
  /** The person unsubscribed: the CRM's opt-out (HubSpot subscription statuses, Salesforce HasOptedOutOfEmail). */
  CrmTarget.extend({
    type: z.literal("optOutEmail"),
    email: z.string().min(3).max(254),
    /** HubSpot subscription types to unsubscribe the address from. */
    subscriptionIds: z.array(z.string().regex(/^\d+$/)).max(20).default([]),
    /** What it came from, for HubSpot's legal basis explanation. */
    reason: z.string().min(1).max(500),
  }),
  CrmTarget.extend({
    type: z.literal("createTask"),
    /** CRM owner id (HubSpot owner, Salesforce user) the task belongs to. */
    ownerId: z.string().min(1),
    subject: z.string().min(1).max(255),
    body: z.string().max(65_000).default(""),
    dueAt: z.iso.datetime(),
    /**
     * The day it is due on the owner's calendar, for CRMs whose due field is a date without a
     * time (Salesforce ActivityDate): 02:00 UTC is still yesterday for a rep in California.
     * Without it, the UTC date.
     */
    dueDate: z.iso.date().optional(),
    priority: TaskPriority,
    channel: TaskChannel,
  }),
  CrmTarget.extend({
    type: z.literal("updateTasks"),
    /** The createTask effects' ids, which the CRM holds as the tasks' keys; the target is the lead they belong to. */
    taskKeys: z.array(z.string().min(1)).min(1).max(100),
    action: TaskAction,
  }),
  CrmTarget.extend({ type: z.literal("assignOwner"), ownerId: z.string().min(1) }),
  /**
   * A form's lead written to the CRM: the record it matched updated, else created (idempotent by
   * email). Once written, its record hears of the submission (a `submitted` event).
   */
  z.object({
    type: z.literal("upsertLead"),
    crm: Crm,
    accountId: z.string().min(1),
    /** HubSpot contact; Salesforce lead, or the contact a submission matched. */
    objectType: z.enum(["contact", "lead"]),
    email: z.string().min(3).max(254),
    /** The record the submission matched; absent: a new one. */
    recordId: z.string().min(1).optional(),
    properties: z.record(z.string(), z.string()),
    /**
     * Owners to write instead, in turn, when the CRM refuses the owner in `properties` (a rep it no
     * longer has): the routed team's fallback owner. After them the lead is written without one.
     */
    ownerFallbacks: z.array(z.string().min(1)).max(3).optional(),
    submission: z.object({
      id: z.string().min(1),
      formKey: z.string().min(1),
      source: z.string().min(1),
      at: z.iso.datetime(),
      timeZone: z.string().optional(),
    }),
  }),
  CrmTarget.extend({ type: z.literal("updateProperties"), properties: z.record(z.string(), z.string().nullable()) }),
  /** A consent given on a form, written to HubSpot's communication preferences: the subscription and its legal basis. */
  z.object({
    type: z.literal("subscribeEmail"),
    crm: z.literal("hubspot"),
    accountId: z.string().min(1),
    email: z.string().min(3).max(254),
    subscriptionId: z.string().regex(/^\d+$/),
    legalBasis: z.enum(HUBSPOT_LEGAL_BASES),
    /** What was agreed to, in which version, where: HubSpot shows it beside the subscription. */
    legalBasisExplanation: z.string().min(1).max(2_000),
  }),
  /**
   * A consent given (OptIn) or withdrawn (OptOut), written to Salesforce the way the policy says:
   * a checkbox (and its date) on the person, or a ContactPointTypeConsent for the person's
   * Individual. The proof itself stays in intake_consents.
   */
  z.object({
    type: z.literal("recordSalesforceConsent"),
    crm: z.literal("salesforce"),
    accountId: z.string().min(1),
    email: z.string().min(3).max(254),
    /**
     * The effect that writes the person (the submission's upsertLead): this waits until it is done
     * and takes the record it wrote. Without it, the person is found by email.
     */
    afterWrite: z.string().min(1).optional(),
    /** The person's record key, when it is known (a withdrawal comes from the record itself). */
    person: RecordKey.optional(),
    status: z.enum(["OptIn", "OptOut"]),
    /** When it was given or withdrawn. */
    at: z.iso.datetime(),
    target: SalesforceConsentTarget,
  }),
  /**
   * A meeting booked on the spot (src/booking), logged on the record its submission's lead write
   * wrote (it waits for that write): a HubSpot meeting engagement, a Salesforce Event, keyed by the
   * booking. A new booking then tells the record (a meetingBooked event, which stops its cadence).
   */
  z.object({
    type: z.literal("writeMeeting"),
    crm: Crm,
    accountId: z.string().min(1),
    /** The submission's upsertLead effect: this waits until it is done and takes the record it wrote. */
    afterWrite: z.string().min(1),
    bookingId: z.string().regex(/^[0-9a-f]{40}$/),
    action: z.enum(["book", "move", "cancel"]),
    submissionId: z.string().min(1).max(100),
    ownerId: z.string().min(1).optional(),
    title: z.string().min(1).max(255),
    body: z.string().max(5_000),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    joinUrl: z.string().max(2_000).optional(),
    bookedAt: z.iso.datetime(),
    /** The calendar logged the meeting in this CRM itself (HubSpot's scheduler): only the record is told. */
    loggedByCalendar: z.boolean().default(false),
    /** The lead goes to the rep (a team's booking went to another rep than intake's). */
    assignOwner: z.boolean().default(false),
  }),
  z.object({
    type: z.literal("postSlackMessage"),
    /** A Slack user id (U…) for a direct message, or a channel id. */
    channel: z.string().regex(/^[UCDGW][A-Z0-9]+$/, "a Slack user or channel id"),
    text: z.string().min(1).max(40_000),
    blocks: SlackBlocks.optional(),
    /** The ts of the message to reply under, making this a thread reply. */
    threadTs: z
      .string()
      .regex(/^\d+\.\d+$/, "a Slack message ts")
      .optional(),
  }),
  z.object({
    type: z.literal("respondInSlack"),
    /** The response_url of a Slack interaction (a button click): good for 5 replies within 30 minutes. */
    responseUrl: ResponseUrl,
    text: z.string().min(1).max(40_000),
    /** Replaces the message the button was on, so it cannot be clicked again. */
    replaceOriginal: z.boolean().default(true),
    blocks: SlackBlocks.optional(),
  }),
  /**
   * A record's rules have seen the submission its write came from (enrolled it in a cadence, or
   * not, and why): the submission's last step. Intake owns submissions and writes it.
   */
  z.object({
    type: z.literal("noteSubmissionFollowedUp"),
    submissionId: z.string().min(1).max(100),
    recordKey: RecordKey,
    /** The cadence it was enrolled in, and its first step as the enrolment planned it. */
    enrolled: z.object({ cadence: z.string(), firstTouch: z.unknown().optional() }).optional(),
    /** Each rule's outcome, in words ("cadence: enrolled"). */
    decisions: z.array(z.string().max(300)).max(50),
  }),
  /**
   * The person opted out in the CRM (a change made by a person, not our own write's echo):
   * intake withdraws the consents given on our forms before it, at each of the record's addresses,
   * and writes the withdrawal where the policy maps Salesforce consents.
   */
  z.object({
    type: z.literal("withdrawConsents"),
    recordKey: RecordKey,
    crm: Crm,
    accountId: z.string().min(1),
    addresses: z.array(z.string().min(3).max(320)).max(20),
    /** The change that opted out (its dedupe key): one withdrawal per change, however often it is run. */
    reference: z.string().min(1).max(300),
    occurredAt: z.iso.datetime(),
    /** What opted out, in words ("hs_email_optout = true on hubspot:…"). */
    detail: z.string().max(1_000),
  }),
]);
export type Effect = z.infer<typeof Effect>;
export type EffectType = Effect["type"];
export type EffectOf<T extends EffectType> = Extract<Effect, { type: T }>;

/** An effect as a rule emits it: what to do, why, and the key that makes it happen once. */
export const EffectRequest = z.object({
  idempotencyKey: z.string().min(1).max(300),
  leadKey: z.string().min(1),
  rule: z.string().min(1).max(100),
  effect: Effect,
});
export type EffectRequest = z.infer<typeof EffectRequest>;

export type EffectStatus = "pending" | "retrying" | "done" | "dead";

/** The target of cadence emails: the deployment's email provider, one send rate. */
export const EMAIL_TARGET = "email";

/** The target of effects intake carries out itself (no CRM, no quota): what records tell it. */
export const INTAKE_TARGET = "intake";

/**
 * The rate-limit and batching domain an effect executes in: one per CRM account, one for Slack.
 * Effects of one target share a quota; effects of one target and kind share batch calls.
 */
export function effectTarget(effect: Effect): string {
  switch (effect.type) {
    case "postSlackMessage":
    case "respondInSlack":
      return "slack";
    case "noteSubmissionFollowedUp":
    case "withdrawConsents":
      return INTAKE_TARGET;
    case "sendEmail":
      return EMAIL_TARGET;
    default:
      return `${effect.crm}:${effect.accountId}`;
  }
}

/** An effect as the outbox stores it: what facts and reports need of a stored effect. */
export interface StoredEffect {
  id: string;
  idempotencyKey: string;
  leadKey: string;
  rule: string;
  type: string;
  /** The effect itself, as JSON. */
  payload: string;
  updatedAt: string;
}

/** What running an effect came to: done (with the CRM's id), retried later, or dead with its error. */
export type EffectUpdate =
  | { id: string; status: "done"; attempts: number; externalId?: string }
  | { id: string; status: "retrying"; attempts: number; error: string; nextAttemptAt: Date }
  | { id: string; status: "dead"; attempts: number; error: string };
