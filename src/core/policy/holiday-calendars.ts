import { publicHolidays } from "../calendar/public-holidays";
import type { Policy, Rep, Team } from "./policy";

/**
 * The holidays that count for someone at an instant: the policy's explicit dates, always, and
 * the public holidays of the calendar they name (the rep's, else their team's, else the
 * policy's), from the year before to two years after (deadlines never reach further).
 */
export function holidaysAt(policy: Pick<Policy, "holidays" | "holidayCalendar">, at: Date, who: { rep?: Rep; team?: Team } = {}): string[] {
  const name = who.rep?.holidayCalendar ?? who.team?.holidayCalendar ?? policy.holidayCalendar;
  if (!name) return policy.holidays;
  const year = at.getUTCFullYear();
  return [...new Set([...policy.holidays, ...publicHolidays(name, year - 1, year + 2)])].sort();
}

/** Whose calendars have no holiday from `now` to six months on: the policy's, a team's or a rep's. */
export function holidaysRunningOut(policy: Policy, now: Date): string[] {
  const today = now.toISOString().slice(0, 10);
  const horizon = new Date(now.getTime() + 183 * 86_400_000).toISOString().slice(0, 10);
  const ahead = (dates: readonly string[]) => dates.some((d) => d > today && d <= horizon);
  const empty: string[] = [];
  if (!ahead(holidaysAt(policy, now))) empty.push("the policy");
  for (const team of policy.teams) if (team.holidayCalendar && !ahead(holidaysAt(policy, now, { team }))) empty.push(`team ${team.id}`);
  for (const rep of policy.reps) if (rep.holidayCalendar && !ahead(holidaysAt(policy, now, { rep }))) empty.push(`rep ${rep.id}`);
  return empty;
}
