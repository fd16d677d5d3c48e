import type { SalesforceConsentTarget } from "./effects";
import type { SalesforceConsentMapping } from "./forms-policy";

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
  if (mapping.field) return { kind: "field", field: mapping.field, ...(mapping.dateField ? { dateField: mapping.dateField } : {}) };
  if (mapping.dataUsePurposeId)
    return {
      kind: "consentObject",
      dataUsePurposeId: mapping.dataUsePurposeId,
      contactPointType: mapping.contactPointType ?? "Email",
      name: consentRecordName(given),
      captureSource: consentCaptureSource(given),
    };
  return undefined;
}
