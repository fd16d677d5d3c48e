import { evaluateAlerts } from "./alerts/alerts-chore";
import { refreshLabels } from "./console/labels";
import { rollUpFacts } from "./storage/fact-rollups";
import { featureOffMessage } from "./env/config";
import { forgetExpiredSessions } from "./storage/console-sessions";
import { forgetOldSignInFailures } from "./storage/console-sign-ins";
import { forgetOldMailgunTokens } from "./storage/inbound-email";
import { forgetOldEmailEvents } from "./storage/email-events";
import { forgetExpiredDomains } from "./storage/email-verifications";
import { activePolicy } from "./storage/policies";
import { createApp } from "./http/app";
import { forgetOldParkedEvents } from "./ingest/parked-events";
import { runReconciliationBatch } from "./ingest/reconciliation-run";
import { reconciliationDeps } from "./ingest/reconciliation-wiring";
import { backfillHubSpotGap, journalDeps } from "./ingest/journal-gaps";
import { forgetOldReconciliations, type ReconciliationMessage, resumeStalledReconciliations } from "./ingest/reconciliations";
import type { RecordEventsMessage } from "./core/model/record-events-message";
import { deliverToRecords, forgetOldLargeEvents, parkDeadLetters, replayUndelivered } from "./records/record-inbox";
import { sweepStuckSubmissions } from "./intake/dead-submissions";
import { forgetOldIntake } from "./intake/intake-retention";
import { processSubmissions } from "./intake/process-submissions";
import { parkDeadSubmissions, resendWaitingSubmissions, SUBMISSIONS_DLQ, SUBMISSIONS_QUEUE, type SubmissionMessage } from "./intake/submission-queue";
import { type EffectMessage, executeEffectBatch, requeueOverdueEffects } from "./outbox/effect-queue";
import { portsFor } from "./ports";
import { RecordObject as RecordObjectOfRecords } from "./records/record-object";
import { RepCalendar as RepCalendarOfBooking } from "./booking/rep-calendar";
import { CrmReadBatcher as CrmReadBatcherOfCrm } from "./crm/crm-read-batcher";

export { RateLimiter } from "./pacing/rate-limiter";
export { TeamRouter } from "./teams/team-router";

/** One object per CRM record (src/records/record-object.ts), given the Worker's ports. */
export class RecordObject extends RecordObjectOfRecords {
  protected portsOf(env: Env) {
    return portsFor(env);
  }
}

/** One object per rep (src/booking/rep-calendar.ts): holds and confirms the rep's meetings, given the Worker's ports. */
export class RepCalendar extends RepCalendarOfBooking {
  protected portsOf(env: Env) {
    return portsFor(env);
  }
}

/** One object per CRM account (src/crm/crm-read-batcher.ts): record objects' reads share batch calls, made with the Worker's CRM clients. */
export class CrmReadBatcher extends CrmReadBatcherOfCrm {
  protected crmOf(env: Env, target: string) {
    return portsFor(env).crm(target);
  }
}

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    const ports = portsFor(env);
    if (batch.queue === "lead-follow-up-effects") {
      const off = featureOffMessage(ports.config, "outbox");
      if (off) {
        // A message only points at its effect in D1: the effects wait there, and the cron queues
        // them again once the retry settings are fixed (retrying the messages would only pile them up).
        console.error(`effects held back: ${off}`);
        batch.ackAll();
        return;
      }
      await executeEffectBatch(batch as MessageBatch<EffectMessage>, env, ports.consumer);
    } else if (batch.queue === SUBMISSIONS_DLQ) {
      await parkDeadSubmissions(batch as MessageBatch<SubmissionMessage>, env.DB, new Date(ports.clock.now()));
    } else if (batch.queue === SUBMISSIONS_QUEUE) {
      // Paused: the messages go, the submissions stay stored as received, and once the pause ends
      // the cron sends them again (resendWaitingSubmissions). Retrying the messages instead would
      // spend the queue's retries and dead-letter every submission of a pause over ten minutes.
      if (ports.config.PAUSE_INTAKE_PROCESSING) batch.ackAll();
      else await processSubmissions(batch as MessageBatch<SubmissionMessage>, env, ports);
    } else if (batch.queue === "lead-follow-up-reconciliations") {
      await runReconciliationBatch(batch as MessageBatch<ReconciliationMessage>, env, reconciliationDeps(env, ports));
    } else if (batch.queue.endsWith("-dlq")) {
      await parkDeadLetters(batch as MessageBatch<RecordEventsMessage>, env, new Date(ports.clock.now()));
    } else {
      await deliverToRecords(batch as MessageBatch<RecordEventsMessage>, env, ports.config.PAUSE_RECORD_DELIVERY);
    }
  },
  async scheduled(controller, env) {
    const ports = portsFor(env);
    const at = new Date(controller.scheduledTime);
    // Independent chores: one failing must not keep the others from running.
    const results = await Promise.allSettled([
      ports.config.PAUSE_RECORD_DELIVERY ? Promise.resolve(0) : replayUndelivered(env),
      ports.config.report.features.outbox.state === "on" ? requeueOverdueEffects(env, at) : Promise.resolve(0),
      forgetOldMailgunTokens(env.DB, at),
      // Email providers' event ids seen (30 days) and expired DNS answers.
      forgetOldEmailEvents(env.DB, at),
      forgetExpiredDomains(env.DB, at),
      forgetOldIntake(env.DB, at),
      // Paused, submissions wait as received; this sends them again once the pause ends.
      ports.config.PAUSE_INTAKE_PROCESSING ? Promise.resolve(0) : resendWaitingSubmissions(env, at),
      sweepStuckSubmissions(env.DB, at, {
        intake: ports.config.PAUSE_INTAKE_PROCESSING,
        outbox: ports.config.report.features.outbox.state !== "on",
      }),
      // The console's daily rollups (days of the policy's zone), then its alerts.
      activePolicy(env.DB).then(({ policy }) => rollUpFacts(env.DB, policy.timeZone, () => new Date(ports.clock.now()))),
      evaluateAlerts(env, ports, at),
      resumeStalledReconciliations(env, at),
      backfillHubSpotGap(
        env,
        journalDeps(ports.config, () => new Date(ports.clock.now())),
        at,
      ),
      forgetOldParkedEvents(env.DB, at),
      forgetOldLargeEvents(env.DB, at),
      forgetOldReconciliations(env.DB, at),
      // The console's expired sessions and its day of failed sign-ins.
      forgetExpiredSessions(env.DB, at),
      forgetOldSignInFailures(env.DB, at),
      // The CRMs' labels for stages and statuses, read again once a day.
      refreshLabels(env, ports.config, at),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0)
      throw new AggregateError(
        failed.map((f) => f.reason),
        "cron chores failed",
      );
  },
} satisfies ExportedHandler<Env>;
