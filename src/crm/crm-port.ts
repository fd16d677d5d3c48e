import type { ConnectionCheck } from "../platform/connection";
import type { EffectOf, SalesforceConsentTarget, TaskAction } from "../core/model/effects";
import type { Failure, Result } from "../platform/failure";
import type { Outcome } from "../platform/outcome";

export interface TaskWrite {
  /**
   * Stored on the CRM task in a unique field (HubSpot custom property, Salesforce external id),
   * so a retry finds the task an earlier attempt created instead of creating a second one.
   */
  key: string;
  task: EffectOf<"createTask">;
}

export interface RecordUpdate {
  objectType: string;
  objectId: string;
  properties: Record<string, string | null>;
}

export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
  /** For properties asked with `previousOf`: the value held before the current one (null: none in the CRM's history). */
  previous?: Record<string, string | null>;
}

/** A task found by its key. */
export interface TaskStatus {
  key: string;
  id: string;
  status: "open" | "completed";
}

/**
 * What updateTasks did with one key. `changed`: the action was applied now. `unchanged`: the
 * task already was as asked (completed, or due then). `kept`: a rep completed it, so it is
 * neither deleted nor moved. `missing`: no task holds the key (its createTask never ran, or the
 * task was deleted); not an error.
 */
export interface TaskKeyResult {
  key: string;
  taskId?: string;
  result: "changed" | "unchanged" | "kept" | "missing";
}

/** Someone already in the CRM with a submitted email address. */
export interface PersonMatch {
  /** As stored (compared case-insensitively). */
  email: string;
  /** HubSpot contact; Salesforce lead (not converted) or contact. */
  objectType: "contact" | "lead";
  id: string;
  ownerId: string | null;
}

/** A company the CRM knows by its web domain (Salesforce Account.Website). */
export interface AccountMatch {
  domain: string;
  id: string;
  ownerId: string | null;
}

/** A person written from a form: the record it matched, or created (unless someone has the email by then). */
export interface PersonWrite {
  email: string;
  objectType: "contact" | "lead";
  /** The record it matched when the submission was processed. */
  recordId?: string;
  properties: Record<string, string>;
}

export type PersonWritten = { ok: true; id: string; objectType: "contact" | "lead"; created: boolean } | { ok: false; failure: Failure };

/** An Outcome that, when it succeeds, also says key by key what happened. */
export type TaskUpdateOutcome = { ok: true; externalId?: string; tasks: TaskKeyResult[] } | { ok: false; failure: Failure };

/**
 * What the outbox and the rules need from a CRM. Each adapter batches as its API allows and
 * returns one outcome per input, in input order. The same contract suite runs against each.
 */
