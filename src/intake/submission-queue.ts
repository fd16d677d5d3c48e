import { setSubmissionStatus, waitingSubmissions } from "../storage/intake-submissions";
import { describeError } from "../platform/failure";

/*
 * The seam between intake and processing: a stored submission's id goes to the submissions queue;
 * the processing pipeline consumes it. Messages that exhaust their retries land in the dead-letter
 * queue and mark their submission dead (kept, visible at /admin/submissions/{id}, retried by hand).
 */

export const SUBMISSIONS_QUEUE = "lead-follow-up-submissions";
export const SUBMISSIONS_DLQ = "lead-follow-up-submissions-dlq";

export interface SubmissionMessage {
  submissionId: string;
}

/** How long a submission may wait in `received` before the cron sends its id again. */
export const RESEND_AFTER_MS = 120_000;

/** Sends a stored submission on; false (logged) when the queue refused, in which case the cron sends it later. */
export async function sendSubmission(queue: Queue, submissionId: string): Promise<boolean> {
  try {
    await queue.send({ submissionId } satisfies SubmissionMessage, { contentType: "json" });
    return true;
  } catch (error) {
    console.error(`submission ${submissionId}: queue send failed, the cron sends it again: ${describeError(error)}`);
    return false;
  }
}

/** Dead-letter consumer: each message's submission is marked dead with the step that says so. */
export async function parkDeadSubmissions(batch: MessageBatch<SubmissionMessage>, db: D1Database, now: Date): Promise<void> {
  for (const message of batch.messages) {
    const id = message.body?.submissionId;
    if (typeof id === "string") {
      await setSubmissionStatus(db, id, "dead", now, {
        from: ["received", "processing", "failed"],
        step: { step: "dead-lettered", at: now.toISOString(), detail: { attempts: message.attempts, retry: `POST /admin/submissions/${id}/retry` } },
      });
    } else {
      console.error(`dead submission message ${message.id} without a submission id: dropped`);
    }
    message.ack();
  }
}

/** Cron: sends again the ids of submissions still waiting in `received` (a lost message, a failed send). */
export async function resendWaitingSubmissions(env: Pick<Env, "DB" | "SUBMISSIONS">, now: Date): Promise<number> {
  const ids = await waitingSubmissions(env.DB, new Date(now.getTime() - RESEND_AFTER_MS));
  if (ids.length === 0) return 0;
  await env.SUBMISSIONS.sendBatch(ids.map((submissionId) => ({ body: { submissionId } satisfies SubmissionMessage, contentType: "json" as const })));
  return ids.length;
}
