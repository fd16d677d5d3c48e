import { and, count, desc, eq, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { effectId } from "../core/model/effect-id";
import { type Effect, type EffectRequest, type EffectStatus, type EffectUpdate, effectTarget } from "../core/model/effects";
import { effectRetriedFact } from "../core/facts/outbox-facts";
import { recordFacts } from "./facts";
import { type EffectRow, effects } from "./schema";

/**
 * D1 binds at most 100 parameters per statement, so many rows go in as one JSON array read with
 * json_each: one statement per batch instead of one per handful of rows. Each array stays well
 * under D1's 2 MB limit for a bound value (counted in UTF-8 bytes, as D1 counts them).
 */
const MAX_JSON_BYTES = 1_000_000;
const utf8 = new TextEncoder();

/** Rows as JSON arrays of at most MAX_JSON_BYTES each (a row larger than that goes alone). */
function jsonArrays(rows: readonly object[]): string[] {
  const arrays: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = utf8.encode(json).byteLength + 1;
    if (current.length > 0 && bytes + size > MAX_JSON_BYTES) {
      arrays.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) arrays.push(`[${current.join(",")}]`);
  return arrays;
}

const INSERT_EFFECT_ROWS = `
  insert into effects (id, idempotency_key, lead_key, rule, type, target, payload, status, attempts, created_at, updated_at)
  select r.value ->> 'id', r.value ->> 'key', r.value ->> 'lead', r.value ->> 'rule', r.value ->> 'type',
         r.value ->> 'target', r.value ->> 'payload', 'pending', 0, ?1, ?1
  from json_each(?2) as r where true`;
const INSERT_EFFECTS = `${INSERT_EFFECT_ROWS}
  on conflict (idempotency_key) do nothing
  returning id`;

// A done effect keeps its last error (what it overcame); a failed one keeps its external id.
const RECORD_OUTCOMES = `
  update effects set
    status = u.value ->> 'status',
    attempts = u.value ->> 'attempts',
    updated_at = ?1,
    claimed_until = null,
    next_attempt_at = u.value ->> 'nextAttemptAt',
    external_id = case when u.value ->> 'status' = 'done' then u.value ->> 'externalId' else effects.external_id end,
    last_error = case when u.value ->> 'status' = 'done' then effects.last_error else u.value ->> 'error' end
  from json_each(?2) as u
  where effects.id = u.value ->> 'id'`;

/** Ids as one bound JSON array: `column IN` this matches any of them, however many. */
const anyOf = (ids: readonly string[]): SQL => sql`(select value from json_each(${JSON.stringify(ids)}))`;

const INSERT_OR_REVIVE_EFFECTS = `${INSERT_EFFECT_ROWS}
  on conflict (idempotency_key) do update set
    payload = excluded.payload, status = 'pending', attempts = 0, next_attempt_at = null, claimed_until = null, updated_at = excluded.updated_at
  where effects.status = 'dead'
  returning id`;

/**
 * Stores effect requests under their ids (derived from their idempotency keys); a request whose
 * key is already stored is ignored. Returns the ids of the rows this call created, which are the
 * ones to execute. With `reviveDead`, a stored key whose effect is dead is stored anew (this
 * request's payload, fresh attempts) and returned too: a submission an admin retries revives the
 * writes that died for it, which would otherwise stay dead under their keys.
 */
export async function insertEffects(
  db: D1Database,
  requests: readonly EffectRequest[],
  now: Date,
  options: { reviveDead?: boolean } = {},
): Promise<string[]> {
  if (requests.length === 0) return [];
  const at = now.toISOString();
  const rows = requests.map((r) => ({
    id: effectId(r.idempotencyKey),
    key: r.idempotencyKey,
    lead: r.leadKey,
    rule: r.rule,
    type: r.effect.type,
    target: effectTarget(r.effect),
    payload: JSON.stringify(r.effect),
  }));
  // One batch is one transaction: all rows are stored, or none (and the caller's retry stores them).
  // A key repeated within one call is stored once, like a key stored before.
  const sql = options.reviveDead ? INSERT_OR_REVIVE_EFFECTS : INSERT_EFFECTS;
  const results = await db.batch<{ id: string }>(jsonArrays(rows).map((json) => db.prepare(sql).bind(at, json)));
  return results.flatMap((r) => r.results.map((row) => row.id));
}

/**
 * Claims the given effects that are waiting and not claimed by someone else, until `until`;
 * returns the claimed rows. Only the claimant executes an effect.
 */
export async function claimEffects(db: D1Database, ids: readonly string[], now: Date, until: Date): Promise<EffectRow[]> {
  if (ids.length === 0) return [];
  const at = now.toISOString();
  return drizzle(db)
    .update(effects)
    .set({ claimedUntil: until.toISOString() })
    .where(
      and(
        inArray(effects.id, anyOf(ids)),
        inArray(effects.status, ["pending", "retrying"]),
        or(isNull(effects.claimedUntil), lt(effects.claimedUntil, at)),
      ),
    )
    .returning();
}

/**
 * Claims up to `limit` more effects of one target and type that are due now, for a consumer
 * that has capacity left: work queued behind a slow batch need not wait for its message.
 */
export async function claimDueEffects(db: D1Database, target: string, type: string, limit: number, now: Date, until: Date): Promise<EffectRow[]> {
  const at = now.toISOString();
  const d1 = drizzle(db);
  const due = d1
    .select({ id: effects.id })
    .from(effects)
    .where(
      and(
        eq(effects.target, target),
        eq(effects.type, type),
        inArray(effects.status, ["pending", "retrying"]),
        or(isNull(effects.nextAttemptAt), lt(effects.nextAttemptAt, at)),
        or(isNull(effects.claimedUntil), lt(effects.claimedUntil, at)),
      ),
    )
    .limit(limit);
  return d1
    .update(effects)
    .set({ claimedUntil: until.toISOString() })
    .where(and(inArray(effects.id, due), or(isNull(effects.claimedUntil), lt(effects.claimedUntil, at))))
    .returning();
}

/**
 * When the next effect of one target and type that nobody holds falls due (now if one already
 * is), or null when none is waiting: a consumer with capacity can wait for it instead of leaving
 * it to its queue message.
 */
export async function nextDueAt(db: D1Database, target: string, type: string, now: Date): Promise<Date | null> {
  const at = now.toISOString();
  const [row] = await drizzle(db)
    .select({ due: sql<string | null>`min(coalesce(${effects.nextAttemptAt}, ${at}))` })
    .from(effects)
    .where(
      and(
        eq(effects.target, target),
        eq(effects.type, type),
        inArray(effects.status, ["pending", "retrying"]),
        or(isNull(effects.claimedUntil), lt(effects.claimedUntil, at)),
      ),
    );
  return row?.due ? new Date(row.due) : null;
}

/** The targets and kinds that have effects due now and unclaimed. */
export async function dueKinds(db: D1Database, now: Date): Promise<{ target: string; type: string }[]> {
  const at = now.toISOString();
  return drizzle(db)
    .selectDistinct({ target: effects.target, type: effects.type })
    .from(effects)
    .where(
      and(
        inArray(effects.status, ["pending", "retrying"]),
        or(isNull(effects.nextAttemptAt), lt(effects.nextAttemptAt, at)),
        or(isNull(effects.claimedUntil), lt(effects.claimedUntil, at)),
      ),
    )
    .limit(50);
}

export async function loadEffects(db: D1Database, ids: readonly string[]): Promise<EffectRow[]> {
  if (ids.length === 0) return [];
  return drizzle(db)
    .select()
    .from(effects)
    .where(inArray(effects.id, anyOf(ids)));
}

export function effectOf(row: EffectRow): Effect {
  return JSON.parse(row.payload) as Effect;
}

export async function recordOutcomes(db: D1Database, updates: readonly EffectUpdate[], now: Date): Promise<void> {
  if (updates.length === 0) return;
  const rows = updates.map((u) => ({
    id: u.id,
    status: u.status,
    attempts: u.attempts,
    externalId: u.status === "done" ? (u.externalId ?? null) : null,
    error: u.status === "done" ? null : u.error,
    nextAttemptAt: u.status === "retrying" ? u.nextAttemptAt.toISOString() : null,
  }));
  await db.batch(jsonArrays(rows).map((json) => db.prepare(RECORD_OUTCOMES).bind(now.toISOString(), json)));
}

export interface EffectFilter {
  status?: EffectStatus;
  leadKey?: string;
  limit: number;
}

export async function listEffects(db: D1Database, filter: EffectFilter): Promise<EffectRow[]> {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(effects.status, filter.status));
  if (filter.leadKey) conditions.push(eq(effects.leadKey, filter.leadKey));
  return drizzle(db)
    .select()
    .from(effects)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(effects.createdAt))
    .limit(filter.limit);
}

