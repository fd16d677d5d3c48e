import { effectId, isLegacyEffectId } from "../core/model/effect-id";

/**
 * Tasks written before effect ids were derived from idempotency keys carry their effect's random
 * UUID, while rules now name every task by the derived id. For the records asked about, this maps
 * the derived id of each such old createTask effect to the id its task carries. One read on the
 * records' index; empty for records whose tasks were all written since.
 */
export async function legacyTaskIds(db: D1Database, leadKeys: readonly string[]): Promise<Map<string, string>> {
  if (leadKeys.length === 0) return new Map();
  const { results } = await db
    .prepare("select id, idempotency_key as key from effects where lead_key in (select value from json_each(?)) and type = 'createTask'")
    .bind(JSON.stringify([...new Set(leadKeys)]))
    .all<{ id: string; key: string }>();
  return new Map(results.filter((r) => isLegacyEffectId(r.id)).map((r) => [effectId(r.key), r.id]));
}
