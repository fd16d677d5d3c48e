import { recordsWithAddress } from "../storage/inbound-email";
import { type CrmEvent, parseRecordKey } from "../core/model/crm-event";
import { canonicalAddress } from "../core/model/email-address";
import type { InboundEmail } from "./inbound-email";
import { dedupeKey } from "./dedupe-key";

/**
 * An inbound email as events of the records whose addresses match its sender (case, +tag and
 * Gmail dots ignored). Several records can share an address (a contact and a lead of the same
 * person): each of them hears of the reply.
 */
export async function replyEvents(db: D1Database, email: InboundEmail): Promise<CrmEvent[]> {
  const sender = canonicalAddress(email.from);
  if (!sender) return [];
  const keys = await recordsWithAddress(db, sender);
  return Promise.all(
    keys.map(async (recordKey) => {
      const { crm, accountId, objectType, objectId } = parseRecordKey(recordKey);
      return {
        kind: "emailReceived" as const,
        // The same message re-posted by the provider is the same event.
        dedupeKey: await dedupeKey("email", [email.messageId]),
        recordKey,
        crm,
        accountId,
        objectType,
        objectId,
        occurredAt: email.receivedAt,
        changedBy: { source: email.provider, id: email.from },
        fromThisIntegration: false,
        via: email.provider,
        messageId: email.messageId,
        from: email.from,
        subject: email.subject.slice(0, 300),
      };
    }),
  );
}
