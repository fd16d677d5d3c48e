import type { ConsentWrite, CrmPort, PersonWrite, PersonWritten } from "../crm/crm-port";
import { PRODUCT_FIELDS } from "../core/model/product-fields";
import type { EffectState } from "../storage/effects";
import { classify } from "../platform/failure";
import type { EffectOutcome, Outcome } from "../platform/outcome";
import { type CrmEvent, parseRecordKey, RecordKey, recordKey } from "../core/model/crm-event";
import type { EffectOf, EffectType } from "../core/model/effects";
import { canonicalAddress, parseMailbox } from "../core/model/email-address";
import { submittedEvent } from "../core/model/submitted-event";
import type { EmailSending, IntakeReports, OwnerRefused, SubmissionWritten } from "../env/ports";
import type { SlackNotifier } from "../slack/slack-notifier";
import { WORK_BUDGET_MS } from "./consumer-budget";
import type { PendingEffect } from "./pending-effect";
import { executeTaskUpdates } from "./task-update-calls";

export interface Executors {
  /** The shell's clock: when a wait for another effect ends is counted from it. */
  now(): number;
  crm(target: string): CrmPort | undefined;
  slack(): SlackNotifier | undefined;
  /** Of these createTask effect ids, the ones not executed yet (their tasks may not exist), with their next attempt. */
  unsettledTasks?(ids: string[]): Promise<Map<string, Date | null>>;
  /** For these records, the old ids their tasks written before ids were derived carry, by derived id. */
  legacyTaskIds?(leadKeys: string[]): Promise<Map<string, string>>;
  /** Hands events to their records (the record-events queue). */
  deliverEvents?(events: CrmEvent[]): Promise<void>;
  /** Notes in each submission that its lead was written to the CRM (and, when the CRM refused its owner, to whom instead). */
  submissionsWritten?(written: SubmissionWritten[]): Promise<void>;
  /** Of these reassigning updateTasks effect ids, the ones a later reassignment of the same lead replaces. */
  supersededReassignments?(ids: string[]): Promise<Set<string>>;
  /** Where these effects stand (a consent waits for its lead's write); ids never stored are left out. */
  effectStates?(ids: string[]): Promise<Map<string, EffectState>>;
  /** The shell's sleep: a consent looks again, in the same invocation, at a write running beside it. */
  sleep?(ms: number): Promise<void>;
  /** How often it looks again (CONSENT_POLL_MS; 200 ms when not given). */
  leadWritePollMs?: number;
  /**
   * Holds these people's consent writes for this run (the keys personHolds gives): the ones held,
   * and how to let go of them. Without it, writes are not serialised (a test's stand-in).
   */
  holdConsentPeople?(people: string[]): Promise<{ held: Set<string>; release(): Promise<void> }>;
  /** Intake carries out what records tell it about its submissions and consents (src/intake/record-reports.ts). */
  intake?: IntakeReports;
  /** Cadence emails are sent by outreach (src/outreach/send-emails.ts). */
  email?: EmailSending;
}

/**
 * How long an update of a task still being created waits before it looks again: past a consumer's
 * work budget, so no consumer sits idle waiting for it while the creation it waits for is
 * queued behind. The race is rare (a lead replying while its newest task is still in the outbox).
 */
const TASK_CREATION_WAIT_MS = WORK_BUDGET_MS + 5_000;

/**
 * A consent's lead write is stored with it and nearly always runs beside it, in the same claim:
 * the consent looks again within seconds (waiting costs no attempt), or just after the write's
 * next attempt when the write is retrying.
 */
const LEAD_WRITE_WAIT_MS = 3_000;
/**
 * Before waiting that long, a consent looks again for up to this long, every CONSENT_POLL_MS
 * (200 ms; Executors.leadWritePollMs): its write usually ends within a second.
 */
const LEAD_WRITE_POLL_WINDOW_MS = 2_000;
const LEAD_WRITE_POLL_MS = 200;

/**
 * What a consent write holds: the person's address as canonical (the same person however the
 * form spelled it) and, when known, their record (a record reached under another address).
 */
