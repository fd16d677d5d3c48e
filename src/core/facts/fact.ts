import type { Crm } from "../model/crm-event";

/**
 * Lifecycle facts: what happened to a lead, once each, for reporting. Facts are appended to D1
 * (table `facts`) as they happen and never changed; the key makes a redelivered fact a no-op.
 * Every fact names its record, CRM and object type, and the dimensions the metrics filter and
 * group by, as far as it knows them (the rollups take a lead's source and cadence from its
 * enrollment when a later fact does not carry them).
 */
export interface Dimensions {
  source?: string | null;
  team?: string | null;
  /** A CRM owner id (HubSpot owner, Salesforce user). */
  rep?: string | null;
  cadence?: string | null;
  step?: string | null;
  stage?: string | null;
  gate?: string | null;
  reason?: string | null;
}

interface FactBase<K extends string> extends Dimensions {
  kind: K;
  /** Idempotency key: the same fact recorded again is ignored. */
  key: string;
  /** When it happened, ISO 8601 UTC. */
  at: string;
  /** The record's key; for an effect of no record (an alert's Slack message), the effect's lead key. */
  recordKey: string;
  /** "none" for an effect of no record. */
  crm: Crm | "none";
  objectType: string;
  /** Anything else worth showing (the previous owner, the effect and CRM ids); plain values only. */
  data?: Record<string, string | number | boolean | null>;
}

type Needs<D extends keyof Dimensions> = { [P in D]-?: NonNullable<Dimensions[P]> };

export type Fact =
  /** The record's first event arrived (at: the CRM's creation time when the event says it). */
  | FactBase<"recordCreated">
  /** Intake: a form submission was stored. */
  | FactBase<"submissionReceived">
  /** Intake: a submission matched an existing lead; `reason` says how it matched. */
  | FactBase<"duplicateSeen">
  | (FactBase<"enrolled"> & Needs<"cadence">)
  /** A cadence step's task was decided (stored in the outbox). */
  | (FactBase<"stepWritten"> & Needs<"step">)
  /** A task reached the CRM (its createTask effect is done). */
  | FactBase<"taskWritten">
  /** A rep completed a step's task (first contact, for the first one). */
  | FactBase<"taskCompleted">
  /** A rep's activity on the lead (a call, a note) that restarted its stale clock. */
  | FactBase<"activityLogged">
  | FactBase<"slaMet">
  | FactBase<"slaBreached">
  | FactBase<"slaEscalated">
  /** A stale lead went to another owner: `rep` is the new one, `reason` "round robin" or "fallback". */
  | (FactBase<"reassigned"> & Needs<"reason">)
  /** A stale, cold lead was parked in nurture. */
  | FactBase<"parked">
  /** A deal entered a stage (a person moved it; our own reverts are not counted). */
  | (FactBase<"stageEntered"> & Needs<"stage">)
  | FactBase<"gateNudged">
  /** A deal went back from `gate` to `stage` when the grace period ended. */
  | (FactBase<"gateReverted"> & Needs<"gate">)
  /** `reason`: replied, meeting booked, unsubscribed, …; `step`: the latest step written before it. */
  | (FactBase<"cadenceStopped"> & Needs<"reason">)
  | FactBase<"cadenceFinished">
  /** A cadence email went out (the provider took it); `step`, `cadence`, `source` as the step had them, `rep` the sender's owner id. */
  | (FactBase<"emailSent"> & Needs<"step">)
  /** A cadence email could not go and became a task: `reason` says why (suppressed, no lawful basis, undeliverable, refused). */
  | (FactBase<"emailNotSent"> & Needs<"step" | "reason">)
  | (FactBase<"emailDelivered"> & Needs<"step">)
  /** `reason`: hard or soft. */
  | (FactBase<"emailBounced"> & Needs<"step" | "reason">)
  | (FactBase<"emailComplained"> & Needs<"step">)
  | (FactBase<"emailUnsubscribed"> & Needs<"step">)
  /** The rules gave up on an event after repeated failures. */
  | FactBase<"ruleGivenUp">
  /** An effect failed for good; `reason` is the failure kind. */
  | (FactBase<"effectDead"> & Needs<"reason">)
  /** An admin gave a dead effect a fresh set of attempts. */
  | FactBase<"effectRetried">
  /** Booking: a submission's visitor was offered times (once per submission); data.form names the form. */
  | FactBase<"meetingOffered">
  /** Booking: nothing could be offered; `reason` says why (nobody eligible, calendars unreachable, no free time). */
  | (FactBase<"meetingNotOffered"> & Needs<"reason">)
  /**
   * Booking: a meeting was booked; `rep` is the rep's owner id, data.form the form, and the speed to
   * meeting: data.submittedToBookedMs and data.bookedToStartMs.
   */
  | FactBase<"meetingBooked">
  | FactBase<"meetingMoved">
  | FactBase<"meetingCancelled">;

export type FactKind = Fact["kind"];

/** What became of cadence emails: counted per step in the overview and per source. */
export const EMAIL_FACT_KINDS = [
  "emailSent",
  "emailNotSent",
  "emailDelivered",
  "emailBounced",
  "emailComplained",
  "emailUnsubscribed",
] as const satisfies readonly FactKind[];

export const FACT_KINDS = [
  "recordCreated",
  "submissionReceived",
  "duplicateSeen",
  "enrolled",
  "stepWritten",
  "taskWritten",
  "taskCompleted",
  "activityLogged",
  "slaMet",
  "slaBreached",
  "slaEscalated",
  "reassigned",
  "parked",
  "stageEntered",
  "gateNudged",
  "gateReverted",
  "cadenceStopped",
  "cadenceFinished",
  ...EMAIL_FACT_KINDS,
  "ruleGivenUp",
  "effectDead",
  "effectRetried",
  "meetingOffered",
  "meetingNotOffered",
  "meetingBooked",
  "meetingMoved",
  "meetingCancelled",
] as const satisfies readonly FactKind[];

// Fails to compile when a kind is added to the union but not to the list.
type Missing = Exclude<FactKind, (typeof FACT_KINDS)[number]>;
const _allKinds: Missing extends never ? true : Missing = true;
void _allKinds;

export const DIMENSIONS = ["source", "team", "rep", "cadence", "step", "stage", "gate", "reason"] as const satisfies readonly (keyof Dimensions)[];
