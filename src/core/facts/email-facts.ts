import { parseRecordKey, RecordKey } from "../model/crm-event";
import type { Fact } from "./fact";

/** What an email's facts know of it: its record, step, cadence, source and sender. */
export interface EmailSubject {
  /** The sendEmail effect's id: a fact of one email is counted once per kind. */
  sendId: string;
  recordKey: string;
  cadence: string | null;
  step: string | null;
  source: string | null;
  ownerId: string | null;
}

const subjectOf = (email: EmailSubject) => {
  const { crm, objectType } = RecordKey.safeParse(email.recordKey).success
    ? parseRecordKey(email.recordKey)
    : { crm: "none" as const, objectType: "none" };
  return { recordKey: email.recordKey, crm, objectType, cadence: email.cadence, source: email.source, rep: email.ownerId };
};

/** The email went out. */
export const emailSentFact = (email: EmailSubject, at: Date, providerId: string): Fact => ({
  ...subjectOf(email),
  kind: "emailSent",
  key: `${email.sendId}:email-sent`,
  at: at.toISOString(),
  step: email.step ?? "unknown",
  data: { providerId },
});

/** The email could not go and became the owner's task. */
export const emailNotSentFact = (email: EmailSubject, at: Date, reason: string, detail: string): Fact => ({
  ...subjectOf(email),
  kind: "emailNotSent",
  key: `${email.sendId}:email-not-sent`,
  at: at.toISOString(),
  step: email.step ?? "unknown",
  reason,
  data: { detail: detail.slice(0, 300) },
});

export type ProviderOutcome = "delivered" | "bounced" | "complained" | "unsubscribed";

/** What became of it, as the provider or the person told us: once per email and kind, however often told. */
export function emailOutcomeFact(email: EmailSubject, outcome: ProviderOutcome, at: Date, permanent: boolean): Fact {
  const base = { ...subjectOf(email), at: at.toISOString(), step: email.step ?? "unknown" };
  switch (outcome) {
    case "delivered":
      return { ...base, kind: "emailDelivered", key: `${email.sendId}:delivered` };
    case "bounced":
      return { ...base, kind: "emailBounced", key: `${email.sendId}:bounced:${permanent ? "hard" : "soft"}`, reason: permanent ? "hard" : "soft" };
    case "complained":
      return { ...base, kind: "emailComplained", key: `${email.sendId}:complained` };
    case "unsubscribed":
      return { ...base, kind: "emailUnsubscribed", key: `${email.sendId}:unsubscribed` };
  }
}
