import type { EffectRequest, SalesforceConsentTarget } from "../model/effects";
import type { SalesforceConsentMapping } from "../policy/forms-policy";
import type { Policy } from "../policy/policy";

/*
 * How a consent given on a form is written to Salesforce, as data: which field or Consent object,
 * and the words the record carries. Pure; the outbox's Salesforce adapter does the writing.
 */

/** Salesforce's Text(255): ContactPointTypeConsent.Name and CaptureSource. */
const TEXT_255 = 255;

/** `text` in at most `max` characters, an ellipsis where it was cut. */
export const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface ConsentGiven {
  consentId: string;
  purpose: string;
  legalBasis: string;
  version: string;
  formKey: string;
  submissionId: string;
  /** The page the form was on. */
  page?: string;
}

/**
 * The Name of the ContactPointTypeConsent of a consent given: what was agreed to, on which legal
 * basis and text version, and the submission it came with, whose id makes the name unique to it.
 * That is how a retry finds the record an earlier attempt created. Only the purpose is shortened
 * to fit, never the part that tells records apart.
 */
export function consentRecordName(given: ConsentGiven): string {
  const identity = ` | ${given.consentId} | ${given.legalBasis} | text ${given.version} | submission ${given.submissionId}`;
  return cut(`${cut(given.purpose, Math.max(1, TEXT_255 - identity.length))}${identity}`, TEXT_255);
}

/** Where consent was captured: the form, and the page it was on. */
export const consentCaptureSource = (given: Pick<ConsentGiven, "formKey" | "page">): string =>
  cut(`form ${given.formKey}${given.page ? ` on ${given.page}` : ""}`, TEXT_255);

/** The policy's mapping of a consent as the effect writes it. */
export function salesforceConsentTarget(mapping: SalesforceConsentMapping, given: ConsentGiven): SalesforceConsentTarget | undefined {
  return mappedTarget(mapping, consentRecordName(given), consentCaptureSource(given));
}

/** A checkbox, or a ContactPointTypeConsent with these words (what it records, where it was captured). */
function mappedTarget(mapping: SalesforceConsentMapping, name: string, captureSource: string): SalesforceConsentTarget | undefined {
  if (mapping.field) return { kind: "field", field: mapping.field, ...(mapping.dateField ? { dateField: mapping.dateField } : {}) };
  if (mapping.dataUsePurposeId)
    return {
      kind: "consentObject",
      dataUsePurposeId: mapping.dataUsePurposeId,
      contactPointType: mapping.contactPointType ?? "Email",
      name,
      captureSource,
    };
  return undefined;
}

/** A consent the person withdrew (an unsubscribe), with what it withdraws. */
export interface ConsentWithdrawnFrom {
  /** The withdrawal's own row id: unique to the consent, the person and what it came from. */
  withdrawalId: string;
  consentId: string;
  purpose: string;
  legalBasis: string;
  /** The form the consent was given on: its policy says where Salesforce keeps it. */
  formKey?: string;
  /** When it was withdrawn. */
  at: string;
  /** What it came from, as the proof says it ("HasOptedOutOfEmail on …"). */
  detail?: string;
}

/** The Name of the ContactPointTypeConsent that records a withdrawal, unique to it as a consent's is to its submission. */
export function withdrawalRecordName(withdrawn: ConsentWithdrawnFrom): string {
  const identity = ` | ${withdrawn.consentId} | ${withdrawn.legalBasis} | opted out | ${withdrawn.withdrawalId}`;
  return cut(`${cut(withdrawn.purpose, Math.max(1, TEXT_255 - identity.length))}${identity}`, TEXT_255);
}

/**
 * A Salesforce person's withdrawals as the policy says Salesforce keeps each consent: its
 * checkbox cleared (and dated), or an OptOut ContactPointTypeConsent beside the OptIn one, so
 * the org's own consent records say what the proof says. Written to the record that opted out.
 */
export function salesforceWithdrawals(
  policy: Pick<Policy, "forms">,
  person: { key: string; accountId: string; email: string },
  withdrawn: readonly ConsentWithdrawnFrom[],
): EffectRequest[] {
  return withdrawn.flatMap((w): EffectRequest[] => {
    const form = policy.forms.find((f) => f.key === w.formKey);
    const mapping = form?.crm === "salesforce" ? form.consents.find((c) => c.id === w.consentId)?.crm.salesforce : undefined;
    if (!mapping) return [];
    const target = mappedTarget(mapping, withdrawalRecordName(w), cut(`withdrawn: ${w.detail ?? "an unsubscribe"}`, TEXT_255));
    if (!target) return [];
    return [
      {
        idempotencyKey: `${w.withdrawalId}:salesforce`,
        leadKey: person.key,
        rule: "consent",
        effect: {
          type: "recordSalesforceConsent",
          crm: "salesforce",
          accountId: person.accountId,
          email: person.email,
          person: person.key,
          status: "OptOut",
          at: w.at,
          target,
        },
      },
    ];
  });
}
