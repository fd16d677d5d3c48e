import { DateTime } from "luxon";
import { parseDuration } from "../core/calendar/calendar";
import type { Policy, Rep, Team } from "../core/policy/policy";
import { ineligibility, type RoutingState, recentAssignments } from "../core/routing/routing";
import type { PolicyVersionRow } from "../storage/policy-history";
import { calendarDay, count, duration, localInstant } from "./format";
import { Csrf, Layout, NotSaved, type PageContext } from "./layout";
import type { PolicyIssue } from "./policy-change";

const DAY_NAMES = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** A rep right now, as a manager asks: can they take a lead, and if not why and until when. */
export interface RepNow {
  rep: Rep;
  teams: Team[];
  status: "available" | "away" | "unavailable" | "capacity" | "hours";
  /** The status in words: "Out of office until Fri 11 Dec 2026". */
  words: string;
  /** Leads the rotation gave them within each team's capacity window. */
  received: { team: Team; leads: number }[];
  /** Absences today or later, in order. */
  absences: { from: string; to: string }[];
  /** Today in the rep's zone: absences are the rep's calendar days, and the form starts at this one. */
  today: string;
}

/** Each rep's standing now, from the policy and the rotations' state (by team). */
export function repsNow(policy: Policy, standings: Map<string, RoutingState>, now: Date): RepNow[] {
  return policy.reps.map((rep) => {
    const teams = policy.teams.filter((t) => t.members.includes(rep.id));
    const today = DateTime.fromJSDate(now, { zone: rep.timeZone }).toISODate()!;
    const absences = rep.outOfOffice.filter((o) => o.to >= today).sort((a, b) => a.from.localeCompare(b.from));
    const received = teams.map((team) => ({
      team,
      leads: recentAssignments(standings.get(team.id) ?? { credit: {}, recent: {} }, rep.id, team, now).length,
    }));
    // The first team's view (hours and capacity are per team); a rep in no team is only what the roster says.
    const why = teams.length
      ? teams.map((team) =>
          ineligibility(
            rep,
            team,
            { policy, teamId: team.id, crm: rep.owners.hubspot ? "hubspot" : "salesforce", now },
            standings.get(team.id) ?? { credit: {}, recent: {} },
          ),
        )
      : [rep.available ? null : "unavailable"];
    const reason = why.find((w) => w && w !== "no hubspot owner id" && w !== "no salesforce owner id") ?? null;
    const away = absences.find((o) => o.from <= today);
    const standing = { rep, teams, received, absences, today };
    if (!rep.available) return { ...standing, status: "unavailable", words: "Not taking leads (marked unavailable)" };
    if (away) return { ...standing, status: "away", words: `Out of office until ${calendarDay(away.to)}` };
    if (reason === "at capacity") return { ...standing, status: "capacity", words: `At capacity (${rep.capacity} per ${windowWords(teams)})` };
    if (reason === "outside working hours") return { ...standing, status: "hours", words: "Outside working hours" };
    return { ...standing, status: "available", words: "Available" };
  });
}

const windowWords = (teams: Team[]) => (teams[0] ? duration(isoDurationMs(teams[0].capacityWindow)) : "day");

const isoDurationMs = (iso: string): number => parseDuration(iso).as("milliseconds");

function hoursWords(rep: Rep, policy: Policy): string {
  const hours = rep.workingHours ?? policy.workingHours;
  const days = hours.days.length === 5 && hours.days.every((d, i) => d === i + 1) ? "Mon–Fri" : hours.days.map((d) => DAY_NAMES[d]).join(", ");
  return `${days} ${hours.start}–${hours.end} ${rep.timeZone}${rep.workingHours ? "" : " (the policy's)"}`;
}

export interface TeamPageData {
  reps: RepNow[];
  policy: Policy;
  version: number;
  history: PolicyVersionRow[];
  notice?: string;
  errors: PolicyIssue[];
}

