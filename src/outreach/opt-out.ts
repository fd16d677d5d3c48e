import { emailOutcomeFact, type EmailSubject } from "../core/facts/email-facts";
import { type CrmEvent, parseRecordKey, RecordKey } from "../core/model/crm-event";
import type { EffectRequest } from "../core/model/effects";
import type { Policy } from "../core/policy/policy";
import { enqueueForRecords } from "../records/record-inbox";
import type { EmailSendRow } from "../storage/email-sends";
import { suppress, type SuppressionReason } from "../storage/email-suppressions";
import { recordFacts } from "../storage/facts";
import { recordsWithAddress } from "../storage/inbound-email";

/*
 * A person who unsubscribed (the one-click link, the provider's own link) or complained about
 * spam gets no more email from any cadence: the address is suppressed, the consents they gave are
 * withdrawn (intake records it, as it records consent), the CRM shows the opt-out, and every record
 * with the address hears of it (its cadence stops). Each part is keyed by the reference, so doing
 * it again adds nothing.
 */

export interface OptOut {
  /** Canonical address. */
  address: string;
  kind: "unsubscribed" | "complained";
  /** unsubscribe (our link), postmark, mailgun. */
  source: "unsubscribe" | "postmark" | "mailgun";
  /** What it came from (the send's id and how, a provider event's id): one opt-out per reference. */
  reference: string;
  at: Date;
  detail: string;
  /** The email it is about, when known. */
  send?: EmailSendRow;
}

export interface OptOutDeps {
  env: Pick<Env, "DB" | "RECORD_EVENTS">;
  policy: Policy;
  storeEffects(requests: readonly EffectRequest[]): Promise<unknown>;
}

export const sendSubject = (send: EmailSendRow): EmailSubject => ({
  sendId: send.effectId,
  recordKey: send.recordKey,
  cadence: send.cadence,
  step: send.step,
  source: send.source,
  ownerId: send.ownerId,
});

export async function optOut(deps: OptOutDeps, o: OptOut): Promise<{ records: string[] }> {
  const { env, policy } = deps;
  const reason: SuppressionReason = o.kind === "complained" ? "complaint" : "unsubscribe";
  await suppress(env.DB, { recipient: o.address, reason, source: o.source, detail: o.detail, at: o.at });
  const records = await recordsOf(env.DB, o.address, o.send);
  const effects: EffectRequest[] = records.flatMap((key): EffectRequest[] => {
    const { crm, accountId, objectType, objectId } = parseRecordKey(key);
    return [
      {
        idempotencyKey: `optout:${o.reference}:${key}:consents`,
        leadKey: key,
        rule: "outreach",
        effect: {
          type: "withdrawConsents",
          recordKey: key,
          crm,
          accountId,
          addresses: [o.address],
          reference: `optout:${o.reference}`,
          occurredAt: o.at.toISOString(),
          detail: o.detail.slice(0, 1_000),
        },
      },
      ...(objectType === "contact" || objectType === "lead"
        ? [
            {
              idempotencyKey: `optout:${o.reference}:${key}:crm`,
              leadKey: key,
              rule: "outreach",
              effect: {
                type: "optOutEmail" as const,
                crm,
                accountId,
                objectType,
                objectId,
                email: o.address,
                subscriptionIds: crm === "hubspot" ? (policy.email?.hubspotOptOutSubscriptions ?? []) : [],
                reason: o.detail.slice(0, 500),
              },
            },
          ]
        : []),
    ];
  });
  if (effects.length > 0) await deps.storeEffects(effects);
  await tellRecords(env, records, {
    status: o.kind,
    permanent: true,
    address: o.address,
    reference: o.reference,
    source: o.source,
    at: o.at,
    detail: o.detail,
    ...(o.send ? { messageId: o.send.messageId } : {}),
  });
  if (o.send) await recordFacts(env.DB, [emailOutcomeFact(sendSubject(o.send), o.kind, o.at, true)]);
  return { records };
}

export interface StatusNews {
  status: "bounced" | "complained" | "unsubscribed";
  permanent: boolean;
  address: string;
  /** Short: one event per reference and record, however often it is told. */
  reference: string;
  source: OptOut["source"];
  at: Date;
  detail: string;
  messageId?: string;
}

/** Hands each record an emailStatus event (its cadence decides what follows). */
export async function tellRecords(env: Pick<Env, "DB" | "RECORD_EVENTS">, records: readonly string[], news: StatusNews): Promise<void> {
  const events: CrmEvent[] = records.map((key) => {
    const { crm, accountId, objectType, objectId } = parseRecordKey(key);
    return {
      kind: "emailStatus" as const,
      dedupeKey: `email-status:${news.reference}`.slice(0, 200),
      recordKey: key,
      crm,
      accountId,
      objectType,
      objectId,
      occurredAt: news.at.toISOString(),
      changedBy: { source: news.source },
      fromThisIntegration: false,
      via: news.source,
      status: news.status,
      permanent: news.permanent,
      address: news.address,
      ...(news.messageId ? { messageId: news.messageId } : {}),
      detail: news.detail.slice(0, 500),
    };
  });
  if (events.length > 0) await enqueueForRecords(env, events);
}

/** The records that hold an address (a contact and a lead of one person), and the send's own. */
export async function recordsOf(db: D1Database, address: string, send?: EmailSendRow): Promise<string[]> {
  return [...new Set([...(send ? [send.recordKey] : []), ...(await recordsWithAddress(db, address))])].filter(
    (key) => RecordKey.safeParse(key).success,
  );
}
