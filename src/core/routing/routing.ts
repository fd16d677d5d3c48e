import { holidaysAt } from "../policy/holiday-calendars";
import { DateTime, type Duration } from "luxon";
import { isWorkingTime, parseDuration } from "../calendar/calendar";
import type { Crm } from "../model/crm-event";
import type { Policy, Rep, Team } from "../policy/policy";

/**
 * Per-team routing state. `credit` is the smooth weighted round robin counter of each rep; it
 * only moves while the rep is eligible, so a rep back from leave has no backlog of credit and
 * gets no burst of "catch-up" leads. `recent` holds assignment instants for capacity.
 */
export interface RoutingState {
  credit: Record<string, number>;
  recent: Record<string, string[]>;
}

export const EMPTY_ROUTING_STATE: RoutingState = { credit: {}, recent: {} };

export interface RoutingRequest {
  policy: Policy;
  teamId: string;
  crm: Crm;
  /** The owner who let the lead go stale: never routed back to them. */
  excludeOwnerId?: string;
  now: Date;
  /** The same key gets the same answer (a retried run), without taking a new slot. */
  decisionKey?: string;
  /** Only these reps may be picked (booking: the members free at the time a visitor chose). */
  candidates?: readonly string[];
}

export type RoutingDecision =
  | { kind: "rep"; repId: string; ownerId: string; slackUserId?: string; reason: string }
  | { kind: "fallback"; ownerId?: string; alertChannel?: string; reason: string };

/** Why a rep cannot take a lead now, or null when they can. */
export function ineligibility(rep: Rep, team: Team, req: RoutingRequest, state: RoutingState): string | null {
  const ownerId = rep.owners[req.crm];
  if (!ownerId) return `no ${req.crm} owner id`;
  if (ownerId === req.excludeOwnerId) return "let the lead go stale";
  if (!rep.available) return "unavailable";
  const today = DateTime.fromJSDate(req.now, { zone: rep.timeZone }).toISODate()!;
  if (rep.outOfOffice.some((ooo) => ooo.from <= today && today <= ooo.to)) return "out of office";
  const hours = rep.workingHours ?? req.policy.workingHours;
  if (team.respectWorkingHours && !isWorkingTime(req.now, { zone: rep.timeZone, hours, holidays: holidaysAt(req.policy, req.now, { rep, team }) })) {
    return "outside working hours";
  }
  if (rep.capacity !== undefined && recentAssignments(state, rep.id, team, req.now).length >= rep.capacity) return "at capacity";
  return null;
}

/** The leads a rep of the team was given within its capacity window, by instant. */
export function recentAssignments(state: RoutingState, repId: string, team: Team, now: Date): string[] {
  const window: Duration = parseDuration(team.capacityWindow);
  const since = DateTime.fromJSDate(now).minus(window).toUTC().toISO()!;
  return (state.recent[repId] ?? []).filter((at) => at > since);
}

/**
 * Picks the next rep of the team: smooth weighted round robin over the eligible members, so
 * over time each gets leads in proportion to its weight, evenly interleaved. Pure: the caller
 * stores the returned state (one TeamRouter object per team makes that race-free).
 */
export function route(state: RoutingState, req: RoutingRequest): { decision: RoutingDecision; state: RoutingState } {
  const team = req.policy.teams.find((t) => t.id === req.teamId);
  if (!team) return { decision: { kind: "fallback", reason: `unknown team ${req.teamId}` }, state };
  const reps = new Map(req.policy.reps.map((r) => [r.id, r]));
  const eligible: Rep[] = [];
  const skipped: string[] = [];
  for (const id of team.members) {
    const rep = reps.get(id);
    if (!rep) continue;
    const why = req.candidates && !req.candidates.includes(id) ? "not free at the chosen time" : ineligibility(rep, team, req, state);
    if (why) skipped.push(`${rep.id}: ${why}`);
    else eligible.push(rep);
  }
  const skippedText = skipped.length ? `; skipped ${skipped.join(", ")}` : "";
  if (eligible.length === 0) {
    return {
      decision: {
        kind: "fallback",
        ownerId: team.fallbackOwners[req.crm],
        alertChannel: team.alertChannel,
        reason: `nobody in ${team.name} is eligible${skippedText}; routed to the team's fallback owner`,
      },
      state,
    };
  }
  const credit = { ...state.credit };
  const total = eligible.reduce((sum, rep) => sum + rep.weight, 0);
  let chosen = eligible[0]!;
  for (const rep of eligible) {
    credit[rep.id] = (credit[rep.id] ?? 0) + rep.weight;
    if (credit[rep.id]! > credit[chosen.id]!) chosen = rep;
  }
  credit[chosen.id] = credit[chosen.id]! - total;
  const kept = recentAssignments(state, chosen.id, team, req.now);
  const recent = { ...state.recent, [chosen.id]: [...kept, req.now.toISOString()] };
  return {
    decision: {
      kind: "rep",
      repId: chosen.id,
      ownerId: chosen.owners[req.crm]!,
      slackUserId: chosen.slackUserId,
      reason: `weighted round robin in ${team.name}: ${chosen.name} (weight ${chosen.weight} of ${total} among ${eligible.length} eligible)${skippedText}`,
    },
    state: { credit, recent },
  };
}

/**
 * Whether two policies rotate a team's leads alike: the team, its members as reps (weights,
 * capacities, absences, hours, owner ids) and, for a team that keeps working hours, the calendar.
 * A dry run gives a recorded pick again only for such a team; any other gets a fresh rotation.
 */
export function sameRotation(a: Policy, b: Policy, teamId: string): boolean {
  return rotationOf(a, teamId) === rotationOf(b, teamId);
}

function rotationOf(policy: Policy, teamId: string): string {
  const team = policy.teams.find((t) => t.id === teamId);
  if (!team) return "";
  const reps = team.members.map((id) => policy.reps.find((r) => r.id === id) ?? null);
  const calendar = team.respectWorkingHours ? { hours: policy.workingHours, holidays: policy.holidays } : null;
  return JSON.stringify({ team, reps, calendar });
}
