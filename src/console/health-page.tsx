import type { AlertRow } from "../storage/alerts";
import type { ConnectionCheck } from "../alerts/connection-check";
import { duration, localInstant } from "./format";
import { Csrf, Layout, type PageContext } from "./layout";

export interface HealthData {
  zone: string;
  now: string;
  outbox: { waiting: number; oldestDueAt: string | null; dead: number };
  undelivered: { count: number; oldest: string | null };
  /** From GET /admin/ingest/parked when this deployment has it. */
  parked: { available: false } | { available: true; count: number; sample: { reason: string; at?: string }[] };
  webhooks: { source: string; lastAt: string }[];
  rollup: { watermark: number; rolledAt: string; facts: number } | null;
  alerts: AlertRow[];
  checks: ConnectionCheck[] | null;
}

export function HealthPage(props: { page: PageContext; data: HealthData }) {
  const d = props.data;
  const ago = (at: string | null) => (at ? duration(Date.parse(d.now) - Date.parse(at)) : "–");
  return (
    <Layout title="Health" section="health" page={props.page}>
      <h1>Health</h1>
      <div class="grid2">
        <div class="panel">
          <strong>Queues</strong>
          <table>
            <tbody>
              <tr>
                <th>Effects waiting (outbox)</th>
                <td class="num" id="outbox-waiting">
                  {d.outbox.waiting}
                </td>
                <td class="muted">{d.outbox.oldestDueAt ? `oldest due ${ago(d.outbox.oldestDueAt)} ago` : ""}</td>
              </tr>
              <tr>
                <th>Dead effects</th>
                <td class="num">{d.outbox.dead}</td>
                <td>
                  <a href="/console/outbox?status=dead">outbox</a>
                </td>
              </tr>
              <tr>
                <th>Record events undelivered (dead-lettered, re-sent by the cron)</th>
                <td class="num">{d.undelivered.count}</td>
                <td class="muted">{d.undelivered.oldest ? `oldest ${ago(d.undelivered.oldest)} ago` : ""}</td>
              </tr>
              <tr>
                <th>Parked events (unreadable, kept for an admin)</th>
                {d.parked.available ? (
                  <>
                    <td class="num">{d.parked.count}</td>
                    <td class="muted">{d.parked.sample.map((p) => p.reason).join("; ")}</td>
                  </>
                ) : (
                  <td colspan={2} class="muted">
                    not tracked by this version
                  </td>
                )}
              </tr>
              <tr>
                <th>Facts counted into rollups</th>
                <td class="num">{d.rollup ? `${d.rollup.watermark} / ${d.rollup.facts}` : "–"}</td>
                <td class="muted">{d.rollup ? `rolled up ${ago(d.rollup.rolledAt)} ago` : "not rolled up yet"}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <div class="panel">
          <strong>Last webhook per source</strong>
          <table>
            <tbody>
              {d.webhooks.length === 0 && (
                <tr>
                  <td class="muted">No webhook accepted yet.</td>
                </tr>
              )}
              {d.webhooks.map((w) => (
                <tr>
                  <td>{w.source}</td>
                  <td>{localInstant(w.lastAt, d.zone)}</td>
                  <td class="muted">{ago(w.lastAt)} ago</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div class="panel">
        <strong>Connections</strong>{" "}
        <form class="inline" method="post" action="/console/health/check">
          <Csrf page={props.page} />
          <button type="submit">Check the CRM and Slack connections</button>
        </form>
        {d.checks && (
          <table id="connection-checks">
            <tbody>
              {d.checks.map((c) => (
                <tr>
                  <td>{c.system}</td>
                  <td>
                    <span class={`status ${c.ok ? "ok" : "dead"}`}>{c.ok ? "ok" : c.signInFailed ? "sign-in refused" : "failed"}</span>
                  </td>
                  <td>{c.detail}</td>
                  <td class="num">{c.daily ? `${c.daily.used} / ${c.daily.max} API calls today` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <h2>Alerts</h2>
      <table>
        <thead>
          <tr>
            <th>Alert</th>
            <th>State</th>
            <th>Detail</th>
            <th>Last told Slack</th>
            <th>Evaluated</th>
          </tr>
        </thead>
        <tbody>
          {d.alerts.map((a) => (
            <tr>
              <td>{a.title}</td>
              <td>
                <span class={`status ${a.firing ? "firing" : "ok"}`}>{a.firing ? "firing" : "quiet"}</span>
              </td>
              <td>{a.detail}</td>
              <td>{localInstant(a.lastSentAt, d.zone)}</td>
              <td>{localInstant(a.evaluatedAt, d.zone)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
