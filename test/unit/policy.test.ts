import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";

const issuesOf = (input: unknown) => {
  const result = Policy.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("policy validation", () => {
  it("accepts the shipped default", () => {
    expect(issuesOf(DEFAULT_POLICY)).toEqual([]);
  });

  it("names the path and the reason of each problem", () => {
    const bad = {
      ...DEFAULT_POLICY,
      timeZone: "Mars/Olympus",
      reps: [...DEFAULT_POLICY.reps, { ...DEFAULT_POLICY.reps[0]!, weight: -1 }],
      teams: [{ ...DEFAULT_POLICY.teams[0]!, members: ["alex", "ghost"] }],
      rules: { ...DEFAULT_POLICY.rules, staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: "14 days", targetTeam: "outbound" } },
    };
    const issues = issuesOf(bad);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timeZone: not an IANA time zone/),
        expect.stringMatching(/^reps\.2\.weight: /),
        expect.stringMatching(/^rules\.staleLead\.threshold/),
      ]),
    );
  });

  it("checks references between reps, teams and rules", () => {
    const bad = {
      ...DEFAULT_POLICY,
      reps: [...DEFAULT_POLICY.reps, DEFAULT_POLICY.reps[0]!],
      teams: [{ ...DEFAULT_POLICY.teams[0]!, members: ["alex", "ghost"] }],
      rules: { ...DEFAULT_POLICY.rules, staleLead: { ...DEFAULT_POLICY.rules.staleLead!, targetTeam: "outbound" } },
    };
    expect(issuesOf(bad)).toEqual(
      expect.arrayContaining([
        'reps.2.id: duplicate rep id "alex"',
        'teams.0.members.1: unknown rep "ghost"',
        'rules.staleLead.targetTeam: unknown team "outbound"',
      ]),
    );
  });

  it("refuses what the calendar could not compute later: impossible holidays, business months", () => {
    const bad = {
      ...DEFAULT_POLICY,
      holidays: ["2026-02-30"],
      rules: { ...DEFAULT_POLICY.rules, staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: { duration: "P1M", businessHours: true } } },
    };
    const issues = issuesOf(bad);
    expect(issues.some((i) => i.startsWith("holidays"))).toBe(true);
    expect(issues.some((i) => i.startsWith("rules.staleLead.threshold"))).toBe(true);
  });

  it("refuses working hours that end before they start", () => {
    expect(issuesOf({ ...DEFAULT_POLICY, workingHours: { days: [1], start: "18:00", end: "09:00" } })[0]).toMatch(/^workingHours\.end: /);
  });
});