export function TeamPage(props: { page: PageContext; data: TeamPageData }) {
  const { page, data } = props;
  const changes = data.history.filter((h) => h.note).slice(0, 10);
  return (
    <Layout title="Team" section="team" page={page}>
      <h1>Team</h1>
      {data.notice && <div class="notice">{data.notice}</div>}
      <NotSaved id="team-errors" errors={data.errors} />
      <p class="muted">
        Who takes leads now. Each change is saved as a new policy version (now v{data.version}), checked like any policy, with who made it. A rep who
        comes back rejoins the rotation where it stands: they get their share from then on, not the leads they missed.
      </p>
      <div class="table-wrap">
        <table id="team">
          <caption class="visually-hidden">Reps, their standing now and their settings</caption>
          <thead>
            <tr>
              <th scope="col">Rep</th>
              <th scope="col">Now</th>
              <th scope="col" class="num">
                Leads this window
              </th>
              <th scope="col">Working hours</th>
              <th scope="col">Weight and capacity</th>
              <th scope="col">Out of office</th>
            </tr>
          </thead>
          <tbody>
            {data.reps.map((r) => (
              <tr id={`rep-${r.rep.id}`}>
                <td>
                  <strong>{r.rep.name}</strong>
                  <div class="muted">{r.teams.map((t) => t.name).join(", ") || "in no team"}</div>
                </td>
                <td>
                  <span class={`status ${r.status}`}>{r.words}</span>
                  {r.absences.length > 0 && (
                    <div class="muted">
                      {r.absences.map((o) => (
                        <div>
                          away {calendarDay(o.from)} – {calendarDay(o.to)}
                        </div>
                      ))}
                    </div>
                  )}
                </td>
                <td class="num">
                  {r.received.map((x) => (
                    <div>
                      {count(x.leads, "lead")}{" "}
                      <span class="muted">
                        ({x.team.name}, last {duration(isoDurationMs(x.team.capacityWindow))})
                      </span>
                    </div>
                  ))}
                </td>
                <td>{hoursWords(r.rep, data.policy)}</td>
                <td>
                  <form method="post" action={`/console/team/${r.rep.id}/settings`} class="row">
                    <Csrf page={page} />
                    <label class="field">
                      <span>Weight</span>
                      <input type="number" name="weight" min="0.1" max="100" step="0.1" size={4} value={String(r.rep.weight)} />
                    </label>
                    <label class="field">
                      <span>Capacity (blank: none)</span>
                      <input
                        type="number"
                        name="capacity"
                        min="1"
                        max="10000"
                        step="1"
                        size={5}
                        value={r.rep.capacity === undefined ? "" : String(r.rep.capacity)}
                      />
                    </label>
                    <button type="submit" class="secondary" aria-label={`Save ${r.rep.name}'s weight and capacity`}>
                      Save
                    </button>
                  </form>
                </td>
                <td>
                  {r.status === "away" || r.status === "unavailable" ? (
                    <form method="post" action={`/console/team/${r.rep.id}/back`}>
                      <Csrf page={page} />
                      <button type="submit" id={`back-${r.rep.id}`}>
                        {r.rep.name} is back
                      </button>
                    </form>
                  ) : (
                    <form method="post" action={`/console/team/${r.rep.id}/away`} class="row">
                      <Csrf page={page} />
                      <label class="field">
                        <span>From</span>
                        <input type="date" name="from" value={r.today} required />
                      </label>
                      <label class="field">
                        <span>To</span>
                        <input type="date" name="to" value={r.today} required />
                      </label>
                      <button type="submit" id={`away-${r.rep.id}`} aria-label={`Mark ${r.rep.name} out of office`}>
                        Out of office
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Recent changes</h2>
      {changes.length === 0 ? (
        <p class="muted">No change made on these pages yet.</p>
      ) : (
        <div class="table-wrap">
          <table id="team-changes">
            <tbody>
              {changes.map((h) => (
                <tr>
                  <td>{localInstant(h.createdAt, page.zone)}</td>
                  <td>{h.note}</td>
                  <td class="muted">
                    by {h.savedBy ?? "the admin API"} · v{h.version}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
