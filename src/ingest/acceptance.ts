import type { CrmEvent } from "../core/model/crm-event";
import { type IngestSource, parkEvents } from "./parked-events";
import { type ReconciliationRequest, startReconciliations } from "./reconciliations";
import { enqueueForRecords } from "../records/record-inbox";

/**
 * What became of one event of an authentic, well-formed request. Nothing is silently dropped:
 * - kept: its record(s) get it (or, for a Salesforce overflow, a reconciliation reads them back);
 * - ignored: a kind the Worker does not handle, or another tenant's: counted, not stored;
 * - parked: malformed, kept in D1 with the reason for an admin (GET /admin/ingest/parked).
 */
export type Verdict =
  | { outcome: "kept"; events: CrmEvent[]; reconciliations?: ReconciliationRequest[] }
  | { outcome: "ignored"; reason: string }
  | { outcome: "parked"; reason: string; accountId?: string };

export interface JudgedEvent {
  verdict: Verdict;
  /** The event as it came, for the parked table. */
  raw: () => string;
}

export interface AcceptanceReason {
  index: number;
  outcome: "ignored" | "parked";
  reason: string;
}

/** The answer to the CRM: how many of its events were kept, ignored, parked, and why per index. */
export interface Acceptance {
  kept: number;
  ignored: number;
  parked: number;
  reasons: AcceptanceReason[];
  reconciliations?: { index: number; id: string }[];
}

/**
 * An event stamped this far after it was received is parked: a clock that wrong (or a forged
 * year 275760) would make every later rule run of its record fail or wait for a time that
 * never comes. Five minutes allows for clock skew and signature windows.
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

function boundInTime(verdict: Verdict, receivedAt: Date): Verdict {
  if (verdict.outcome !== "kept") return verdict;
  const limit = receivedAt.getTime() + MAX_FUTURE_SKEW_MS;
  const late = verdict.events.find((e) => Date.parse(e.occurredAt) > limit || Number.isNaN(Date.parse(e.occurredAt)));
  if (!late) return verdict;
  return {
    outcome: "parked",
    reason: `occurredAt ${late.occurredAt} is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes after the event was received (${receivedAt.toISOString()})`,
    accountId: late.accountId,
  };
}

/**
 * Keeps what a request's events came to: the kept ones go to their records' queue, the parked
 * ones to D1, reconciliations are started, all before the CRM is answered (each step is
 * idempotent, so a retried request changes nothing twice).
 */
export async function acceptJudged(env: Env, source: IngestSource, judged: readonly JudgedEvent[], receivedAt: Date): Promise<Acceptance> {
  const acceptance: Acceptance = { kept: 0, ignored: 0, parked: 0, reasons: [] };
  const events: CrmEvent[] = [];
  const toPark: Parameters<typeof parkEvents>[2][number][] = [];
  const reconciliations: { index: number; request: ReconciliationRequest }[] = [];
  judged.forEach((item, index) => {
    const verdict = boundInTime(item.verdict, receivedAt);
    switch (verdict.outcome) {
      case "kept":
        acceptance.kept++;
        events.push(...verdict.events);
        for (const request of verdict.reconciliations ?? []) reconciliations.push({ index, request });
        break;
      case "ignored":
        acceptance.ignored++;
        acceptance.reasons.push({ index, outcome: "ignored", reason: verdict.reason });
        break;
      case "parked":
        acceptance.parked++;
        acceptance.reasons.push({ index, outcome: "parked", reason: verdict.reason });
        toPark.push({ index, reason: verdict.reason, raw: item.raw(), accountId: verdict.accountId });
        break;
    }
  });
  const [, , started] = await Promise.all([
    events.length > 0 ? enqueueForRecords(env, events) : undefined,
    parkEvents(env.DB, source, toPark, receivedAt),
    startReconciliations(
      env,
      reconciliations.map((r) => r.request),
      receivedAt,
    ),
  ]);
  if (reconciliations.length > 0) acceptance.reconciliations = reconciliations.map((r, i) => ({ index: r.index, id: started[i]! }));
  return acceptance;
}
