import { VALIDATION_RULE } from "../crm/crm-port";
import {
  claimDueEffects,
  dueKinds,
  claimEffects,
  effectOf,
  insertEffects,
  loadEffects,
  nextDueAt,
  overdueEffectIds,
  recordOutcomes,
  type StoreOptions,
} from "../storage/effects";
import { recordFacts } from "../storage/facts";
import type { EffectRow } from "../storage/schema";
import type { EffectRequest, EffectType, EffectUpdate } from "../core/model/effects";
import { outboxFacts } from "../core/facts/outbox-facts";
import { describeError, type FailureKind } from "../platform/failure";
import { type EffectOutcome, isWaiting } from "../platform/outcome";
import { WORK_BUDGET_MS } from "./consumer-budget";
import { batchLimit, executeBatch, type Executors } from "./effect-executors";
import type { PendingEffect } from "./pending-effect";
import { nextStep, type RetryPolicy } from "./retry-policy";

export interface EffectMessage {
  effectId: string;
}

/** Queue sendBatch takes at most 100 messages. */
const SEND_BATCH = 100;

/**
 * Stores effect requests (a known idempotency key is ignored) and queues the new ones.
 * The rows are written before the messages, so an effect that exists is never lost: if queueing
 * fails, the caller retries and an admin can re-queue it.
 */
export async function enqueueEffects(
  env: Pick<Env, "DB" | "EFFECTS">,
  requests: readonly EffectRequest[],
  now: Date,
  options: StoreOptions = {},
): Promise<string[]> {
  const ids = await insertEffects(env.DB, requests, now, options);
  await sendEffectMessages(env.EFFECTS, ids);
  return ids;
}

export async function sendEffectMessages(queue: Queue<EffectMessage>, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += SEND_BATCH) {
    await queue.sendBatch(ids.slice(i, i + SEND_BATCH).map((effectId) => ({ body: { effectId }, contentType: "json" as const })));
  }
}

/** An effect this late past its due time has lost its queue message. */
const OVERDUE_AFTER_MS = 15 * 60_000;

/** Cron: queues again any effect whose message was lost, so no effect waits forever. */
export async function requeueOverdueEffects(env: Pick<Env, "DB" | "EFFECTS">, now: Date): Promise<number> {
  const ids = await overdueEffectIds(env.DB, new Date(now.getTime() - OVERDUE_AFTER_MS), now, 1_000);
  await sendEffectMessages(env.EFFECTS, ids);
  return ids.length;
}

/**
 * Calls in flight per target and kind within one consumer invocation. The quota is a rolling
 * window: the calls of the next window can start only as early as those of the first did, so the
 * first burst should be dense, and a 2 s timeout or a 1 s pause after a 429 should not leave the
 * rest idle. The RateLimiter, not this number, keeps the calls within quota.
 */
const LANES = 12;

/** A lane waiting for work that is due now (taken by another consumer meanwhile) must not spin. */
const MIN_IDLE_WAIT_MS = 50;

/** The lanes of one target and kind: how many are executing, and a wake-up for idle ones when one is done. */
class LaneActivity {
  busy = 0;
  private waiting: (() => void)[] = [];

  nextSettle(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  settled(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }
}

/** The longest delay Cloudflare Queues takes for a retried message. */
const MAX_QUEUE_DELAY_S = 43_200;

/**
 * What becomes of each message of a batch: decided as its effect settles, told to the queue once
 * the invocation ends. An effect that failed may come due again and succeed within the same
 * invocation, and a message once told to retry can no longer be acknowledged (the runtime ignores
 * it and redelivers the message for nothing).
 */
class MessageOutcomes {
  private readonly decided = new Map<string, { retryAt?: number }>();

  constructor(private readonly messages: Map<string, Message<EffectMessage>>) {}

  /** Effects claimed beyond this batch have their own message elsewhere in the queue: nothing to decide here. */
  ack(id: string): void {
    if (this.messages.has(id)) this.decided.set(id, {});
  }

  retry(id: string, at: number): void {
    if (this.messages.has(id)) this.decided.set(id, { retryAt: at });
  }

