import { createHash } from "node:crypto";

/**
 * An effect's id is a pure function of its idempotency key: the rule that asks for a task knows
 * the task's id without asking anyone, the outbox stores the effect under it, and the CRM task
 * carries it in its unique key field (HubSpot `lead_follow_up_key`, Salesforce
 * `Idempotency_Key__c`, a Text(64) external id). 40 hex characters of SHA-256: lower case, so
 * Salesforce's case-insensitive uniqueness cannot fold two ids into one, and 160 bits, so two
 * keys never meet.
 */
export function effectId(idempotencyKey: string): string {
  return createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 40);
}

/** Ids the outbox gave effects before ids were derived (random UUIDs): their tasks carry these. */
export const isLegacyEffectId = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(id);
