import { parseRecordKey, RecordKey } from "../model/crm-event";
import type { Effect, EffectUpdate, StoredEffect as EffectRow } from "../model/effects";
import type { FailureKind } from "../../platform/failure";
import type { Fact } from "./fact";
import { stepOfTaskKey } from "./record-facts";

/** The record an effect belongs to, as facts name it; an effect of no record (an alert) names its lead key only. */
export function effectSubject(row: Pick<EffectRow, "leadKey">): Pick<Fact, "recordKey" | "crm" | "objectType"> {
  if (!RecordKey.safeParse(row.leadKey).success) return { recordKey: row.leadKey, crm: "none", objectType: "none" };
  const { crm, objectType } = parseRecordKey(row.leadKey);
  return { recordKey: row.leadKey, crm, objectType };
}

/**
 * What settling a call's effects adds to the facts: a task that reached the CRM, an effect that
 * died (with its failure kind). Keys name the effect (and, for a death, its attempts: a revived
 * effect that dies again is a second death), so a redelivered message counts nothing twice.
 */
export function outboxFacts(
  rows: readonly EffectRow[],
  updates: readonly EffectUpdate[],
  at: Date,
  /** The failure kind of each death, or "validationRule": the account's own validation rule refused the write. */
  deaths: ReadonlyMap<string, FailureKind | "validationRule">,
): Fact[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const facts: Fact[] = [];
  for (const update of updates) {
    const row = byId.get(update.id);
    if (!row) continue;
    const base = { ...effectSubject(row), at: at.toISOString() };
    if (update.status === "done" && row.type === "createTask") {
      const effect = JSON.parse(row.payload) as Extract<Effect, { type: "createTask" }>;
      facts.push({
        ...base,
        kind: "taskWritten",
        key: `${row.id}:task-written`,
        rep: effect.ownerId,
        step: stepOfTaskKey(row.idempotencyKey),
        data: { effectId: row.id, externalId: update.externalId ?? null, rule: row.rule },
      });
    } else if (update.status === "dead") {
      facts.push({
        ...base,
        kind: "effectDead",
        key: `${row.id}:dead:${update.attempts}:${row.updatedAt}`,
        reason: deaths.get(row.id) ?? "permanent",
        data: { effectId: row.id, type: row.type, rule: row.rule, error: update.error },
      });
    }
  }
  return facts;
}

/** An admin gave a dead effect a fresh set of attempts. */
export function effectRetriedFact(row: Pick<EffectRow, "id" | "leadKey" | "type" | "updatedAt">, at: Date): Fact {
  return {
    ...effectSubject(row),
    kind: "effectRetried",
    at: at.toISOString(),
    key: `${row.id}:retried:${row.updatedAt}`,
    data: { effectId: row.id, type: row.type },
  };
}