  tell(now: number): void {
    for (const [id, { retryAt }] of this.decided) {
      const message = this.messages.get(id)!;
      if (retryAt === undefined) message.ack();
      // Queues delay a message at most 12 hours; a longer wait (an email held for the lead's Monday) is
      // redelivered then and waits again, its next attempt time kept in D1 meanwhile.
      else message.retry({ delaySeconds: Math.min(MAX_QUEUE_DELAY_S, Math.ceil(Math.max(0, retryAt - now) / 1000)) });
    }
  }
}

/** How long a consumer may hold effects: pacing (≤ 20 s) plus calls and their retries fit well inside. */
export const EFFECT_CLAIM_MS = 120_000;

export interface ConsumerDeps {
  executors: Executors;
  policy: RetryPolicy;
  random: () => number;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Called when an API asked us to back off (429 with Retry-After), so other calls wait too. */
  pauseTarget: (target: string, until: number) => Promise<void>;
  /**
   * Told of the effects that just died (after their outcome is stored), so that whatever waited
   * on them (a submission on its lead's write) says so. A failure here is logged: the cron's sweep
   * of stuck submissions is the backstop.
   */
  effectsDied?: (dead: { row: EffectRow; error: string }[]) => Promise<void>;
}

/**
 * The effects queue consumer: loads the effects, executes them grouped by target and type in
 * batches, records each outcome, and acknowledges or retries each message. An effect that
 * failed for good, or too often, becomes dead: kept with its error, replayable by an admin.
 */
export async function executeEffectBatch(batch: MessageBatch<EffectMessage>, env: Pick<Env, "DB">, deps: ConsumerDeps): Promise<void> {
  const messages = new Map(batch.messages.map((m) => [m.body.effectId, m]));
  const now = deps.now();
  const rows = await claimEffects(env.DB, [...messages.keys()], now, new Date(now.getTime() + EFFECT_CLAIM_MS));
  const claimed = new Set(rows.map((r) => r.id));
  const unclaimed = [...messages.keys()].filter((id) => !claimed.has(id));
  const found = new Set<string>(claimed);
  for (const row of await loadEffects(env.DB, unclaimed)) {
    found.add(row.id);
    const message = messages.get(row.id)!;
    // Done or dead (a redelivered message): nothing to do. Otherwise another consumer holds it:
    // look again once its claim has run out.
    if (row.status === "done" || row.status === "dead") message.ack();
    else message.retry({ delaySeconds: Math.ceil(EFFECT_CLAIM_MS / 1000) });
  }
  // A message for an effect that does not exist (never stored) has nothing to drive.
  for (const [id, message] of messages) if (!found.has(id)) message.ack();

  const groups = new Map<string, EffectRow[]>();
  for (const row of rows) {
    const key = `${row.target}\u0000${row.type}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const deadline = now.getTime() + WORK_BUDGET_MS;
  // Targets run in parallel (separate quotas), and so do the kinds of one target: an update
  // waiting for a task's creation must not hold up the creation it waits for. Every call is
  // still paced by the target's RateLimiter.
  const running = new Map<string, Promise<void>>();
  const all: Promise<void>[] = [];
  const outcomes = new MessageOutcomes(messages);
  const start = (target: string, type: string, claimed: EffectRow[]) => {
    const key = `${target}\u0000${type}`;
    const run = runGroup(env, deps, outcomes, target, type as EffectType, claimed, deadline).finally(() => running.delete(key));
    running.set(key, run);
    all.push(run);
  };
  try {
    for (const group of groups.values()) start(group[0]!.target, group[0]!.type, group);
    // While some group still works (a Slack post waiting for its channel's pace, a retry due in a
    // few seconds), new effects of other targets and kinds must not wait for this invocation to end:
    // where consumers do not run side by side (wrangler dev, a queue at its concurrency), they would.
    while (running.size > 0) {
      // A group's failure surfaces below, from Promise.all; here it only ends the wait.
      await Promise.race([deps.sleep(WATCH_INTERVAL_MS), ...[...running.values()].map((run) => run.catch(() => undefined))]);
      if (running.size === 0 || deps.now().getTime() >= deadline) break;
      for (const { target, type } of await dueKinds(env.DB, deps.now())) if (!running.has(`${target}\u0000${type}`)) start(target, type, []);
    }
    await Promise.all(all);
  } finally {
    // Outcomes already stored are told even when a group failed; the undecided messages are retried by the runtime.
    outcomes.tell(deps.now().getTime());
  }
}

/** How often an invocation still working looks for effects of other targets and kinds that came due. */
const WATCH_INTERVAL_MS = 500;

/**
 * The effects of one target and kind: the claimed rows in chunks of the executor's batch size,
 * over several lanes, then whatever else of that target and kind comes due before the deadline.
 */
async function runGroup(
  env: Pick<Env, "DB">,
  deps: ConsumerDeps,
  outcomes: MessageOutcomes,
  target: string,
  type: EffectType,
  claimed: EffectRow[],
  deadline: number,
): Promise<void> {
  const limit = batchLimit(type, target, deps.executors);
  const chunks: EffectRow[][] = [];
  for (let i = 0; i < claimed.length; i += limit) chunks.push(claimed.slice(i, i + limit));
  // Several calls in flight per target (each still paced by the RateLimiter), so one slow
  // call does not hold up the rest. A lane out of queued work claims more that is due.
  const lanes = new LaneActivity();
  const lane = async () => {
    for (;;) {
      let part = chunks.shift();
      if (!part && deps.now().getTime() < deadline) {
        const at = deps.now();
        part = await claimDueEffects(env.DB, target, type, limit, at, new Date(at.getTime() + EFFECT_CLAIM_MS));
        if (part.length === 0) part = undefined;
      }
      if (part) {
        lanes.busy++;
        try {
          const pending: PendingEffect[] = part.map((row) => ({ id: row.id, effect: effectOf(row) }));
          const results = await executeBatch(type, target, pending, deps.executors);
          await settle(part, results, env, deps, outcomes);
        } finally {
          lanes.busy--;
          lanes.settled();
        }
        continue;
      }
      if (deps.now().getTime() >= deadline) return;
      // Nothing due now. Effects that just failed are due again within seconds: waiting for
      // them here beats leaving them to their queue message (redelivered a whole second
      // or more later, after this invocation). Calls still in flight may fail too.
      const due = await nextDueAt(env.DB, target, type, deps.now());
      if (due && due.getTime() < deadline) await deps.sleep(Math.max(due.getTime() - deps.now().getTime(), MIN_IDLE_WAIT_MS));
      else if (lanes.busy > 0) await lanes.nextSettle();
      else return;
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

async function settle(
  rows: EffectRow[],
  results: EffectOutcome[],
  env: Pick<Env, "DB">,
  deps: ConsumerDeps,
  outcomes: MessageOutcomes,
): Promise<void> {
  const now = deps.now();
  // One jitter draw per call: effects that failed together are retried together, so they are
  // batched together again instead of scattering into many small calls that eat the quota.
  const draw = deps.random();
  const sharedRandom = () => draw;
  const updates: EffectUpdate[] = [];
  const acks: (() => void)[] = [];
  const deaths = new Map<string, FailureKind | "validationRule">();
  let pauseUntil = 0;
  rows.forEach((row, i) => {
    const outcome = results[i]!;
    const retryAt = (delayMs: number, attempts: number, error: string) => {
      updates.push({ id: row.id, status: "retrying", attempts, error, nextAttemptAt: new Date(now.getTime() + delayMs) });
      acks.push(() => outcomes.retry(row.id, now.getTime() + delayMs));
    };
    if (isWaiting(outcome)) {
      // Nothing was attempted: it waits for what it depends on, and spends no attempt doing so.
      retryAt(outcome.waiting.retryAfterMs, row.attempts, outcome.waiting.reason);
      return;
    }
    if (outcome.ok) {
      updates.push({ id: row.id, status: "done", attempts: row.attempts + 1, externalId: outcome.externalId });
      acks.push(() => outcomes.ack(row.id));
      return;
    }
    const { failure } = outcome;
    // Held back for quota, by our own limiter (no call made) or by the API (a 429: refused
    // unapplied, come back after Retry-After): the effect did not fail, the account was busy,
    // so no attempt is spent. An effect dies of its own failures, not of a busy account: under
    // a squeeze, 429s next to 5xx and timeouts spent a batch's eight attempts in a minute.
    const notAttempted = failure.kind === "rateLimited" && failure.notAttempted === true;
    const attempts = row.attempts + (failure.kind === "rateLimited" ? 0 : 1);
    if (failure.kind === "rateLimited" && failure.retryAfterMs && !notAttempted)
      pauseUntil = Math.max(pauseUntil, now.getTime() + failure.retryAfterMs);
    const verdict = nextStep(Math.max(attempts, 1), failure, deps.policy, sharedRandom);
    if (verdict.retry) retryAt(verdict.delayMs, attempts, failure.message);
    else {
      const reason = verdict.reason === "permanent" ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
      updates.push({ id: row.id, status: "dead", attempts, error: reason });
      deaths.set(row.id, failure.code === VALIDATION_RULE ? "validationRule" : failure.kind);
      acks.push(() => outcomes.ack(row.id));
    }
  });
  if (pauseUntil > 0) await deps.pauseTarget(rows[0]!.target, pauseUntil);
  // Facts (keyed, so a redelivery adds none) before outcomes: once the outcome is stored, no redelivery would record them.
  await recordFacts(env.DB, outboxFacts(rows, updates, now, deaths));
  // Outcomes are stored before messages are settled: a crash in between redelivers the message,
  // and the CRM-side key keeps the second execution from creating anything new.
  await recordOutcomes(env.DB, updates, now);
  if (deaths.size > 0 && deps.effectsDied) {
    const died = updates.flatMap((u) => (u.status === "dead" ? [{ row: rows.find((r) => r.id === u.id)!, error: u.error }] : []));
    await deps.effectsDied(died).catch((error) => console.error(`dead effects not told: ${describeError(error)}`));
  }
  for (const settleMessage of acks) settleMessage();
}
