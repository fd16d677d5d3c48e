import { effectOf } from "../storage/effects";
import { setSubmissionStatus, stuckSubmissions, type SubmissionStatus } from "../storage/intake-submissions";
import type { EffectRow } from "../storage/schema";

/*
 * A submission that cannot go on ends dead, with the reason in its steps: an admin sees it at
 * GET /admin/submissions/{id}, the alerts tell Slack (src/alerts), and POST …/retry sends it
 * through the pipeline again, which stores the writes that died for it anew. It dies when:
 * - its processing kept failing until the queue's retries ran out (the dead-letter queue,
 *   src/intake/submission-queue.ts parkDeadSubmissions);
 * - its lead's write to the CRM died in the outbox (refused for good, or out of attempts):
 *   leadWritesDied, told by the outbox as the effect dies;
 * - nothing moved it on for STUCK_AFTER_MS (a message lost for good, a hook that failed, a
 *   record that never heard of it): sweepStuckSubmissions, from the cron.
 * A dead submission whose write goes through after all (its effect retried from the outbox) is
 * processed when its record hears of it.
 */

/** Longer than anything that moves a submission on may take: the outbox's retries (under an hour), a record's (an hour). */
export const STUCK_AFTER_MS = 6 * 60 * 60_000;

const STILL_GOING: readonly SubmissionStatus[] = ["received", "processing", "failed"];
const retryRoute = (id: string) => `POST /admin/submissions/${id}/retry`;

/** The outbox's hook: each dead upsertLead kills its submission, saying why. */
export async function leadWritesDied(db: D1Database, dead: readonly { row: EffectRow; error: string }[], now: Date): Promise<void> {
  const at = now.toISOString();
  for (const { row, error } of dead) {
    if (row.type !== "upsertLead") continue;
    const effect = effectOf(row);
    if (effect.type !== "upsertLead") continue;
    const id = effect.submission.id;
    await setSubmissionStatus(db, id, "dead", now, {
      from: STILL_GOING,
      step: {
        step: `dead ${at}`,
        at,
        detail: { reason: "its lead's write to the CRM failed for good", error, effect: row.id, retry: retryRoute(id) },
      },
    });
  }
}

/**
 * Cron: gives up as dead the submissions nothing has moved on for STUCK_AFTER_MS. While intake
 * processing is paused, those waiting to be processed are left alone (they wait on purpose);
 * while the outbox is held back, so are those waiting for their write.
 */
export async function sweepStuckSubmissions(db: D1Database, now: Date, paused: { intake: boolean; outbox: boolean }): Promise<number> {
  const statuses = STILL_GOING.filter((s) => !(paused.intake && s !== "processing") && !(paused.outbox && s === "processing"));
  const stuck = await stuckSubmissions(db, statuses, new Date(now.getTime() - STUCK_AFTER_MS));
  const at = now.toISOString();
  let swept = 0;
  for (const { id, status, updatedAt } of stuck) {
    const moved = await setSubmissionStatus(db, id, "dead", now, {
      from: [status],
      step: {
        step: `dead ${at}`,
        at,
        detail: { reason: `${status} since ${updatedAt}, and nothing moved it on`, retry: retryRoute(id) },
      },
    });
    if (moved) swept++;
  }
  return swept;
}
