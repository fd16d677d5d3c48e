import { and, count, desc, eq, exists, inArray, isNull, like, lt, max, min, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { effectId } from "../core/model/effect-id";
import { type Effect, type EffectRequest, type EffectStatus, type EffectUpdate, effectTarget } from "../core/model/effects";
import { effectRetriedFact } from "../core/facts/outbox-facts";
import { recordFacts } from "./facts";
import { field, jsonBatches, jsonRows } from "./json-batches";
import { anyOf, compiled, compiledShapes, excluded, orm } from "./orm";
import { type EffectRow, effects } from "./schema";

const ph = sql.placeholder;

/**
 * Effect requests as rows of one bound JSON array (jsonBatches): one statement per batch instead
 * of one per handful of rows. A key repeated within the array is stored once, like a key stored
 * before. With `reviveDead`, a stored key whose effect is dead is stored anew. Both return the ids
 * of the rows they wrote.
 */
const insertEffectRows = compiledShapes(
  (reviveDead: boolean) => String(reviveDead),
  (q, reviveDead) => {
    const insert = q.insert(effects).select(
      jsonRows(effects, ph("json"), {
        id: field("id"),
        idempotencyKey: field("key"),
        leadKey: field("lead"),
        rule: field("rule"),
        type: field("type"),
        target: field("target"),
        payload: field("payload"),
        status: sql`'pending'`,
        attempts: sql`0`,
        lastError: sql`null`,
        externalId: sql`null`,
        createdAt: sql`${ph("at")}`,
        updatedAt: sql`${ph("at")}`,
        nextAttemptAt: sql`null`,
        claimedUntil: sql`null`,
      }),
    );
    return (
      reviveDead
        ? insert.onConflictDoUpdate({
            target: effects.idempotencyKey,
            set: {
              payload: excluded(effects.payload),
              status: sql`'pending'`,
              attempts: sql`0`,
              nextAttemptAt: sql`null`,
              claimedUntil: sql`null`,
              updatedAt: excluded(effects.updatedAt),
            },
            setWhere: eq(effects.status, "dead"),
          })
        : insert.onConflictDoNothing({ target: effects.idempotencyKey })
    ).returning({ id: effects.id });
  },
);

/** The JSON row `u` of recordOutcomes. */
const outcome = (name: string) => sql.raw(`u.value ->> '${name}'`);

// A done effect keeps its last error (what it overcame); a failed one keeps its external id.
const recordOutcomeRows = compiled<{ at: string; json: string }>((q) =>
  q
    .update(effects)
    .set({
      status: outcome("status"),
      attempts: outcome("attempts"),
      updatedAt: sql`${ph("at")}`,
      claimedUntil: sql`null`,
      nextAttemptAt: outcome("nextAttemptAt"),
      externalId: sql`case when ${outcome("status")} = 'done' then ${outcome("externalId")} else ${effects.externalId} end`,
      lastError: sql`case when ${outcome("status")} = 'done' then ${effects.lastError} else ${outcome("error")} end`,
    })
    .from(sql`json_each(${ph("json")}) as u`)
    .where(sql`${effects.id} = ${outcome("id")}`),
);

/** Waiting to be executed: pending or retrying. */
const waiting = inArray(effects.status, ["pending", "retrying"]);
/** Nobody holds it at `at`. */
const unclaimed = (at: string) => or(isNull(effects.claimedUntil), lt(effects.claimedUntil, at));
/** Due at `at`. */
const due = (at: string) => or(isNull(effects.nextAttemptAt), lt(effects.nextAttemptAt, at));

/**
 * Stores effect requests under their ids (derived from their idempotency keys); a request whose
 * key is already stored is ignored. Returns the ids of the rows this call created, which are the
 * ones to execute. With `reviveDead`, a stored key whose effect is dead is stored anew (this
 * request's payload, fresh attempts) and returned too: a submission an admin retries revives the
 * writes that died for it, which would otherwise stay dead under their keys.
 */
export async function insertEffects(db: D1Database, requests: readonly EffectRequest[], now: Date, options: StoreOptions = {}): Promise<string[]> {
  if (requests.length === 0 && !options.alongside?.length) return [];
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
  const inserts = jsonBatches(rows).map((json) => insertEffectRows(db, options.reviveDead ?? false, { at, json }));
  const results = await db.batch<{ id: string }>([...inserts, ...(options.alongside ?? [])]);
  return results.slice(0, inserts.length).flatMap((r) => r.results.map((row) => row.id));
}

export interface StoreOptions {
  /** Revive a stored key whose effect is dead (see insertEffects). */
  reviveDead?: boolean;
  /**
   * Statements stored in the same transaction as the effects (a rule run's facts): one D1 call
   * for both, and neither without the other.
   */
  alongside?: readonly D1PreparedStatement[];
}

/**
 * Claims the given effects that are waiting and not claimed by someone else, until `until`;
 * returns the claimed rows. Only the claimant executes an effect.
 */
export async function claimEffects(db: D1Database, ids: readonly string[], now: Date, until: Date): Promise<EffectRow[]> {
  if (ids.length === 0) return [];
  return orm(db)
    .update(effects)
    .set({ claimedUntil: until.toISOString() })
    .where(and(inArray(effects.id, anyOf(ids)), waiting, unclaimed(now.toISOString())))
    .returning();
}

/**
 * Claims up to `limit` more effects of one target and type that are due now, for a consumer
 * that has capacity left: work queued behind a slow batch need not wait for its message.
 */
export async function claimDueEffects(db: D1Database, target: string, type: string, limit: number, now: Date, until: Date): Promise<EffectRow[]> {
  const at = now.toISOString();
  const d1 = orm(db);
  const dueNow = d1
    .select({ id: effects.id })
    .from(effects)
    .where(and(eq(effects.target, target), eq(effects.type, type), waiting, due(at), unclaimed(at)))
    .limit(limit);
  return d1
    .update(effects)
    .set({ claimedUntil: until.toISOString() })
    .where(and(inArray(effects.id, dueNow), unclaimed(at)))
    .returning();
}

/**
 * When the next effect of one target and type that nobody holds falls due (now if one already
 * is), or null when none is waiting: a consumer with capacity can wait for it instead of leaving
 * it to its queue message.
 */
export async function nextDueAt(db: D1Database, target: string, type: string, now: Date): Promise<Date | null> {
  const at = now.toISOString();
  const [row] = await orm(db)
    .select({ due: sql<string | null>`min(coalesce(${effects.nextAttemptAt}, ${at}))` })
    .from(effects)
    .where(and(eq(effects.target, target), eq(effects.type, type), waiting, unclaimed(at)));
  return row?.due ? new Date(row.due) : null;
}

/** The targets and kinds that have effects due now and unclaimed. */
export async function dueKinds(db: D1Database, now: Date): Promise<{ target: string; type: string }[]> {
  const at = now.toISOString();
  return orm(db)
    .selectDistinct({ target: effects.target, type: effects.type })
    .from(effects)
    .where(and(waiting, due(at), unclaimed(at)))
    .limit(50);
}

export async function loadEffects(db: D1Database, ids: readonly string[]): Promise<EffectRow[]> {
  if (ids.length === 0) return [];
  return orm(db)
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
  await db.batch(jsonBatches(rows).map((json) => recordOutcomeRows(db, { at: now.toISOString(), json })));
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
  return orm(db)
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
  const rows = await orm(db)
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
  const rows = await orm(db).select({ status: effects.status, n: count() }).from(effects).groupBy(effects.status);
  const counts: Record<EffectStatus, number> = { pending: 0, retrying: 0, done: 0, dead: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** When the longest-waiting effect fell or falls due (its next attempt, or its last change): the console's health page. */
export async function oldestWaitingDueAt(db: D1Database): Promise<string | null> {
  const [row] = await orm(db)
    .select({ due: min(sql<string>`coalesce(${effects.nextAttemptAt}, ${effects.updatedAt})`) })
    .from(effects)
    .where(waiting);
  return row?.due ?? null;
}

/** How many effects are dead and when the newest of them died: what the alert tells. */
export async function deadEffectsSummary(db: D1Database): Promise<{ count: number; newestAt: string | null }> {
  const [row] = await orm(db)
    .select({ count: count(), newestAt: max(effects.updatedAt) })
    .from(effects)
    .where(eq(effects.status, "dead"));
  return row ?? { count: 0, newestAt: null };
}

/** The HubSpot targets (hubspot:{portal}) the outbox has written to, up to `limit`: HubSpot's limiter is per portal. */
export async function hubspotTargets(db: D1Database, limit = 10): Promise<string[]> {
  const rows = await orm(db).selectDistinct({ target: effects.target }).from(effects).where(like(effects.target, "hubspot:%")).limit(limit);
  return rows.map((r) => r.target);
}

/** Gives a dead effect a fresh set of attempts (and records that an admin did); returns false unless it was dead. */
export async function reviveDeadEffect(db: D1Database, id: string, now: Date): Promise<boolean> {
  const [dead] = await loadEffects(db, [id]);
  const revived = await orm(db)
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
  const rows = await orm(db)
    .select({ id: effects.id, next: effects.nextAttemptAt })
    .from(effects)
    .where(and(inArray(effects.id, anyOf(ids)), waiting));
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
  const rows = await orm(db)
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
  const d1 = orm(db);
  const later = alias(effects, "later");
  const rows = await d1
    .select({ id: effects.id })
    .from(effects)
    .where(
      and(
        inArray(effects.id, anyOf(ids)),
        exists(
          d1
            .select({ one: sql`1` })
            .from(later)
            .where(
              and(
                eq(later.leadKey, effects.leadKey),
                eq(later.type, "updateTasks"),
                sql`${later}.rowid > ${effects}.rowid`,
                sql`${later.payload} ->> '$.action.kind' = 'reassign'`,
              ),
            ),
        ),
      ),
    );
  return new Set(rows.map((r) => r.id));
}
