/**
 * Bundled and run by scripts/bench-rules.ts: how many lead lifecycles decide() gets through per
 * second in one thread, the shell answering at once (no I/O: this measures the rules and the runner).
 */
import { decide, type RuleShell, type Trigger } from "../../src/core/rules/decide";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { emptyRecordState } from "../../src/core/model/record-state";
import type { RuleState } from "../../src/core/rules/rule-state";

const policy = { version: 1, policy: Policy.parse(DEFAULT_POLICY), createdAt: "2026-01-01T00:00:00.000Z" };
const created: CrmEvent = {
  kind: "created",
  dedupeKey: "k",
  recordKey: "hubspot:1:contact:1",
  crm: "hubspot",
  accountId: "1",
  objectType: "contact",
  objectId: "1",
  occurredAt: "2026-11-02T15:00:00.000Z",
  changedBy: {},
  fromThisIntegration: false,
  via: "hubspot-webhook",
  properties: {},
};
const record = { ...emptyRecordState(created), createdAt: created.occurredAt };

/** The CRM's answers: a hot lead with a Berlin phone, owned by Alex; the router picks Sam. */
const lead: Record<string, string> = {
  lead_source: "demo_request",
  firstname: "Jane",
  company: "Acme",
  hubspot_owner_id: "84213371",
  lead_follow_up_score: "80",
  phone: "+49 30 1234567",
  email: "jane@example.com",
};
const shell: RuleShell = {
  read: async (properties) => ({ properties: Object.fromEntries(properties.map((p) => [p, lead[p] ?? null])) }),
  route: async () => ({ kind: "rep", repId: "sam", ownerId: "84213372", slackUserId: "U05REPTWO02", reason: "rr" }),
  tasks: async () => [],
};

type Life = [Trigger, string][];
/** A stale lead's life: created, worked once, then its deadline (fresh read, routing, reassignment). */
const staleLife: Life = [
  [{ kind: "event", event: created }, "2026-11-02T15:00:01.000Z"],
  [
    {
      kind: "event",
      event: { ...created, kind: "propertyChanged", properties: { hs_lead_status: "OPEN" }, snapshot: false, occurredAt: "2026-11-04T10:00:00.000Z" },
    },
    "2026-11-04T10:00:01.000Z",
  ],
  [{ kind: "timer", name: "stale-lead:check" }, "2026-11-18T15:00:00.000Z"],
];
/** A cadence's life: enrolment (zone from the phone, the plan), a step written with its templates, a reply. */
const cadenceLife: Life = [
  [{ kind: "event", event: created }, "2026-11-02T15:00:01.000Z"],
  [{ kind: "timer", name: "cadence:step" }, "2026-11-02T16:00:00.000Z"],
  [
    {
      kind: "event",
      event: { ...created, kind: "emailReceived", messageId: "<m@x>", from: "jane@example.com", subject: "Re: demo", via: "postmark" },
    },
    "2026-11-03T09:00:00.000Z",
  ],
];

const LIVES = Number(process.env.DECIDE_LIVES ?? 40_000);

async function measure(life: Life, rules: Policy["rules"]) {
  const ctxPolicy = { ...policy, policy: { ...policy.policy, rules } };
  const started = performance.now();
  for (let i = 0; i < LIVES; i++) {
    let state: RuleState = {};
    for (const [trigger, at] of life)
      state = (await decide(state, trigger, { record, now: new Date(at), policy: ctxPolicy, random: () => 0.5 }, shell)).state;
  }
  return (performance.now() - started) / 1000;
}

// Each life under the rule it exercises, as a record of that kind would run it.
const staleSeconds = await measure(staleLife, { staleLead: policy.policy.rules.staleLead });
const cadenceSeconds = await measure(cadenceLife, { cadences: policy.policy.rules.cadences });
console.log(
  JSON.stringify({
    lives: LIVES,
    staleSeconds: Number(staleSeconds.toFixed(2)),
    staleLivesPerSecond: Math.round(LIVES / staleSeconds),
    cadenceSeconds: Number(cadenceSeconds.toFixed(2)),
    cadenceLivesPerSecond: Math.round(LIVES / cadenceSeconds),
  }),
);
