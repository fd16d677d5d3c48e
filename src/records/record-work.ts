import { replaceLeadAddresses } from "../storage/inbound-email";
import { activePolicy } from "../storage/policies";
import { factStatements, recordFacts } from "../storage/facts";
import { upsertRecordRow } from "../storage/records";
import { decide, type RuleShell, type Trigger } from "../core/rules/decide";
import { policyNeeds } from "../core/policy/policy-needs";
import { canonicalAddresses, DEFAULT_EMAIL_PROPERTIES } from "../core/model/lead-addresses";
import type { CrmEvent } from "../core/model/crm-event";
import type { EffectRequest } from "../core/model/effects";
import type { VersionedPolicy } from "../core/policy/policy";
import type { RecordState } from "../core/model/record-state";
import type { AuditEntry } from "../core/rules/rule";
import { readsOf, type RunRecording, type RunTrigger } from "../core/rules/run-recording";
import { unsubscribeIn } from "../core/policy/stop-conditions";
import { factsFromAudit, factsFromEvent } from "../core/facts/record-facts";
import { classify, FailureError, refusedForGood, retryAfterMsOf } from "../platform/failure";
import type { Ports } from "../env/ports";
import type { RecordStore } from "./record-store";
import { recordShell } from "./record-shell";

/** Wake-up names of the object's own work; rule timers are named `rule:timer`. */
export const RULE_NEW_EVENTS = "rules";
export const PROJECT = "project-to-d1";

const POLICY_TTL_MS = 30_000;
/** How long a claimed wake-up is held: work cut off by an eviction comes due again after it. */
const LEASE_MS = 30_000;
/** A failed run is tried again after 30 s, doubling up to 15 minutes (never sooner than a Retry-After). */
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 15 * 60_000;
/**
 * A rule whose run the CRM refuses for good (a field the org does not have) is recorded by
 * decide() and skipped, the other rules go on; refused credentials are not "for good" (an admin
 * fixes them). An event whose whole run keeps failing for a reason that may pass (the CRM down, a
 * rotated token) is given up after this many failures over at least GIVE_UP_AFTER_MS, so it
 * cannot hold up the record's later events; a shorter outage loses nothing. The audit says so.
 * Deadlines are never given up.
 */
const MAX_RULE_FAILURES = 10;
const GIVE_UP_AFTER_MS = 60 * 60_000;

/**
 * The record object's work, run from its alarm: new events to the rules (oldest first), due
 * rule timers, and the D1 projection. Each rule run is stored in one commit; a failed one is
 * retried with backoff or given up as above. The object itself only receives events, answers
 * snapshots and calls this.
 */
export class RecordWork {
  private policy?: { value: VersionedPolicy; readAt: number };

  constructor(
    private readonly store: RecordStore,
    private readonly ports: Ports,
    private readonly db: D1Database,
  ) {}