function personHolds(write: ConsentWrite): string[] {
  const address = canonicalAddress(write.email) ?? write.email.trim().toLowerCase();
  return [`email:${address}`, ...(write.person ? [`${write.person.objectType}:${write.person.id.slice(0, 15)}`] : [])];
}

/** A consent whose person another consumer is writing looks again after this (a write takes a second or two). */
const PERSON_HELD_WAIT_MS = 2_000;

const inProgress = (state: EffectState | undefined): boolean => state?.status === "pending" || state?.status === "retrying";

/** Where the lead writes stand, looked at again while one is running beside (not retrying later). */
async function leadWriteStates(ids: string[], deps: Executors): Promise<Map<string, EffectState>> {
  let states = ids.length > 0 ? ((await deps.effectStates?.(ids)) ?? new Map<string, EffectState>()) : new Map<string, EffectState>();
  const every = deps.leadWritePollMs ?? LEAD_WRITE_POLL_MS;
  const polls = Math.ceil(LEAD_WRITE_POLL_WINDOW_MS / Math.max(every, 1));
  for (let poll = 0; deps.sleep && poll < polls; poll++) {
    const running = [...states.values()].some((s) => inProgress(s) && (s.nextAttemptAt?.getTime() ?? 0) <= deps.now() + every);
    if (!running) break;
    await deps.sleep(every);
    states = (await deps.effectStates?.(ids)) ?? states;
  }
  return states;
}

const OWNER_FIELD = { hubspot: "hubspot_owner_id", salesforce: "OwnerId" } as const;

const notConfigured = (what: string, count: number): Outcome[] =>
  Array.from({ length: count }, () => ({ ok: false, failure: { kind: "permanent", message: `${what} is not configured` } }));

/**
 * One executor per effect type, each taking a batch of effects of one target. The mapped type
 * makes adding an effect type a compile error until it has an executor here.
 */
