import type { EffectRow } from "../storage/schema";
import type { EffectStatus } from "../core/model/effects";
import { Csrf, Layout, localInstant, type PageContext } from "./layout";

const STATUSES: EffectStatus[] = ["dead", "retrying", "pending", "done"];

export function OutboxPage(props: {
  page: PageContext;
  status: EffectStatus | undefined;
  counts: Record<EffectStatus, number>;
  effects: EffectRow[];
  zone: string;
  notice?: string;
}) {
  const { counts, effects, status } = props;
  const dead = effects.filter((e) => e.status === "dead");
  return (
    <Layout title="Outbox" section="outbox" page={props.page}>
      <h1>Outbox</h1>
      {props.notice && <div class="notice">{props.notice}</div>}
      <div class="cards">
        {STATUSES.map((s) => (
          <a class="card" href={`/console/outbox?status=${s}`} style="text-decoration:none;color:inherit">
            <div class="label">{s}</div>
            <div class="value" id={`count-${s}`}>
              {counts[s]}
            </div>
          </a>
        ))}
      </div>
      <p>
        Showing {status ?? "all"} effects, newest first. <a href="/console/outbox">all</a>
      </p>
      <form method="post" action="/console/outbox/retry">
        <Csrf page={props.page} />
        {dead.length > 0 && (
          <p>
            <button type="submit" name="selected" value="1">
              Retry selected
            </button>{" "}
            <button class="secondary" type="submit" name="all" value="dead">
              Retry every dead effect
            </button>
          </p>
        )}
        <table>
          <thead>
            <tr>
              <th />
              <th>Effect</th>
              <th>Status</th>
              <th>Lead</th>
              <th>Attempts</th>
              <th>CRM id / error</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {effects.map((e) => (
              <tr id={`effect-${e.id}`}>
                <td>{e.status === "dead" && <input type="checkbox" name="id" value={e.id} aria-label={`select ${e.id}`} />}</td>
                <td>
                  <strong>{e.type}</strong> <span class="muted">({e.rule})</span>
                  <div class="muted">
                    <code>{e.id}</code>
                  </div>
                </td>
                <td>
                  <span class={`status ${e.status}`}>{e.status}</span>
                </td>
                <td>{e.leadKey.includes(":") ? <a href={`/console/leads/${encodeURIComponent(e.leadKey)}`}>{e.leadKey}</a> : e.leadKey}</td>
                <td class="num">{e.attempts}</td>
                <td>
                  {e.externalId && <div>{e.externalId}</div>}
                  {e.lastError && <div class={e.status === "dead" ? "bad" : "muted"}>{e.lastError}</div>}
                </td>
                <td>{localInstant(e.updatedAt, props.zone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </form>
    </Layout>
  );
}
