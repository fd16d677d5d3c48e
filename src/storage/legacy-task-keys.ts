import { and, eq, inArray } from "drizzle-orm";
import { effectId, isLegacyEffectId } from "../core/model/effect-id";
import { anyOf, orm } from "./orm";
import { effects } from "./schema";

/**
 * Tasks written before effect ids were derived from idempotency keys carry their effect's random
 * UUID, while rules now name every task by the derived id. For the records asked about, this maps
 * the derived id of each such old createTask effect to the id its task carries. One read on the
 * records' index; empty for records whose tasks were all written since.
 */
export async function legacyTaskIds(db: D1Database, leadKeys: readonly string[]): Promise<Map<string, string>> {
  if (leadKeys.length === 0) return new Map();
  const rows = await orm(db)
    .select({ id: effects.id, key: effects.idempotencyKey })
    .from(effects)
    .where(and(inArray(effects.leadKey, anyOf([...new Set(leadKeys)])), eq(effects.type, "createTask")));
  return new Map(rows.filter((r) => isLegacyEffectId(r.id)).map((r) => [effectId(r.key), r.id]));
}
