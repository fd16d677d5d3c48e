/** Bundled and run by scripts/bench-rules.ts: decide() evaluations per second, in one thread. */
import { decide } from "../../src/domain/decide";
import type { RuleInput, RuleState } from "../../src/domain/decision";
import { DEFAULT_POLICY } from "../../src/domain/default-policy";
import { Policy } from "../../src/domain/policy";
import { emptyRecordState } from "../../src/domain/record-state";

const policy = Policy.parse(DEFAULT_POLICY);
const created = {
  kind: "created" as const, dedupeKey: "k", recordKey: "hubspot:1:contact:1", crm: "hubspot" as const, accountId: "1",
  objectType: "contact", objectId: "1", occurredAt: "2026-11-02T15:00:00.000Z", changedBy: {}, fromThisIntegration: false,
  via: "hubspot-webhook" as const, properties: {},
};
const record = emptyRecordState(created);
const inputs: RuleInput[] = [
  { kind: "crmEvent", event: created },
  { kind: "crmEvent", event: { ...created, kind: "propertyChanged", properties: { hs_lead_status: "OPEN" }, snapshot: false, occurredAt: "2026-11-04T10:00:00.000Z" } },
  { kind: "timer", name: "stale-check" },
  { kind: "freshRead", purpose: "stale-check", properties: { hubspot_owner_id: "84213371", hubspotscore: "80" } },
  { kind: "routed", purpose: "stale-reassign", decision: { kind: "rep", repId: "sam", ownerId: "84213372", slackUserId: "U05REPTWO02", reason: "rr" } },
];

const N = Number(process.env.DECIDE_EVALUATIONS ?? 200_000);
let state: RuleState = {};
const started = performance.now();
for (let i = 0; i < N; i++) {
  const input = inputs[i % inputs.length]!;
  if (i % inputs.length === 0) state = {};
  state = decide(state, input, { record, now: new Date(Date.UTC(2026, 10, 18, 15)), policy, policyVersion: 1, random: () => 0.5 }).state;
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ evaluations: N, seconds: Number(seconds.toFixed(2)), decideEvaluationsPerSecond: Math.round(N / seconds) }));
