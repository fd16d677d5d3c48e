import { raw } from "hono/html";
import type { AlertRow } from "../storage/alerts";
import { calendarDay, count, duration, durationUnit, localInstant, percent as pct } from "./format";
import { HeadRow, Layout, type PageContext, scriptJson } from "./layout";
import type { OverviewPage as Data } from "./overview-data";
import { BookingPanel } from "./booking-panel";

/** One of the overview's filters: "all", or one of the policy's teams, reps or cadences by name. */
function FilterSelect(props: { label: string; name: string; selected: string | null | undefined; options: [id: string, name: string][] }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select name={props.name}>
        <option value="">all</option>
        {props.options.map(([id, name]) => (
          <option value={id} selected={props.selected === id}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Draws the charts from the JSON block; uPlot comes from /uPlot.iife.min.js. One measure per
 * chart and axis, each axis labelled with its unit; charts take their panel's width (a phone's too).
 */
const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("series").textContent);
  var xs = data.days.map(function (d) { return Date.parse(d + "T12:00:00Z") / 1000; });
  function chart(id, unit, series, ys) {
    var el = document.getElementById(id);
    if (!el || typeof uPlot === "undefined") return;
    new uPlot({ width: Math.max(260, el.clientWidth || 560), height: 200, series: [{}].concat(series), scales: { x: { time: true } },
      axes: [{}, { size: 60, label: unit }] }, [xs].concat(ys), el);
  }
  chart("chart-leads", "leads", [{ label: "new leads", stroke: "#2450c0", fill: "rgba(36,80,192,.12)" }, { label: "reassigned", stroke: "#93370d" }],
    [data.leads, data.reassigned]);
  chart("chart-speed", data.speedUnit, [{ label: "system p50", stroke: "#2450c0" }, { label: "system p90", stroke: "#7c9cf0", dash: [4, 4] },
    { label: "rep p50", stroke: "#05603a" }, { label: "rep p90", stroke: "#6ccf9c", dash: [4, 4] }],
    [data.systemP50, data.systemP90, data.repP50, data.repP90]);
  chart("chart-sla", "%", [{ label: "SLA breach rate", stroke: "#a6190f" }], [data.breachRate]);
  chart("chart-dead", "effects", [{ label: "dead effects", stroke: "#4e5768" }], [data.dead]);
})();`;

function Card(props: { label: string; value: string | number; sub?: string }) {
  return (
    <div class="card">
      <div class="label">{props.label}</div>
      <div class="value">{props.value}</div>
      {props.sub && <div class="sub">{props.sub}</div>}
    </div>
  );
}

export function AlertList(props: { alerts: AlertRow[]; zone: string }) {
  const firing = props.alerts.filter((a) => a.firing);
  if (firing.length === 0) return <p class="muted">No alert is firing.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Alert</th>
          <th>Since</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        {firing.map((a) => (
          <tr>
            <td>
              <span class="status firing">firing</span> {a.title}
            </td>
            <td>{localInstant(a.since, props.zone)}</td>
            <td>{a.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OverviewPage(props: { page: PageContext; data: Data }) {
  const { data, page } = props;
  const { overview: o, query, policy, people } = data;
  const t = o.totals;
  const zone = page.zone;
  const speedValues = o.series.flatMap((s) => [s.system.p50, s.system.p90, s.rep.p50, s.rep.p90]);
  const speed = durationUnit(speedValues);
  const inUnit = (ms: number | null) => (ms === null ? null : Math.round((ms / speed.ms) * 100) / 100);
  const series = {
    days: o.days,
    speedUnit: speed.unit,
    leads: o.series.map((s) => s.leads),
    reassigned: o.series.map((s) => s.reassigned),
    systemP50: o.series.map((s) => inUnit(s.system.p50)),
    systemP90: o.series.map((s) => inUnit(s.system.p90)),
    repP50: o.series.map((s) => inUnit(s.rep.p50)),
    repP90: o.series.map((s) => inUnit(s.rep.p90)),
    breachRate: o.series.map((s) => (s.breachRate === null ? null : Math.round(s.breachRate * 1000) / 10)),
    dead: o.series.map((s) => s.deadEffects),
  };
  const head = (
    <>
      <link rel="stylesheet" href="/uPlot.min.css" />
      <script src="/uPlot.iife.min.js" />
    </>
  );
  return (
    <Layout title="Overview" section="overview" page={page} head={head}>
      <h1>Overview</h1>
      <form class="panel" method="get" action="/console">
        <div class="row">
          <label class="field">
            <span>Days</span>
            <input type="number" name="days" min={1} max={366} size={4} value={String(query.days)} />
          </label>
          <label class="field">
            <span>Up to (day)</span>
            <input type="date" name="to" value={query.to ?? ""} />
          </label>
          <label class="field">
            <span>Source</span>
            <input type="text" name="source" size={14} value={query.source ?? ""} />
          </label>
          <FilterSelect label="Team" name="team" selected={query.team} options={policy.teams.map((t) => [t.id, t.name])} />
          <FilterSelect label="Rep" name="rep" selected={data.repId} options={policy.reps.map((r) => [r.id, r.name])} />
          <FilterSelect
            label="Cadence"
            name="cadence"
            selected={query.cadence}
            options={(policy.rules.cadences?.cadences ?? []).map((c) => [c.id, c.name])}
          />
          <button type="submit">Show</button>
        </div>
        <p class="muted">
          {calendarDay(data.from)} to {calendarDay(data.to)} (days of {data.rollupZone}); counted up to {localInstant(data.rolledAt, zone)} and live
          since. Server time <span id="server-ms">{data.serverMs}</span> ms.
        </p>
      </form>

      <h2>Alerts</h2>
      <AlertList alerts={data.alerts} zone={zone} />

      <div class="cards">
        <Card label="New leads" value={t.leads} sub={count(t.submissions, "form submission")} />
        <Card
          label="Speed to lead: system p50"
          value={duration(o.speed.system.p50)}
          sub={`p90 ${duration(o.speed.system.p90)} · ${count(o.speed.system.n, "lead")}`}
        />
        <Card
          label="Speed to lead: rep p50"
          value={duration(o.speed.rep.p50)}
          sub={`p90 ${duration(o.speed.rep.p90)} · ${count(o.speed.rep.n, "lead")}`}
        />
        <Card label="SLA breach rate" value={pct(t.breachRate)} sub={`${t.slaBreached} breached, ${t.slaMet} met, ${t.slaEscalated} escalated`} />
        <Card label="Reassigned" value={t.reassigned} sub={`${count(t.parked, "lead")} parked in nurture`} />
        <Card label="Duplicate rate" value={pct(t.duplicateRate)} sub={count(t.duplicates, "duplicate")} />
        <Card label="Dead effects" value={t.deadEffects} sub={`${data.effects.dead} dead now · ${t.retriedEffects} retried`} />
        <Card label="Outbox waiting" value={data.effects.pending + data.effects.retrying} sub={`${data.effects.retrying} retrying`} />
      </div>

      <div class="grid2">
        <div class="panel">
          <h3>New leads and reassignments per day</h3>
          <div id="chart-leads" class="chart" role="img" aria-label="New leads and reassignments per day" />
        </div>
        <div class="panel">
          <h3>Speed to lead per day of creation ({UNIT_WORDS[speed.unit]})</h3>
          <div id="chart-speed" class="chart" role="img" aria-label={`Speed to lead per day, in ${UNIT_WORDS[speed.unit]}`} />
        </div>
        <div class="panel">
          <h3>SLA breach rate per day (%)</h3>
          <div id="chart-sla" class="chart" role="img" aria-label="SLA breach rate per day, in percent" />
        </div>
        <div class="panel">
          <h3>Dead effects per day</h3>
          <div id="chart-dead" class="chart" role="img" aria-label="Dead effects per day" />
        </div>
      </div>

      <div class="panel">
        <h3>CRM calls against quota (rolling window now; the product's share of each account)</h3>
        <div class="table-wrap">
          <table>
            <tbody>
              {data.quotas.length === 0 && (
                <tr>
                  <td class="muted">No account has been called yet.</td>
                </tr>
              )}
              {data.quotas.map((q) => (
                <tr>
                  <td>{q.target}</td>
                  <td class="num">
                    {q.inWindow} of {q.max} per {duration(q.windowMs)}
                  </td>
                  <td class="muted">
                    {q.pausedUntil > Date.parse(data.now) ? `paused until ${localInstant(new Date(q.pausedUntil).toISOString(), zone)}` : ""}
                  </td>
                  <td class="muted">
                    {q.configuredMax !== undefined && q.max < q.configuredMax ? `paced to ${q.shareReason}` : ""}
                    {q.account?.windowMax !== undefined && q.account.windowRemaining !== undefined
                      ? ` · account: ${q.account.windowRemaining} of ${q.account.windowMax} left in its window`
                      : ""}
                    {q.account?.dailyMax !== undefined && q.account.dailyRemaining !== undefined
                      ? ` · ${q.account.dailyRemaining} of ${q.account.dailyMax} left today`
                      : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <span class="muted">The CRMs' daily allowances are on the Health page.</span>
      </div>

      <div class="grid2">
        <div>
          <h2>Reassignments per rep</h2>
          <div class="table-wrap">
            <table id="reassignments-per-rep">
              <thead>
                <tr>
                  <th scope="col">Rep</th>
                  <th scope="col" class="num">
                    Received
                  </th>
                  <th scope="col" class="num">
                    Of which fallback
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.reassignmentsByRep.map((r) => (
                  <tr>
                    <td>{r.name}</td>
                    <td class="num">{r.received}</td>
                    <td class="num">{r.fallback}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Reassignments per team</h2>
          <div class="table-wrap">
            <table>
              <tbody>
                {o.reassignmentsByTeam.map((r) => (
                  <tr>
                    <td>{people.teamName(r.team)}</td>
                    <td class="num">{r.received}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <div>
          <h2>Deals per stage</h2>
          <div class="table-wrap">
            <table id="deals-per-stage">
              <tbody>
                {data.stages.map((s) => (
                  <tr>
                    <td>{s.label}</td>
                    <td class="num">{s.entered}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Stage gates</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Gate</th>
                  <th scope="col" class="num">
                    Nudged
                  </th>
                  <th scope="col" class="num">
                    Reverted
                  </th>
                </tr>
              </thead>
              <tbody>
                {o.gates.map((g) => (
                  <tr>
                    <td>{data.stageLabel(g.gate)}</td>
                    <td class="num">{g.nudged}</td>
                    <td class="num">{g.reverted}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>

      <h2>Booked on the spot</h2>
      <BookingPanel figures={data.booking} />

      <h2>Cadence outcomes</h2>
      {data.cadences.map((c) => (
        <div class="panel">
          <h3>{c.name}</h3>
          <p class="muted">
            {count(c.enrolled, "lead")} enrolled · {c.finished} finished · stopped:{" "}
            {Object.entries(c.stopped)
              .map(([reason, n]) => `${reason} ${n}`)
              .join(", ") || "none"}
          </p>
          {/* Ten columns scroll on a phone: the region takes the keyboard's focus so it can be scrolled without a mouse. */}
          <section class="table-wrap" tabindex={0} aria-label={`${c.name}: steps`}>
            <table class="cadence-steps">
              <thead>
                <HeadRow
                  columns={[
                    { label: "Step" },
                    "Written",
                    { label: "Emails sent (task)", num: true, title: "Emails sent, and in brackets those that became the owner's task instead" },
                    "Delivered",
                    "Bounced",
                    "Replies",
                    "Reply rate",
                    "Unsubscribed",
                    "Meetings",
                    { label: "Other stops" },
                  ]}
                />
              </thead>
              <tbody>
                {c.steps.map((s) => (
                  <tr>
                    <td>{s.step}</td>
                    <td class="num">{s.written}</td>
                    <td class="num">
                      {s.emails.sent + s.emails.notSent > 0 ? `${s.emails.sent}${s.emails.notSent > 0 ? ` (${s.emails.notSent})` : ""}` : ""}
                    </td>
                    <td class="num">{s.emails.sent > 0 ? s.emails.delivered : ""}</td>
                    <td class="num">{s.emails.sent > 0 ? `${s.emails.bounced} · ${pct(s.emails.bounceRate)}` : ""}</td>
                    <td class="num">{s.replies}</td>
                    <td class="num">{pct(s.replyRate)}</td>
                    <td class="num">{s.emails.unsubscribed + s.emails.complained || ""}</td>
                    <td class="num">{s.emails.meetings || ""}</td>
                    <td>
                      {Object.entries(s.stops)
                        .filter(([reason]) => reason !== "replied")
                        .map(([reason, n]) => `${reason} ${n}`)
                        .join(", ")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      ))}

      {o.emailsBySource.length > 0 ? (
        <div class="panel">
          <h2>Emails by source</h2>
          <section class="table-wrap" tabindex={0} aria-label="Emails by source">
            <table>
              <thead>
                <HeadRow
                  columns={[
                    { label: "Source" },
                    "Sent",
                    "Tasks instead",
                    "Delivered",
                    "Bounced",
                    "Bounce rate",
                    "Replies",
                    "Unsubscribed",
                    "Meetings",
                  ]}
                />
              </thead>
              <tbody>
                {o.emailsBySource.map((s) => (
                  <tr>
                    <td>{s.source}</td>
                    <td class="num">{s.emails.sent}</td>
                    <td class="num">{s.emails.notSent}</td>
                    <td class="num">{s.emails.delivered}</td>
                    <td class="num">{s.emails.bounced}</td>
                    <td class="num">{pct(s.emails.bounceRate)}</td>
                    <td class="num">{s.replies}</td>
                    <td class="num">{s.emails.unsubscribed + s.emails.complained}</td>
                    <td class="num">{s.emails.meetings}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      ) : null}

      <script type="application/json" id="series">
        {scriptJson(series)}
      </script>
      <script nonce={page.nonce}>{raw(CHART_SCRIPT)}</script>
    </Layout>
  );
}

const UNIT_WORDS = { s: "seconds", min: "minutes", h: "hours", d: "days" } as const;