export const effectExecutors: { [T in EffectType]: (target: string, batch: PendingEffect<T>[], deps: Executors) => Promise<EffectOutcome[]> } = {
  createTask: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, batch.length);
    return crm.createTasks(batch.map(({ id, effect }) => ({ key: id, task: effect })));
  },
  updateTasks: async (target, given, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, given.length);
    const batch = await withOldTaskIds(given, deps);
    // Closing or moving a task whose creation is still queued would find nothing and report
    // success; the task would then appear afterwards. Such an update waits for the creation.
    const unsettled = (await deps.unsettledTasks?.(batch.flatMap((p) => p.effect.taskKeys))) ?? new Map<string, Date | null>();
    const reassigning = batch.filter((p) => p.effect.action.kind === "reassign").map((p) => p.id);
    const superseded = reassigning.length > 0 ? ((await deps.supersededReassignments?.(reassigning)) ?? new Set<string>()) : new Set<string>();
    const ready = batch.filter((p) => !superseded.has(p.id) && !p.effect.taskKeys.some((id) => unsettled.has(id)));
    const readyOutcomes = ready.length > 0 ? await executeTaskUpdates(crm, ready) : [];
    return batch.map((p): EffectOutcome => {
      if (superseded.has(p.id)) return { ok: true, externalId: "superseded: the lead changed hands again since" };
      const i = ready.indexOf(p);
      if (i >= 0) return readyOutcomes[i]!;
      // Waiting for our own write costs no attempt; it looks again at the creation's next attempt at the earliest.
      const next = Math.max(0, ...p.effect.taskKeys.map((id) => unsettled.get(id)?.getTime() ?? 0));
      const retryAfterMs = Math.max(TASK_CREATION_WAIT_MS, next - deps.now() + 5_000);
      return { ok: false, waiting: { reason: "a task it changes has not been created yet", retryAfterMs } };
    });
  },
  assignOwner: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, batch.length);
    return crm.updateRecords(
      batch.map(({ effect }) => ({
        objectType: effect.objectType,
        objectId: effect.objectId,
        properties: { [OWNER_FIELD[crm.crm]]: effect.ownerId },
      })),
    );
  },
  upsertLead: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, batch.length);
    const { written, owners, properties } = await upsertWithOwnerFallbacks(crm, batch);
    // Each record written hears of its submission (which enrols it). Telling it is part of the
    // effect: if that fails, the retry finds the records by email and writes nothing new.
    const at = new Date(deps.now()).toISOString();
    const events = written.map((w, i) => (w.ok ? submittedEvent(batch[i]!.effect, w, properties[i], at) : undefined));
    const told = events.flatMap((event, i): (SubmissionWritten & { event: CrmEvent })[] =>
      event
        ? [
            {
              event,
              submissionId: batch[i]!.effect.submission.id,
              recordKey: event.recordKey,
              created: (written[i] as { created: boolean }).created,
              ...(owners[i] ? { owner: owners[i] } : {}),
            },
          ]
        : [],
    );
    if (told.length > 0) {
      try {
        await deps.deliverEvents?.(told.map((t) => t.event));
        await deps.submissionsWritten?.(told.map(({ event: _event, ...note }) => note));
      } catch (error) {
        const failure = classify(error);
        return batch.map(() => ({ ok: false, failure }));
      }
    }
    return written.map((w, i) => (w.ok ? { ok: true, externalId: events[i]!.recordKey } : w));
  },
  updateProperties: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, batch.length);
    return crm.updateRecords(
      batch.map(({ effect }) => ({ objectType: effect.objectType, objectId: effect.objectId, properties: effect.properties })),
    );
  },
  subscribeEmail: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm?.subscribeEmails) return notConfigured(`${target} (communication preferences)`, batch.length);
    return crm.subscribeEmails(
      batch.map(({ effect }) => ({
        email: effect.email,
        subscriptionId: effect.subscriptionId,
        legalBasis: effect.legalBasis,
        legalBasisExplanation: effect.legalBasisExplanation,
      })),
    );
  },
  recordSalesforceConsent: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm?.recordConsents) return notConfigured(`${target} (consents)`, batch.length);
    const writeIds = batch.flatMap(({ effect }) => (effect.afterWrite ? [effect.afterWrite] : []));
    const states = await leadWriteStates(writeIds, deps);
    // A consent belongs on the record its submission's write wrote: it waits for that write.
    const outcomes: (EffectOutcome | undefined)[] = [];
    const ready: { i: number; write: ConsentWrite }[] = [];
    batch.forEach(({ id, effect }, i) => {
      const written = effect.afterWrite ? states.get(effect.afterWrite) : undefined;
      if (written && inProgress(written)) {
        const retryAfterMs = Math.max(LEAD_WRITE_WAIT_MS, (written.nextAttemptAt?.getTime() ?? 0) - deps.now() + 1_000);
        outcomes[i] = { ok: false, waiting: { reason: "its lead is still being written", retryAfterMs } };
        return;
      }
      if (written?.status === "dead") {
        const message = `its lead's write (effect ${effect.afterWrite}) is dead: retry that effect, then this one`;
        outcomes[i] = { ok: false, failure: { kind: "permanent", message } };
        return;
      }
      const personKey = effect.person ?? written?.externalId;
      const person = personKey ? writtenPerson(personKey) : undefined;
      const { email, status, at, target: where } = effect;
      ready.push({ i, write: { key: id, email, status, at, target: where, ...(person ? { person } : {}) } });
    });
    if (ready.length === 0) return outcomes as EffectOutcome[];
    // One consumer at a time per person: two at once could each make the person an Individual.
    const hold = await deps.holdConsentPeople?.(ready.flatMap((r) => personHolds(r.write)));
    try {
      const mine = ready.filter((r) => {
        if (!hold || personHolds(r.write).every((key) => hold.held.has(key))) return true;
        outcomes[r.i] = { ok: false, waiting: { reason: "another consent of this person is being written", retryAfterMs: PERSON_HELD_WAIT_MS } };
        return false;
      });
      if (mine.length > 0) {
        const recorded = await crm.recordConsents(mine.map((r) => r.write));
        mine.forEach((r, n) => {
          outcomes[r.i] = recorded[n]!;
        });
      }
    } finally {
      // The outcomes stand whether or not letting go works: a hold left behind lapses by itself.
      await hold?.release().catch((error) => console.error(`consent holds not released: ${classify(error).message}`));
    }
    return outcomes as EffectOutcome[];
  },
  writeMeeting: (target, batch, deps) => writeMeetings(target, batch, deps),
  postSlackMessage: (_target, batch, deps) => oneByOneInSlack(batch, deps, (slack, effect) => slack.post(effect)),
  respondInSlack: (_target, batch, deps) => oneByOneInSlack(batch, deps, (slack, effect) => slack.respond(effect)),
  sendEmail: (_target, batch, deps) => (deps.email ? deps.email.send(batch) : Promise.resolve(notConfigured("email sending", batch.length))),
  logEmail: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, batch.length);
    return crm.logEmails(
      batch.map(({ id, effect }) => {
        const from = parseMailbox(effect.from);
        return {
          key: id,
          email: {
            objectType: effect.objectType,
            objectId: effect.objectId,
            ownerId: effect.ownerId,
            fromAddress: from?.address ?? effect.from,
            ...(from?.name ? { fromName: from.name } : {}),
            toAddress: effect.to,
            subject: effect.subject,
            text: effect.text,
            html: effect.html,
            sentAt: effect.sentAt,
          },
        };
      }),
    );
  },
  optOutEmail: async (target, batch, deps) => {
    const crm = deps.crm(target);
    if (!crm) return notConfigured(target, batch.length);
    return crm.optOutEmails(
      batch.map(({ effect }) => ({
        objectType: effect.objectType,
        objectId: effect.objectId,
        email: effect.email,
        subscriptionIds: effect.subscriptionIds,
      })),
    );
  },
  noteSubmissionFollowedUp: (_target, batch, deps) =>
    deps.intake ? deps.intake.submissionsFollowedUp(batch.map((p) => p.effect)) : Promise.resolve(notConfigured("intake", batch.length)),
  withdrawConsents: (_target, batch, deps) =>
    deps.intake ? deps.intake.withdrawConsents(batch.map((p) => p.effect)) : Promise.resolve(notConfigured("intake", batch.length)),
};

