import { raw } from "hono/html";
import type { AlertRow } from "../storage/alerts";
import { duration, Layout, localInstant, type PageContext, pct, scriptJson } from "./layout";
import type { OverviewPage as Data } from "./overview-data";
import { BookingPanel } from "./booking-panel";

const hours = (ms: number | null) => (ms === null ? null : Math.round((ms / 3_600_000) * 100) / 100);

/** Draws the charts from the JSON block; uPlot comes from /uPlot.iife.min.js. */
const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("series").textContent);
  var xs = data.days.map(function (d) { return Date.parse(d + "T12:00:00Z") / 1000; });
  function chart(id, series, ys) {
    var el = document.getElementById(id);
    if (!el || typeof uPlot === "undefined") return;
    new uPlot({ width: el.clientWidth || 560, height: 200, series: [{}].concat(series), scales: { x: { time: true } },
      axes: [{}, { size: 56 }] }, [xs].concat(ys), el);
  }
  chart("chart-leads", [{ label: "new leads", stroke: "#2f5bd3", fill: "rgba(47,91,211,.12)" }, { label: "reassigned", stroke: "#b54708" }],
    [data.leads, data.reassigned]);
  chart("chart-speed", [{ label: "system p50 (h)", stroke: "#2f5bd3" }, { label: "system p90 (h)", stroke: "#7c9cf0", dash: [4, 4] },
    { label: "rep p50 (h)", stroke: "#067647" }, { label: "rep p90 (h)", stroke: "#6ccf9c", dash: [4, 4] }],
    [data.systemP50, data.systemP90, data.repP50, data.repP90]);
  chart("chart-sla", [{ label: "SLA breach rate (%)", stroke: "#b42318" }, { label: "dead effects", stroke: "#5b6475" }], [data.breachRate, data.dead]);
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
  const { overview: o, query, policy } = data;
  const t = o.totals;
  const repName = (owner: string) => policy.reps.find((r) => Object.values(r.owners).includes(owner))?.name ?? owner;
  const series = {
    days: o.days,
    leads: o.series.map((s) => s.leads),
    reassigned: o.series.map((s) => s.reassigned),
    systemP50: o.series.map((s) => hours(s.system.p50)),
    systemP90: o.series.map((s) => hours(s.system.p90)),
    repP50: o.series.map((s) => hours(s.rep.p50)),
    repP90: o.series.map((s) => hours(s.rep.p90)),
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
        <label>
          Days <input type="text" name="days" size={3} value={String(query.days)} />
        </label>{" "}
        <label>
          to <input type="text" name="to" size={10} placeholder="YYYY-MM-DD" value={query.to ?? ""} />
        </label>{" "}
        <label>
          Source <input type="text" name="source" size={14} value={query.source ?? ""} />
        </label>{" "}
        <label>
          Team{" "}
          <select name="team">
            <option value="">all</option>
            {policy.teams.map((team) => (
              <option value={team.id} selected={query.team === team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>{" "}
        <label>
          Rep{" "}
          <select name="rep">
            <option value="">all</option>
            {policy.reps.flatMap((rep) =>
              Object.entries(rep.owners).map(([crm, owner]) => (
                <option value={owner} selected={query.rep === owner}>
                  {rep.name} ({crm})
                </option>
              )),
            )}
          </select>
        </label>{" "}
        <label>
          Cadence{" "}
          <select name="cadence">
            <option value="">all</option>
            {(policy.rules.cadences?.cadences ?? []).map((c) => (
              <option value={c.id} selected={query.cadence === c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">Show</button>
        <div class="muted">
          {data.from} to {data.to}, days of {data.zone}; counted up to {localInstant(data.rolledAt, data.zone)} and live since. Server time{" "}
          <span id="server-ms">{data.serverMs}</span> ms.
        </div>
      </form>

      <h2>Alerts</h2>
      <AlertList alerts={data.alerts} zone={data.zone} />

      <div class="cards">
        <Card label="New leads" value={t.leads} sub={`${t.submissions} form submissions`} />
        <Card
          label="Speed to lead: system p50 / p90"
          value={duration(o.speed.system.p50)}
          sub={`p90 ${duration(o.speed.system.p90)} · ${o.speed.system.n} leads`}
        />
        <Card
          label="Speed to lead: rep p50 / p90"
          value={duration(o.speed.rep.p50)}
          sub={`p90 ${duration(o.speed.rep.p90)} · ${o.speed.rep.n} leads`}
        />
        <Card label="SLA breach rate" value={pct(t.breachRate)} sub={`${t.slaBreached} breached, ${t.slaMet} met, ${t.slaEscalated} escalated`} />
        <Card label="Reassigned" value={t.reassigned} sub={`${t.parked} parked in nurture`} />
        <Card label="Duplicate rate" value={pct(t.duplicateRate)} sub={`${t.duplicates} duplicates`} />
        <Card label="Dead effects" value={t.deadEffects} sub={`${data.effects.dead} dead now · ${t.retriedEffects} retried`} />
        <Card label="Outbox waiting" value={data.effects.pending + data.effects.retrying} sub={`${data.effects.retrying} retrying`} />
      </div>

      <div class="grid2">
        <div class="panel">
          <strong>New leads and reassignments per day</strong>
          <div id="chart-leads" class="chart" />
        </div>
        <div class="panel">
          <strong>Speed to lead per day of creation (hours)</strong>
          <div id="chart-speed" class="chart" />
        </div>
        <div class="panel">
          <strong>SLA breach rate and dead effects per day</strong>
          <div id="chart-sla" class="chart" />
        </div>
        <div class="panel">
          <strong>CRM calls against quota (rolling window now)</strong>
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
                    {q.inWindow} / {q.max} per {q.windowMs / 1000} s
                  </td>
                  <td class="muted">{q.pausedUntil > Date.parse(data.now) ? `paused until ${new Date(q.pausedUntil).toISOString()}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <span class="muted">The CRMs' daily allowances are on the Health page.</span>
        </div>
      </div>

      <div class="grid2">
        <div>
          <h2>Reassignments per rep</h2>
          <table>
            <thead>
              <tr>
                <th>Rep</th>
                <th class="num">Received</th>
                <th class="num">Of which fallback</th>
              </tr>
            </thead>
            <tbody>
              {o.reassignmentsByRep.map((r) => (
                <tr>
                  <td>{repName(r.rep)}</td>
                  <td class="num">{r.received}</td>
                  <td class="num">{r.fallback}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Reassignments per team</h2>
          <table>
            <tbody>
              {o.reassignmentsByTeam.map((r) => (
                <tr>
                  <td>{policy.teams.find((team) => team.id === r.team)?.name ?? r.team}</td>
                  <td class="num">{r.received}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Deals per stage</h2>
          <table>
            <tbody>
              {o.stages.map((s) => (
                <tr>
                  <td>{s.stage}</td>
                  <td class="num">{s.entered}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Stage gates</h2>
          <table>
            <thead>
              <tr>
                <th>Gate</th>
                <th class="num">Nudged</th>
                <th class="num">Reverted</th>
              </tr>
            </thead>
            <tbody>
              {o.gates.map((g) => (
                <tr>
                  <td>{g.gate}</td>
                  <td class="num">{g.nudged}</td>
                  <td class="num">{g.reverted}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <h2>Booked on the spot</h2>
      <BookingPanel figures={props.data.booking} repName={repName} />

      <h2>Cadence outcomes</h2>
      {o.cadences.map((c) => (
        <div class="panel">
          <strong>{c.cadence}</strong>{" "}
          <span class="muted">
            {c.enrolled} enrolled · {c.finished} finished · stopped:{" "}
            {Object.entries(c.stopped)
              .map(([reason, n]) => `${reason} ${n}`)
              .join(", ") || "none"}
          </span>
          <table>
            <thead>
              <tr>
                <th>Step</th>
                <th class="num">Written</th>
                <th class="num">Replies</th>
                <th class="num">Reply rate</th>
                <th>Other stops</th>
              </tr>
            </thead>
            <tbody>
              {c.steps.map((s) => (
                <tr>
                  <td>{s.step}</td>
                  <td class="num">{s.written}</td>
                  <td class="num">{s.replies}</td>
                  <td class="num">{pct(s.replyRate)}</td>
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
        </div>
      ))}

      <script type="application/json" id="series">
        {scriptJson(series)}
      </script>
      <script nonce={page.nonce}>{raw(CHART_SCRIPT)}</script>
    </Layout>
  );
}