/**
 * Effects still waiting well after they were due: their queue message is gone (lost, or dropped
 * after the queue's own retry ceiling). Returned so the cron can queue them again.
 */
export async function overdueEffectIds(db: D1Database, dueBefore: Date, now: Date, limit: number): Promise<string[]> {
  const cutoff = dueBefore.toISOString();
  const rows = await drizzle(db)
    .select({ id: effects.id })
    .from(effects)
    .where(
      and(
        inArray(effects.status, ["pending", "retrying"]),
        sql`coalesce(${effects.nextAttemptAt}, ${effects.updatedAt}) < ${cutoff}`,
        or(isNull(effects.claimedUntil), lt(effects.claimedUntil, now.toISOString())),
      ),
    )
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Effects per status, for dashboards and the benchmark. */
export async function countEffectsByStatus(db: D1Database): Promise<Record<EffectStatus, number>> {
  const rows = await drizzle(db).select({ status: effects.status, n: count() }).from(effects).groupBy(effects.status);
  const counts: Record<EffectStatus, number> = { pending: 0, retrying: 0, done: 0, dead: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** Gives a dead effect a fresh set of attempts (and records that an admin did); returns false unless it was dead. */
export async function reviveDeadEffect(db: D1Database, id: string, now: Date): Promise<boolean> {
  const [dead] = await loadEffects(db, [id]);
  const revived = await drizzle(db)
    .update(effects)
    .set({ status: "pending", attempts: 0, updatedAt: now.toISOString(), nextAttemptAt: null })
    .where(and(eq(effects.id, id), eq(effects.status, "dead")))
    .returning({ id: effects.id });
  if (revived.length === 1 && dead) await recordFacts(db, [effectRetriedFact(dead, now)]);
  return revived.length === 1;
}

/** Of these createTask effect ids, the ones still waiting to execute (pending or retrying), with when they are next tried (null: now). */
export async function unsettledEffectIds(db: D1Database, ids: readonly string[]): Promise<Map<string, Date | null>> {
  if (ids.length === 0) return new Map();
  const rows = await drizzle(db)
    .select({ id: effects.id, next: effects.nextAttemptAt })
    .from(effects)
    .where(and(inArray(effects.id, anyOf(ids)), or(eq(effects.status, "pending"), eq(effects.status, "retrying"))));
  return new Map(rows.map((row) => [row.id, row.next ? new Date(row.next) : null]));
}

/** Where an effect stands, for an effect that waits for it (a consent for the lead's write). */
export interface EffectState {
  status: EffectStatus;
  /** What the CRM answered once done (upsertLead: the key of the record it wrote). */
  externalId: string | null;
  /** When it is tried next (null: now, or never again). */
  nextAttemptAt: Date | null;
}

/** The states of these effects, by id; ids never stored are left out. */
export async function effectStates(db: D1Database, ids: readonly string[]): Promise<Map<string, EffectState>> {
  if (ids.length === 0) return new Map();
  const rows = await drizzle(db)
    .select({ id: effects.id, status: effects.status, externalId: effects.externalId, next: effects.nextAttemptAt })
    .from(effects)
    .where(inArray(effects.id, anyOf(ids)));
  return new Map(
    rows.map((row) => [row.id, { status: row.status, externalId: row.externalId, nextAttemptAt: row.next ? new Date(row.next) : null }]),
  );
}

/**
 * Of these task reassignments, the ones a later reassignment of the same lead's tasks replaces
 * (stored after them): the lead changed hands again, and running the older one after the newer,
 * say after a retry, would hand the tasks back to the previous owner.
 */
export async function supersededReassignments(db: D1Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await db
    .prepare(`
    select e.id from effects e
    where e.id in (select value from json_each(?1))
      and exists (
        select 1 from effects later
        where later.lead_key = e.lead_key and later.type = 'updateTasks' and later.rowid > e.rowid
          and later.payload ->> '$.action.kind' = 'reassign'
      )`)
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