/**
 * Writes the leads; a lead whose owner the CRM refuses (a rep it no longer has: HubSpot answers
 * INVALID_OPTION for hubspot_owner_id, Salesforce INACTIVE_OWNER_OR_USER) is written again with
 * its next fallback owner, then without an owner, the routing reason saying so: a lead is never
 * lost for want of an owner. Each refusal is returned beside its write, for its submission.
 */
async function upsertWithOwnerFallbacks(
  crm: CrmPort,
  batch: PendingEffect<"upsertLead">[],
): Promise<{ written: PersonWritten[]; owners: (SubmissionWritten["owner"] | undefined)[]; properties: Record<string, string>[] }> {
  const ownerField = OWNER_FIELD[crm.crm];
  const reasonField = PRODUCT_FIELDS[crm.crm].routingReason;
  const leads = batch.map(({ effect }) => ({
    properties: effect.properties,
    fallbacks: [...(effect.ownerFallbacks ?? [])],
    refused: [] as OwnerRefused[],
  }));
  const write = (i: number): PersonWrite => {
    const { effect } = batch[i]!;
    return { email: effect.email, objectType: effect.objectType, recordId: effect.recordId, properties: leads[i]!.properties };
  };
  const written = await crm.upsertPeople(batch.map((_, i) => write(i)));
  for (;;) {
    const again = written.flatMap((w, i) => (!w.ok && w.failure.refusedFields?.includes(ownerField) && leads[i]!.properties[ownerField] ? [i] : []));
    if (again.length === 0) break;
    for (const i of again) {
      const lead = leads[i]!;
      const { [ownerField]: refusedOwner, ...rest } = lead.properties;
      const next = lead.fallbacks.shift();
      lead.refused.push({ ownerId: refusedOwner!, reason: (written[i] as { failure: { message: string } }).failure.message });
      const instead = next ? `the team's fallback owner ${next}` : "no owner";
      const note = `${crm.crm === "hubspot" ? "HubSpot" : "Salesforce"} refused owner ${refusedOwner}: written with ${instead}`;
      lead.properties = {
        ...rest,
        ...(next ? { [ownerField]: next } : {}),
        [reasonField]: rest[reasonField] ? `${rest[reasonField]}; ${note}` : note,
      };
      console.error(`submission ${batch[i]!.effect.submission.id}: ${note}`);
    }
    const retried = await crm.upsertPeople(again.map(write));
    again.forEach((i, n) => {
      written[i] = retried[n]!;
    });
  }
  const owners = leads.map((lead) => (lead.refused.length > 0 ? { refused: lead.refused, ownerId: lead.properties[ownerField] ?? null } : undefined));
  return { written, owners, properties: leads.map((lead) => lead.properties) };
}

