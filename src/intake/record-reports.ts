import type { EffectOf, EffectRequest } from "../core/model/effects";
import { salesforceWithdrawals } from "../core/intake/salesforce-consent";
import type { IntakeReports, SubmissionWritten } from "../env/ports";
import type { Outcome } from "../platform/outcome";
import { classify } from "../platform/failure";
import { withdrawConsents } from "../storage/intake-consents";
import { appendSubmissionSteps, setSubmissionStatus } from "../storage/intake-submissions";
import { activePolicy } from "../storage/policies";

/*
 * What the record objects tell intake, as effects through the outbox (so a lost answer is retried
 * and nothing is told twice): that a submission's record has seen it, and that a person opted out
 * in the CRM. Intake owns submissions and consents; nobody else writes them.
 */

export interface IntakeReportDeps {
  now(): Date;
  /** The outbox's front door, for the Salesforce withdrawals a policy maps. */
  storeEffects(requests: readonly EffectRequest[]): Promise<unknown>;
}

export function intakeReports(db: D1Database, deps: IntakeReportDeps): IntakeReports {
  return {
    submissionsFollowedUp: (effects) => eachOnItsOwn(effects, (effect) => noteFollowedUp(db, effect, deps.now())),
    withdrawConsents: (effects) => eachOnItsOwn(effects, (effect) => withdrawForOptOut(db, effect, deps)),
  };
}

/** The outbox wrote these submissions' leads: each notes where, and, when the CRM refused its owner, to whom instead. */
export async function noteSubmissionsWritten(db: D1Database, written: readonly SubmissionWritten[], now: Date): Promise<void> {
  const at = now.toISOString();
  for (const { submissionId, recordKey, created, owner } of written) {
    await appendSubmissionSteps(db, submissionId, [
      // The routing decision's owner did not stand: which was refused, and whom the lead went to instead.
      ...(owner ? [{ step: "owner refused", at, detail: owner }] : []),
      { step: "written to the CRM", at, detail: { recordKey, created, ...(owner ? { ownerId: owner.ownerId } : {}) } },
    ]);
  }
}

/** One effect's failure is its own: the others beside it still count. */
async function eachOnItsOwn<E>(effects: E[], run: (effect: E) => Promise<void>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const effect of effects) {
    try {
      await run(effect);
      outcomes.push({ ok: true });
    } catch (error) {
      outcomes.push({ ok: false, failure: classify(error) });
    }
  }
  return outcomes;
}

/** The submission's last step: what its record's rules did with it (enrolled in a cadence, or why not). */
async function noteFollowedUp(db: D1Database, effect: EffectOf<"noteSubmissionFollowedUp">, at: Date): Promise<void> {
  const step = {
    step: effect.enrolled ? "enrolled" : "followed up",
    at: at.toISOString(),
    detail: {
      recordKey: effect.recordKey,
      ...(effect.enrolled ? { cadence: effect.enrolled.cadence, firstTouch: effect.enrolled.firstTouch } : {}),
      decisions: effect.decisions,
    },
  };
  // Dead too: its write, dead and then retried from the outbox, went through after all.
  await setSubmissionStatus(db, effect.submissionId, "processed", at, { from: ["received", "processing", "failed", "dead"], step });
}

/**
 * An opt-out in the CRM withdraws the consents the person gave on our forms before it: recorded
 * the way consent is (intake_consents, appended, never updated), for each of the record's
 * addresses; a consent given after it stands. The rows' ids (the address, the consent and the
 * change) make a retried effect record nothing twice. A Salesforce org also keeps the consents
 * themselves where the policy maps them: those are withdrawn there too, every withdrawal of this
 * change and not only those appended now, so a retry stores the effects it missed (their keys
 * count them once).
 */
async function withdrawForOptOut(db: D1Database, effect: EffectOf<"withdrawConsents">, deps: IntakeReportDeps): Promise<void> {
  const policy = effect.crm === "salesforce" ? (await activePolicy(db)).policy : undefined;
  for (const email of effect.addresses) {
    const withdrawn = await withdrawConsents(db, {
      email,
      source: "unsubscribe",
      reference: effect.reference,
      at: new Date(effect.occurredAt),
      givenBefore: true,
      detail: effect.detail,
    });
    if (!policy || withdrawn.length === 0) continue;
    const effects = salesforceWithdrawals(
      policy,
      { key: effect.recordKey, accountId: effect.accountId, email },
      withdrawn.map(({ row, given }) => ({
        withdrawalId: row.id,
        consentId: row.consentId,
        purpose: row.purpose,
        legalBasis: row.legalBasis,
        at: row.recordedAt,
        detail: effect.detail,
        ...(given.formKey ? { formKey: given.formKey } : {}),
      })),
    );
    if (effects.length > 0) await deps.storeEffects(effects);
  }
}