  /** Runs every wake-up due at `now`. The alarm passes the real time; tests pass any instant. */
  async runDue(now: number): Promise<void> {
    if (!this.store.exists()) return;
    const wakeups = this.store.wakeups();
    // New events before timers: a deadline the events moved must not fire at its old time. Timers
    // in the order they were due (then by name), so one alarm always runs them in the same order.
    const claimed = wakeups
      .claimDue(now, LEASE_MS)
      .sort((a, b) => runOrder(a.name) - runOrder(b.name) || a.deadline - b.deadline || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    await this.run(
      claimed.filter((claim) => claim.name !== PROJECT),
      now,
    );
    // The projection last and once, so its row holds what every run did: due after events, or set
    // due now by a deadline's fresh read (applyRules), which only a timer's run does, so only then
    // is it claimed again. As a stored wake-up, an alarm cut off before it comes back to it.
    const timerRan = claimed.some((claim) => claim.name !== PROJECT && claim.name !== RULE_NEW_EVENTS);
    const projection = (timerRan ? wakeups.claimDue(now, LEASE_MS, PROJECT)[0] : undefined) ?? claimed.find((claim) => claim.name === PROJECT);
    if (projection) await this.run([projection], now);
    await wakeups.rearm();
  }

  private async run(claims: readonly { name: string; lease: number; deadline: number }[], now: number): Promise<void> {
    const wakeups = this.store.wakeups();
    for (const claim of claims) {
      const work = claim.name === RULE_NEW_EVENTS ? undefined : `wakeup:${claim.name}`;
      try {
        if (claim.name === PROJECT) await this.project(now);
        else if (claim.name === RULE_NEW_EVENTS) await this.ruleNewEvents(now);
        else await this.applyRules({ kind: "timer", name: claim.name }, now, `wakeup:${claim.name}`, undefined, claim.deadline);
        this.store.finishWork(claim, work);
      } catch (error) {
        // The lease keeps the row: the work comes due again after the backoff, not lost. New
        // events back off by the failures of the event that holds them up.
        const failure = classify(error);
        const count = error instanceof EventFailed ? error.count : this.store.countFailure(work!, now).count;
        wakeups.retryAt(claim, now + Math.max(backoff(count), retryAfterMsOf(failure)));
        console.error(
          `wake-up ${claim.name} of ${this.store.state()?.key} failed (${failure.kind}, ${count} in a row), retrying: ${failure.message}`,
        );
      }
    }
  }

  /** Hands the events the rules have not seen to them, in the order they happened; each is marked once its run is stored. */
  private async ruleNewEvents(now: number): Promise<void> {
    for (const { seq, event } of this.store.unruledEvents()) {
      const work = `event:${seq}`;
      try {
        await this.applyRules({ kind: "event", event }, now, work, seq);
      } catch (error) {
        const failure = classify(error);
        const { count, since } = this.store.countFailure(work, now);
        const label = `${event.kind} event ${event.dedupeKey}`;
        // Rules refused for good are recorded by decide() rule by rule; what reaches here failed the whole run.
        if (refusedForGood(failure)) await this.giveUp(work, now, `${label} was refused for good: ${failure.message}`, event.dedupeKey, seq);
        else if (count >= MAX_RULE_FAILURES && now - since >= GIVE_UP_AFTER_MS) {
          await this.giveUp(
            work,
            now,
            `${label} failed ${count} times over ${Math.round((now - since) / 60_000)} minutes: ${failure.message}`,
            event.dedupeKey,
            seq,
          );
        } else throw new EventFailed(error, count);
      }
    }
  }

  /**
   * One rule run: decide (with its reads and routings), store its effects in the outbox, then
   * commit the rest with what the run saw (its recording: the answers, the random draws, the
   * instant), so the dry run can replay it as it happened. What the rules read fresh is kept in
   * the record (the CRM's values as of the run), as a gap's read is.
   */
  private async applyRules(trigger: Trigger, now: number, work: string, ruledSeq?: number, deadline?: number): Promise<void> {
    const known = this.store.state();
    if (!known) return;
    const received = this.store.lastEventSeq();
    const policy = await this.currentPolicy(now);
    const at = new Date(now);
    const shell = recordShell(known, this.ports, policy.policy, at);
    const { record, refreshed } = await this.freshIfNeeded(known, policy, shell, at);
    const draws: number[] = [];
    const random = () => {
      const drawn = this.ports.random();
      draws.push(drawn);
      return drawn;
    };
    const decision = await decide(this.store.ruleState(), trigger, { record, now: at, policy, random }, shell);
    // Effects first: once stored they will happen; the commit only records that they were decided.
    // The reporting facts with them, in one D1 transaction (a call fewer): a retried run records
    // them again, and their keys count them once.
    const effects = [...decision.effects, ...(await this.reportsToIntake(trigger, record, policy, decision.audit, now))];
    const facts = [
      ...(trigger.kind === "event" ? factsFromEvent(trigger.event, ruledSeq === this.store.firstEventSeq()) : []),
      ...factsFromAudit(record.key, record.crm, record.objectType, decision.audit),
    ];
    if (effects.length > 0) await this.ports.storeEffects(effects, { alongside: facts.length > 0 ? factStatements(this.db, facts) : [] });
    else if (facts.length > 0) await recordFacts(this.db, facts);
    const wakeups = Object.fromEntries(Object.entries(decision.timers).map(([name, due]) => [name, due ? Date.parse(due) : null]));
    const recording: RunRecording = {
      trigger: runTrigger(trigger, deadline ?? now),
      at: at.toISOString(),
      events: received,
      ...(refreshed ? { refreshed } : {}),
      answers: decision.answers,
      random: draws,
    };
    const reads = readsOf(decision.answers);
    if (Object.keys(reads).length > 0) {
      this.store.storeFreshRead(reads, at.toISOString(), { source: "read" });
      // What was read (a name, an email) reaches the D1 read model too: an event's with the rest
      // of its burst, a deadline's in this alarm (no burst follows a timer, and waiting would
      // cost the record a second alarm for nothing).
      this.store.wakeups().scheduleNoLaterThan(PROJECT, trigger.kind === "timer" ? now : now + this.ports.config.PROJECTION_DELAY_MS);
    }
    this.store.commitRun({ rules: decision.state, audit: decision.audit, recording, wakeups, ruledSeq, work });
  }

  /**
   * A gap event (Salesforce said "read the record") or a change whose value was not sent (HubSpot's
   * sensitive properties) leaves the record marked: before its rules act, it is read from the CRM
   * (the properties it knows, the stale ones and those the policy's rules follow) and the read is
   * stored, so the rules act on what the CRM holds, not on nothing. A record the CRM does not have
   * keeps its marks; a read that may pass fails the run, which is retried as any other; one refused
   * for good (a field the org lacks) leaves the rules to their own reads, which say what is wrong.
   */
  private async freshIfNeeded(
    record: RecordState,
    policy: VersionedPolicy,
    shell: RuleShell,
    at: Date,
  ): Promise<{ record: RecordState; refreshed?: Record<string, string | null> }> {
    const stale = Object.keys(record.staleProperties ?? {});
    if (record.status !== "active" || (!record.refreshNeeded && stale.length === 0)) return { record };
    const needs = policyNeeds(policy.policy, record.crm).find((n) => n.objectType === record.objectType);
    const names = [...new Set([...Object.keys(record.properties), ...stale, ...(needs ? [...needs.reads, ...needs.propertyChanges] : [])])];
    let found: Awaited<ReturnType<RuleShell["read"]>>;
    try {
      found = await shell.read(names);
    } catch (error) {
      const failure = classify(error);
      if (!refusedForGood(failure)) throw error;
      console.error(`fresh read of ${record.key} refused: ${failure.message}`);
      return { record };
    }
    if (!found) return { record };
    return { record: this.store.storeFreshRead(found.properties, at.toISOString()), refreshed: found.properties };
  }

  /**
   * What the run tells intake, as effects stored with the rules' own: that this record has seen
   * its submission (what the rules did with it), and that the person opted out here, which
   * withdraws the consents they gave on our forms before it. Only a change to opted out counts (a
   * stored snapshot holds only what changed, and our own write's echo is skipped).
   */
  private async reportsToIntake(trigger: Trigger, record: RecordState, policy: VersionedPolicy, audit: readonly AuditEntry[], now: number) {
    if (trigger.kind !== "event") return [];
    const { event } = trigger;
    if (event.kind === "submitted") return [followedUpReport(event, audit)];
    if (event.kind !== "propertyChanged" || event.fromThisIntegration) return [];
    const unsubscribe = unsubscribeIn(policy.policy.rules.cadences?.stopWhen ?? [], record.crm, event.properties);
    if (!unsubscribe) return [];
    const report: EffectRequest = {
      idempotencyKey: `opt-out:${record.key}:${event.dedupeKey}`,
      leadKey: record.key,
      rule: "records",
      effect: {
        type: "withdrawConsents",
        recordKey: record.key,
        crm: record.crm,
        accountId: record.accountId,
        addresses: await this.addressesOf(record, now),
        reference: event.dedupeKey,
        occurredAt: event.occurredAt,
        detail: `${unsubscribe.evidence} on ${record.key}`,
      },
    };
    return [report];
  }

  private async giveUp(work: string, now: number, reason: string, dedupeKey: string, ruledSeq?: number): Promise<void> {
    const entry: AuditEntry = {
      at: new Date(now).toISOString(),
      rule: "rules",
      outcome: "given up",
      reason: `${reason}; the rules skipped it`,
      data: { work },
      policyVersion: this.policy?.value.version ?? 0,
      effects: [],
    };
    const record = this.store.state();
    // The fact first, as in a rule run: if storing it fails, giving up is tried again.
    if (record) await recordFacts(this.db, factsFromAudit(record.key, record.crm, record.objectType, [entry]));
    const recording: RunRecording = {
      trigger: { event: dedupeKey },
      at: entry.at,
      events: this.store.lastEventSeq(),
      answers: [],
      random: [],
      skipped: true,
    };
    this.store.giveUp(work, entry, recording, ruledSeq);
  }

  /**
   * The active policy, re-read at most every POLICY_TTL_MS: a burst of events does not cost a D1
   * read each, and a new version reaches every record within that time.
   */
  private async currentPolicy(now: number): Promise<VersionedPolicy> {
    if (!this.policy || now - this.policy.readAt > POLICY_TTL_MS || now < this.policy.readAt) {
      this.policy = { value: await activePolicy(this.db), readAt: now };
    }
    return this.policy.value;
  }

  /** The D1 read model: the record's row, and the address index inbound replies are matched with. */
  private async project(now: number): Promise<void> {
    const state = this.store.state();
    if (!state) return;
    const at = new Date(now);
    let rowsWritten = await upsertRecordRow(this.db, state, at);
    const addresses = await this.addressesOf(state, now);
    const projected = this.store.projection().addresses;
    // Written only when the addresses change.
    if (addresses.join("\n") !== projected.join("\n")) rowsWritten += await replaceLeadAddresses(this.db, state.key, addresses);
    this.store.recordProjection(rowsWritten, at.toISOString(), addresses);
  }

  private async addressesOf(state: RecordState, now: number): Promise<string[]> {
    if (state.status !== "active") return [];
    const policy = await this.currentPolicy(now);
    const names = policy.policy.rules.cadences?.emailProperties[state.crm] ?? DEFAULT_EMAIL_PROPERTIES[state.crm];
    // HubSpot's creation webhook carries no email: the cadence keeps what its enrolment read saw.
    const enrolledWith = this.store.ruleState().cadence?.addresses ?? [];
    return canonicalAddresses([...names.map((name) => state.properties[name]?.value), ...enrolledWith]);
  }
}

/** The submission's last step, for intake to write: what the record's rules did with it (enrolled in a cadence, or why not). */
function followedUpReport(event: Extract<CrmEvent, { kind: "submitted" }>, audit: readonly AuditEntry[]): EffectRequest {
  const enrolled = audit.find((a) => a.rule === "cadence" && a.outcome === "enrolled");
  const firstTouch = enrolled && Array.isArray(enrolled.data.steps) ? enrolled.data.steps[0] : undefined;
  return {
    idempotencyKey: `submission:${event.submissionId}:followed-up`,
    leadKey: event.recordKey,
    rule: "records",
    effect: {
      type: "noteSubmissionFollowedUp",
      submissionId: event.submissionId,
      recordKey: event.recordKey,
      ...(enrolled ? { enrolled: { cadence: String(enrolled.data.cadence), ...(firstTouch === undefined ? {} : { firstTouch }) } } : {}),
      decisions: audit.map((a) => `${a.rule}: ${a.outcome}`),
    },
  };
}

/** New events first, then rule timers (the projection runs apart, last). */
const runOrder = (name: string) => (name === RULE_NEW_EVENTS ? 0 : 1);

/** What woke a run, as its recording names it: the event's dedupe key, or the timer and its deadline. */
const runTrigger = (trigger: Trigger, deadline: number): RunTrigger =>
  trigger.kind === "event" ? { event: trigger.event.dedupeKey } : { timer: trigger.name, due: new Date(deadline).toISOString() };

/** An event's rule run failed for the count-th time in a row: the wait before the next try grows with it. */
class EventFailed extends FailureError {
  readonly count: number;

  constructor(error: unknown, count: number) {
    super(classify(error));
    this.count = count;
  }
}

/** 30 s, 1 min, 2 min … up to 15 min, by how often the work has failed in a row. */
const backoff = (failures: number) => Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
