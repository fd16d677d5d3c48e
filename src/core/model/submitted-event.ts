import { type CrmEvent, recordKey } from "./crm-event";
import type { EffectOf } from "./effects";

/**
 * The event that tells a record written from a form about its submission: the same submission is
 * always the same event. The outbox sends it once the CRM has the record; the dry run feeds it to
 * the simulated record, so both start the same clocks and cadences.
 */
export function submittedEvent(
  effect: Pick<EffectOf<"upsertLead">, "crm" | "accountId" | "submission">,
  written: { objectType: "contact" | "lead"; id: string; created: boolean },
  /** The properties the write carried (after any owner the CRM refused was replaced). */
  properties?: Record<string, string>,
): Extract<CrmEvent, { kind: "submitted" }> {
  const { crm, accountId, submission } = effect;
  return {
    kind: "submitted",
    dedupeKey: `intake:${submission.id}`,
    recordKey: recordKey(crm, accountId, written.objectType, written.id),
    crm,
    accountId,
    objectType: written.objectType,
    objectId: written.id,
    occurredAt: submission.at,
    changedBy: { source: "intake", id: submission.formKey },
    // The lead's own doing: its rules act on it as on any change a person made.
    fromThisIntegration: false,
    via: "intake",
    submissionId: submission.id,
    formKey: submission.formKey,
    source: submission.source,
    ...(submission.timeZone ? { timeZone: submission.timeZone } : {}),
    createdRecord: written.created,
    ...(properties ? { properties } : {}),
  };
}