/**
 * Rules name tasks by derived ids; a task written before ids were derived carries its effect's
 * old random id. The effects' records are looked up once (one read on the records' index) and
 * such keys renamed, so old tasks are found, changed and waited for like new ones.
 */
async function withOldTaskIds(batch: PendingEffect<"updateTasks">[], deps: Executors): Promise<PendingEffect<"updateTasks">[]> {
  const legacy =
    (await deps.legacyTaskIds?.(batch.map(({ effect }) => recordKey(effect.crm, effect.accountId, effect.objectType, effect.objectId)))) ?? new Map();
  if (legacy.size === 0) return batch;
  const rename = (key: string) => legacy.get(key) ?? key;
  return batch.map((p) => {
    const { taskKeys, action } = p.effect;
    const dueDates =
      action.kind === "reassign" && action.dueDates
        ? { dueDates: Object.fromEntries(Object.entries(action.dueDates).map(([k, d]) => [rename(k), d])) }
        : {};
    return { ...p, effect: { ...p.effect, taskKeys: taskKeys.map(rename), action: { ...action, ...dueDates } } };
  });
}

/** The person an upsertLead wrote, from its outcome (the record's key); undefined for another kind of record. */
function writtenPerson(key: string): ConsentWrite["person"] {
  if (!RecordKey.safeParse(key).success) return undefined;
  const { objectType, objectId } = parseRecordKey(key);
  return objectType === "lead" || objectType === "contact" ? { objectType, id: objectId } : undefined;
}

/**
 * Meetings booked on the spot, on the records their leads' writes wrote (each waits for its write,
 * as a consent does); the lead goes to the rep when asked; then a new booking's record hears of it
 * (a meetingBooked event: its cadence stops). Telling it is part of the effect, as for upsertLead:
 * if it fails, the retry finds the meeting by its key and writes nothing new.
 */
async function writeMeetings(target: string, batch: PendingEffect<"writeMeeting">[], deps: Executors): Promise<EffectOutcome[]> {
  const crm = deps.crm(target);
  if (!crm) return notConfigured(target, batch.length);
  const states = await leadWriteStates([...new Set(batch.map(({ effect }) => effect.afterWrite))], deps);
  const outcomes: (EffectOutcome | undefined)[] = [];
  const ready: { i: number; person: NonNullable<ConsentWrite["person"]> }[] = [];
  batch.forEach(({ effect }, i) => {
    const written = states.get(effect.afterWrite);
    if (!written || inProgress(written)) {
      const retryAfterMs = Math.max(LEAD_WRITE_WAIT_MS, (written?.nextAttemptAt?.getTime() ?? 0) - deps.now() + 1_000);
      outcomes[i] = { ok: false, waiting: { reason: "its lead is still being written", retryAfterMs } };
      return;
    }
    const person = written.status === "done" && written.externalId ? writtenPerson(written.externalId) : undefined;
    if (!person) {
      const why = written.status === "dead" ? `is dead: retry effect ${effect.afterWrite}, then this one` : "wrote no lead or contact";
      outcomes[i] = { ok: false, failure: { kind: "permanent", message: `the meeting's lead write ${why}` } };
      return;
    }
    ready.push({ i, person });
  });
  const logging = ready.filter(({ i }) => !batch[i]!.effect.loggedByCalendar);
  if (logging.length > 0 && !crm.writeMeetings) {
    for (const { i } of logging) outcomes[i] = notConfigured(`${target} (meetings)`, 1)[0]!;
  } else if (logging.length > 0) {
    const logged = await crm.writeMeetings!(
      logging.map(({ i, person }) => {
        const { bookingId, action, ownerId, title, body, startsAt, endsAt, joinUrl } = batch[i]!.effect;
        return { key: bookingId, action, person, title, body, startsAt, endsAt, ...(ownerId ? { ownerId } : {}), ...(joinUrl ? { joinUrl } : {}) };
      }),
    );
    logging.forEach(({ i }, n) => {
      if (!logged[n]!.ok) outcomes[i] = logged[n];
    });
  }
  const owners = ready.filter(({ i }) => !outcomes[i] && batch[i]!.effect.assignOwner && batch[i]!.effect.ownerId);
  if (owners.length > 0) {
    const assigned = await crm.updateRecords(
      owners.map(({ i, person }) => ({
        objectType: person.objectType,
        objectId: person.id,
        properties: { [OWNER_FIELD[crm.crm]]: batch[i]!.effect.ownerId! },
      })),
    );
    owners.forEach(({ i }, n) => {
      if (!assigned[n]!.ok) outcomes[i] = assigned[n];
    });
  }
  const told = ready.filter(({ i }) => !outcomes[i] && batch[i]!.effect.action === "book");
  if (told.length > 0) {
    try {
      await deps.deliverEvents?.(told.map(({ i, person }) => meetingBookedEvent(batch[i]!.effect, person)));
    } catch (error) {
      const failure = classify(error);
      for (const { i } of told) outcomes[i] = { ok: false, failure };
    }
  }
  for (const { i, person } of ready)
    outcomes[i] ??= { ok: true, externalId: recordKey(batch[i]!.effect.crm, batch[i]!.effect.accountId, person.objectType, person.id) };
  return outcomes as EffectOutcome[];
}

