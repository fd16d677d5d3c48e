/** Bundled and run by scripts/bench-rules.ts: decide() evaluations per second, in one thread. */
import { decide } from "../../src/domain/decide";
import type { RuleInput, RuleState } from "../../src/domain/decision";
import { DEFAULT_POLICY } from "../../src/domain/default-policy";
import { Policy } from "../../src/domain/policy";
import { emptyRecordState } from "../../src/domain/record-state";

const policy = Policy.parse(DEFAULT_POLICY);
const created = {
  kind: "created" as const,
  dedupeKey: "k",
  recordKey: "hubspot:1:contact:1",
  crm: "hubspot" as const,
  accountId: "1",
  objectType: "contact",
  objectId: "1",
  occurredAt: "2026-11-02T15:00:00.000Z",
  changedBy: {},
  fromThisIntegration: false,
  via: "hubspot-webhook" as const,
  properties: {},
};
const record = emptyRecordState(created);
const inputs: RuleInput[] = [
  { kind: "crmEvent", event: created },
  {
    kind: "crmEvent",
    event: { ...created, kind: "propertyChanged", properties: { hs_lead_status: "OPEN" }, snapshot: false, occurredAt: "2026-11-04T10:00:00.000Z" },
  },
  { kind: "timer", name: "stale-check" },
  { kind: "freshRead", purpose: "stale-check", properties: { hubspot_owner_id: "84213371", hubspotscore: "80" } },
  {
    kind: "routed",
    purpose: "stale-reassign",
    decision: { kind: "rep", repId: "sam", ownerId: "84213372", slackUserId: "U05REPTWO02", reason: "rr" },
  },
];

/** A cadence's life: enrollment (zone from the phone, the plan), a step written with its templates, a reply. */
const lead = {
  lead_source: "demo_request",
  firstname: "Jane",
  company: "Acme",
  hubspot_owner_id: "84213371",
  phone: "+49 30 1234567",
  email: "jane@example.com",
};
const cadenceInputs: [RuleInput, Date][] = [
  [{ kind: "crmEvent", event: created }, new Date("2026-11-02T15:00:01.000Z")],
  [{ kind: "freshRead", purpose: "cadence-enroll", properties: lead }, new Date("2026-11-02T15:00:01.000Z")],
  [{ kind: "timer", name: "cadence-step" }, new Date("2026-11-02T16:00:00.000Z")],
  [{ kind: "freshRead", purpose: "cadence-step", properties: lead }, new Date("2026-11-02T16:00:00.000Z")],
  [
    {
      kind: "crmEvent",
      event: { ...created, kind: "emailReceived", messageId: "<m@x>", from: "jane@example.com", subject: "Re: demo", via: "postmark" },
    },
    new Date("2026-11-03T09:00:00.000Z"),
  ],
];

const N = Number(process.env.DECIDE_EVALUATIONS ?? 200_000);

function measure(lifecycle: [RuleInput, Date][]) {
  let state: RuleState = {};
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const [input, now] = lifecycle[i % lifecycle.length]!;
    if (i % lifecycle.length === 0) state = {};
    state = decide(state, input, { record: { ...record, createdAt: created.occurredAt }, now, policy, policyVersion: 1, random: () => 0.5 }).state;
  }
  return (performance.now() - started) / 1000;
}

const staleSeconds = measure(inputs.map((input) => [input, new Date(Date.UTC(2026, 10, 18, 15))]));
const cadenceSeconds = measure(cadenceInputs);
console.log(
  JSON.stringify({
    evaluations: N,
    seconds: Number(staleSeconds.toFixed(2)),
    decideEvaluationsPerSecond: Math.round(N / staleSeconds),
    cadenceSeconds: Number(cadenceSeconds.toFixed(2)),
    cadenceEvaluationsPerSecond: Math.round(N / cadenceSeconds),
  }),
);