export interface CrmPort {
  readonly crm: "hubspot" | "salesforce";
  /** Largest batch one API call takes. */
  readonly maxBatch: number;
  /** One cheap authenticated read, paced like every call: can the service still sign in, and how much of the day's allowance is used. */
  checkConnection(): Promise<ConnectionCheck>;
  createTasks(writes: TaskWrite[]): Promise<Outcome[]>;
  updateRecords(updates: RecordUpdate[]): Promise<Outcome[]>;
  /**
   * Reads a record fresh (webhooks can be missed); null when it does not exist. `previousOf`:
   * properties whose value before the current one is wanted too, from the CRM's history.
   */
  getRecord(objectType: string, objectId: string, properties: string[], previousOf?: string[]): Promise<Result<CrmRecord | null>>;
  /**
   * Reads records of one type by id in as few calls as the API allows (a CRM without batch reads
   * leaves it out), answering each id on its own: its record, null, or the failure that concerns it.
   */
  getRecords?(objectType: string, ids: string[], properties: string[]): Promise<Map<string, Result<CrmRecord | null>>>;
  /** The tasks holding these keys; keys no task holds are left out. */
  findTasks(keys: string[]): Promise<Result<TaskStatus[]>>;
  /**
   * Applies the action to the open tasks holding these keys, in as few calls as the API allows.
   * Running it again changes nothing more; the outcome's externalId summarizes what happened.
   */
  updateTasks(keys: string[], action: TaskAction): Promise<TaskUpdateOutcome>;
  /** Everyone holding one of these email addresses (read at once: HubSpot's search lags, lookups by email do not). */
  findPeople(emails: string[]): Promise<Result<PersonMatch[]>>;
  /** Accounts by web domain; a CRM that links companies by domain itself (HubSpot) answers none. */
  findAccounts(domains: string[]): Promise<Result<AccountMatch[]>>;
  /**
   * Writes people from forms, one outcome per input in order. Idempotent by email: a retry after a
   * lost answer finds the record the first try created and updates it instead of creating another.
   */
  upsertPeople(writes: PersonWrite[]): Promise<PersonWritten[]>;
  /**
   * Subscribes addresses to communication types with the legal basis (HubSpot's communication
   * preferences); a CRM without them has no such method. Subscribing again changes nothing.
   */
  subscribeEmails?(subscriptions: EmailSubscription[]): Promise<Outcome[]>;
  /**
   * Records consents on people's records where the org keeps them (Salesforce: a checkbox field
   * or the Consent objects); a CRM that keeps them otherwise has no such method. Recording one
   * again changes nothing: the same key finds what an earlier try wrote.
   */
  recordConsents?(writes: ConsentWrite[]): Promise<Outcome[]>;
  /**
   * Puts sent emails on the people's timelines as the rep's (HubSpot email engagements,
   * Salesforce Tasks of subtype Email), keyed: logging one again changes nothing.
   */
  logEmails(writes: EmailLogWrite[]): Promise<Outcome[]>;
  /** Writes a person's email opt-out (HubSpot subscription statuses, Salesforce HasOptedOutOfEmail); again changes nothing. */
  optOutEmails(writes: EmailOptOut[]): Promise<Outcome[]>;
  /**
   * Logs meetings booked on the spot on people's records (HubSpot: a meeting engagement associated
   * with the contact, owned by the rep; Salesforce: an Event with WhoId and OwnerId), one outcome
   * per input in order. Keyed: writing one again (a retry, a move) updates the one there.
   */
  writeMeetings?(writes: MeetingWrite[]): Promise<Outcome[]>;
}

/** A sent email for the CRM timeline; `key` is the logEmail effect's id, written in the task key field. */
export interface EmailLogWrite {
  key: string;
  email: {
    objectType: string;
    objectId: string;
    ownerId: string;
    fromAddress: string;
    fromName?: string;
    toAddress: string;
    subject: string;
    text: string;
    html: string;
    sentAt: string;
  };
}

/** An opt-out for the person's record (Salesforce) or address (HubSpot's subscription types). */
export interface EmailOptOut {
  objectType: string;
  objectId: string;
  email: string;
  subscriptionIds: string[];
}

/** A meeting booked with a rep, as the CRM logs it on the person's record. */
export interface MeetingWrite {
  /** The booking's id, kept in the meeting's unique key field. */
  key: string;
  action: "book" | "move" | "cancel";
  person: { objectType: "contact" | "lead"; id: string };
  ownerId?: string;
  title: string;
  body: string;
  startsAt: string;
  endsAt: string;
  joinUrl?: string;
}

/** A consent given or withdrawn, for the CRM record of a person (Salesforce: a field or the Consent objects). */
export interface ConsentWrite {
  /** The effect's id. */
  key: string;
  email: string;
  /** The Lead or Contact it belongs to; absent: the person the CRM has with the email. */
  person?: { objectType: "contact" | "lead"; id: string };
  status: "OptIn" | "OptOut";
  /** When it was given or withdrawn (ISO 8601). */
  at: string;
  target: SalesforceConsentTarget;
}

export interface EmailSubscription {
  email: string;
  subscriptionId: string;
  legalBasis: string;
  legalBasisExplanation: string;
}

/**
 * The failure code of a write the account's own validation rules refused (a HubSpot portal's
 * property or conditional rules): permanent, and told apart so it is shown and alerted as a rule
 * an admin must change, not as a bug.
 */
export const VALIDATION_RULE = "VALIDATION_RULE";

/** The CRM-side field that carries an effect's idempotency key. */
export const HUBSPOT_TASK_KEY_PROPERTY = "lead_follow_up_key";
export const SALESFORCE_TASK_KEY_FIELD = "Idempotency_Key__c";
