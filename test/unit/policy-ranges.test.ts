import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { RecordUnderTest } from "../support/rule-harness";

const issuesOf = (input: unknown) => {
  const result = Policy.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

/** A copy of the policy with the value at a dotted path replaced. */
function withValueIn(input: unknown, path: string, value: unknown) {
  const policy: any = structuredClone(input);
  const keys = path.split(".");
  let at = policy;
  for (const key of keys.slice(0, -1)) at = at[key];
  at[keys[keys.length - 1]!] = value;
  return policy;
}
/** The shipped default, with the one section it leaves to its default written out. */
const BASE = withValueIn(DEFAULT_POLICY, "rules.staleLead.maxReassignments", { count: 3, within: "P30D" });
const withValue = (path: string, value: unknown) => withValueIn(BASE, path, value);

const created: CrmEvent = {
  kind: "created",
  dedupeKey: "created-1",
  recordKey: "hubspot:62515:contact:1",
  crm: "hubspot",
  accountId: "62515",
  objectType: "contact",
  objectId: "1",
  occurredAt: "2026-11-10T15:00:00.000Z",
  changedBy: { source: "CRM_UI" },
  fromThisIntegration: false,
  via: "hubspot-webhook",
  properties: { lead_source: "demo_request", hubspot_owner_id: "84213371", firstname: "Jane" },
};

/** Every duration of the policy, its range (as docs/rules-and-policy.md's table gives it), and one second beyond each end. */
const RANGES: { path: string; min: string; max: string; below?: string; above: string; human: string }[] = [
  { path: "teams.0.capacityWindow", min: "PT1H", max: "P31D", below: "PT59M59S", above: "P31DT1S", human: "1 hour to 31 days" },
  { path: "rules.staleLead.threshold", min: "PT10S", max: "P90D", below: "PT9S", above: "P90DT1S", human: "10 seconds to 90 days" },
  { path: "rules.staleLead.task.dueIn", min: "PT0S", max: "P30D", above: "P30DT1S", human: "0 seconds to 30 days" },
  { path: "rules.staleLead.maxReassignments.within", min: "PT1H", max: "P365D", below: "PT59M", above: "P366D", human: "1 hour to 365 days" },
  { path: "rules.stageGates.gracePeriod", min: "PT10S", max: "P30D", below: "PT9.5S", above: "P30DT1S", human: "10 seconds to 30 days" },
  { path: "rules.cadences.cadences.0.steps.5.offset", min: "P14D", max: "P365D", above: "P365DT1S", human: "0 seconds to 365 days" },
  { path: "rules.cadences.firstTouchDelay.max", min: "PT7M", max: "PT4H", above: "PT4H1S", human: "0 seconds to 4 hours" },
  { path: "rules.cadences.sla.within", min: "PT1M", max: "P30D", below: "PT59S", above: "P31D", human: "1 minute to 30 days" },
  { path: "rules.cadences.sla.hot.within", min: "PT1M", max: "P30D", below: "PT30S", above: "P31D", human: "1 minute to 30 days" },
  { path: "rules.cadences.sla.escalateAfter", min: "PT1M", max: "P30D", below: "PT0S", above: "P1Y", human: "1 minute to 30 days" },
  { path: "scoring.groups.behaviour.rules.0.when.within", min: "PT1H", max: "P365D", below: "PT30M", above: "P2Y", human: "1 hour to 365 days" },
  { path: "forms.0.spam.minFillTime", min: "PT0S", max: "PT1H", above: "PT1H1S", human: "0 seconds to 1 hour" },
  { path: "forms.0.duplicateWindow", min: "PT0S", max: "P1D", above: "P1DT1S", human: "0 seconds to 1 day" },
  { path: "booking.meetingLength", min: "PT10M", max: "PT4H", below: "PT9M59S", above: "PT4H1S", human: "10 minutes to 4 hours" },
  { path: "booking.bufferBefore", min: "PT0S", max: "PT2H", above: "PT2H1S", human: "0 seconds to 2 hours" },
  { path: "booking.bufferAfter", min: "PT0S", max: "PT2H", above: "PT2H1S", human: "0 seconds to 2 hours" },
  { path: "booking.minimumNotice", min: "PT0S", max: "P7D", above: "P7DT1S", human: "0 seconds to 7 days" },
  { path: "booking.horizon", min: "PT12H", max: "P120D", below: "PT11H", above: "P121D", human: "12 hours to 120 days" },
  { path: "booking.slotStep", min: "PT5M", max: "PT2H", below: "PT4M", above: "PT2H1S", human: "5 minutes to 2 hours" },
  { path: "booking.linkLifetime", min: "PT10M", max: "P7D", below: "PT9M", above: "P8D", human: "10 minutes to 7 days" },
];

describe("every duration of the policy has a range", () => {
  it("refuses the stale threshold that broke every rule run (P300000Y), naming the path, the value and the range", () => {
    expect(issuesOf(withValue("rules.staleLead.threshold", "P300000Y"))).toEqual([
      'rules.staleLead.threshold: "P300000Y" is outside PT10S to P90D (10 seconds to 90 days)',
    ]);
    expect(issuesOf(withValue("rules.staleLead.threshold", { duration: "P300000D", businessHours: true }))).toEqual([
      'rules.staleLead.threshold: "P300000D" is outside PT10S to P90D (10 seconds to 90 days)',
    ]);
  });

  it("refuses a zero stale threshold and a zero grace period", () => {
    expect(issuesOf(withValue("rules.staleLead.threshold", "PT0S"))).toEqual([
      'rules.staleLead.threshold: "PT0S" is outside PT10S to P90D (10 seconds to 90 days)',
    ]);
    expect(issuesOf(withValue("rules.stageGates.gracePeriod", { duration: "PT0S", businessHours: true }))).toEqual([
      'rules.stageGates.gracePeriod: "PT0S" is outside PT10S to P30D (10 seconds to 30 days)',
    ]);
  });

  it("a duration that is no duration is named once, with the expected form", () => {
    for (const [path, value] of [
      ["rules.staleLead.threshold", "14 days"],
      ["rules.stageGates.gracePeriod", { duration: "soon", businessHours: true }],
      ["forms.0.spam.minFillTime", "3 seconds"],
      ["teams.0.capacityWindow", "P1D "],
    ] as const) {
      const issues = issuesOf(withValue(path, value));
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(new RegExp(`^${path.replaceAll(".", "\\.")}: invalid duration .*expected an ISO 8601 duration`));
    }
  });

  it.each(RANGES)("$path: accepts its ends, refuses a second beyond them ($human)", ({ path, min, max, below, above, human }) => {
    expect(issuesOf(withValue(path, min))).toEqual([]);
    expect(issuesOf(withValue(path, max))).toEqual([]);
    for (const beyond of below ? [below, above] : [above]) {
      const issues = issuesOf(withValue(path, beyond));
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(new RegExp(`^${path.replaceAll(".", "\\.")}: "${beyond}" is outside .*\\(${human}\\)`));
    }
  });

  it("bounds the numbers: rep capacity, score thresholds, a form number's threshold, route patterns", () => {
    expect(issuesOf(withValue("reps.0.capacity", 10_001))[0]).toMatch(/^reps\.0\.capacity: /);
    expect(issuesOf(withValue("reps.0.capacity", 0))[0]).toMatch(/^reps\.0\.capacity: /);
    expect(issuesOf(withValue("rules.staleLead.scoreThreshold", 1e7))[0]).toMatch(/^rules\.staleLead\.scoreThreshold: /);
    expect(issuesOf(withValue("rules.cadences.sla.hot.scoreAtLeast", -1e7))[0]).toMatch(/^rules\.cadences\.sla\.hot\.scoreAtLeast: /);
    const fieldAtLeast = { kind: "fieldAtLeast", field: "employees", value: 1e13 };
    expect(issuesOf(withValue("scoring.groups.fit.rules.0.when", fieldAtLeast))[0]).toMatch(/^scoring\.groups\.fit\.rules\.0\.when\.value: /);
    expect(issuesOf(withValue("rules.cadences.routes.0.source", "x".repeat(201)))[0]).toMatch(/^rules\.cadences\.routes\.0\.source: /);
  });

  it("at the longest end of every range, a new lead's rules still compute their deadlines", async () => {
    let longest: any = BASE;
    for (const { path, max } of RANGES) longest = withValueIn(longest, path, max);
    longest = withValueIn(longest, "rules.staleLead.threshold", { duration: "P90D", businessHours: true });
    longest = withValueIn(longest, "rules.cadences.firstTouchDelay.min", "PT4H");
    const policy = Policy.parse(longest);
    const lead = new RecordUnderTest(policy, created, { lead_source: "demo_request", hubspot_owner_id: "84213371" });
    const decision = await lead.replay(created);
    expect(Object.keys(decision.timers)).toEqual(expect.arrayContaining(["stale-lead:check", "cadence:step", "cadence:sla"]));
    for (const at of Object.values(decision.timers)) expect(Number.isNaN(Date.parse(at!))).toBe(false);
  });

  it("the policy's JSON Schema (GET /admin/policy/schema) gives each duration's range", () => {
    const schema = JSON.stringify(z.toJSONSchema(Policy, { io: "input", unrepresentable: "any" }));
    for (const range of ["PT10S to P90D (10 seconds to 90 days)", "PT1H to P31D (1 hour to 31 days)", "PT0S to PT4H (0 seconds to 4 hours)"]) {
      expect(schema).toContain(range);
    }
  });
});