function meetingBookedEvent(effect: EffectOf<"writeMeeting">, person: NonNullable<ConsentWrite["person"]>): CrmEvent {
  return {
    kind: "meetingBooked",
    dedupeKey: `booking:${effect.bookingId}`,
    recordKey: recordKey(effect.crm, effect.accountId, person.objectType, person.id),
    crm: effect.crm,
    accountId: effect.accountId,
    objectType: person.objectType,
    objectId: person.id,
    occurredAt: effect.bookedAt,
    changedBy: { source: "booking", id: effect.submissionId },
    // The lead's own doing: its rules act on it as on a change a person made.
    fromThisIntegration: false,
    via: "booking",
    bookingId: effect.bookingId,
    startsAt: effect.startsAt,
    ...(effect.ownerId ? { ownerId: effect.ownerId } : {}),
  };
}

/** Slack has no batch endpoint: calls go one by one, each paced by the limiter. */
async function oneByOneInSlack<T extends "postSlackMessage" | "respondInSlack">(
  batch: PendingEffect<T>[],
  deps: Executors,
  call: (slack: SlackNotifier, effect: EffectOf<T>) => Promise<Outcome>,
): Promise<Outcome[]> {
  const slack = deps.slack();
  if (!slack) return notConfigured("Slack (SLACK_BOT_TOKEN)", batch.length);
  const outcomes: Outcome[] = [];
  for (const { effect } of batch) outcomes.push(await call(slack, effect));
  return outcomes;
}

/** Runs the executor of `type`; the batch holds effects of that type only (grouped by the caller). */
export function executeBatch(type: EffectType, target: string, batch: PendingEffect[], deps: Executors): Promise<EffectOutcome[]> {
  const executor = effectExecutors[type] as unknown as (target: string, batch: PendingEffect[], deps: Executors) => Promise<EffectOutcome[]>;
  return executor(target, batch, deps);
}

/** The largest batch one executor call should get for a target. */
export function batchLimit(type: EffectType, target: string, deps: Executors): number {
  if (type === "postSlackMessage" || type === "respondInSlack") return 10;
  // Each effect names up to 100 tasks: a few effects already fill the calls one claim should make.
  if (type === "updateTasks") return 10;
  // One provider call per email, one after the other: a claim's D1 reads and writes are shared by
  // ten, and a slow send holds up no more than that.
  if (type === "sendEmail") return 10;
  // One call per person and subscription type.
  if (type === "optOutEmail") return 10;
  return deps.crm(target)?.maxBatch ?? 100;
}
