import { describe, expect, it } from "vitest";
import { isWorkingTime } from "../../src/core/calendar/calendar";
import { isKnownHolidayCalendar, publicHolidays } from "../../src/core/calendar/public-holidays";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { holidaysAt, holidaysRunningOut } from "../../src/core/policy/holiday-calendars";
import { Policy } from "../../src/core/policy/policy";
import { policyCalendar } from "../../src/core/rules/rule-support";

const base = Policy.parse(DEFAULT_POLICY);

describe("public-holiday calendars", () => {
  it("a country's (or state's) public holidays from date-holidays", () => {
    const us = publicHolidays("US", 2027, 2027);
    expect(us).toContain("2027-01-01");
    expect(us).toContain("2027-11-25"); // Thanksgiving
    expect(us.every((d) => d.startsWith("2027-"))).toBe(true);
    expect(publicHolidays("DE-BY", 2027, 2027)).toContain("2027-01-06"); // Epiphany, in Bavaria
    expect(publicHolidays("DE-BE", 2027, 2027)).not.toContain("2027-01-06");
    expect(isKnownHolidayCalendar("US")).toBe(true);
    expect(isKnownHolidayCalendar("XX")).toBe(false);
    expect(isKnownHolidayCalendar("DE-ZZ")).toBe(false);
    expect(isKnownHolidayCalendar("us; drop")).toBe(false);
  });

  it("the policy refuses a calendar the package does not know, on the policy, a team or a rep", () => {
    expect(Policy.safeParse({ ...DEFAULT_POLICY, holidayCalendar: "XX" }).success).toBe(false);
    const team = { ...DEFAULT_POLICY.teams[0]!, holidayCalendar: "Atlantis" };
    expect(Policy.safeParse({ ...DEFAULT_POLICY, teams: [team, ...DEFAULT_POLICY.teams.slice(1)] }).success).toBe(false);
    expect(Policy.safeParse({ ...DEFAULT_POLICY, holidayCalendar: "GB-ENG" }).success).toBe(true);
  });

  it("explicit dates always apply; the rep's calendar wins over the team's and the policy's", () => {
    const policy = Policy.parse({ ...DEFAULT_POLICY, holidays: ["2027-03-03"], holidayCalendar: "US" });
    const at = new Date("2027-02-01T12:00:00Z");
    expect(holidaysAt(policy, at)).toEqual(expect.arrayContaining(["2027-03-03", "2027-07-05", "2027-11-25"]));
    const rep = { ...policy.reps[0]!, holidayCalendar: "DE-BY" };
    const forRep = holidaysAt(policy, at, { rep, team: { ...policy.teams[0]!, holidayCalendar: "GB-ENG" } });
    expect(forRep).toEqual(expect.arrayContaining(["2027-03-03", "2027-01-06"]));
    expect(forRep).not.toContain("2027-11-25");
    // Independence Day (observed) is not a working day in the policy's calendar.
    expect(isWorkingTime(new Date("2027-07-05T15:00:00Z"), policyCalendar(policy, at))).toBe(false);
  });

  it("says whose calendar has no holiday in the next six months", () => {
    expect(holidaysRunningOut(base, new Date("2026-12-07T00:00:00Z"))).toEqual([]);
    expect(holidaysRunningOut(base, new Date("2027-02-01T00:00:00Z"))).toEqual(["the policy"]);
    expect(holidaysRunningOut(Policy.parse({ ...DEFAULT_POLICY, holidayCalendar: "US" }), new Date("2027-02-01T00:00:00Z"))).toEqual([]);
  });
});
