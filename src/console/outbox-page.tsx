import type { EffectRow } from "../storage/schema";
import type { Effect, EffectStatus } from "../core/model/effects";
import { count, localInstant } from "./format";
import { Csrf, Layout, type PageContext } from "./layout";
import type { People } from "./people";
import { effectWords, ruleName } from "./words";

const STATUSES: EffectStatus[] = ["dead", "retrying", "pending", "done"];

export function OutboxPage(props: {
  page: PageContext;
  status: EffectStatus | undefined;
  counts: Record<EffectStatus, number>;
  effects: EffectRow[];
  people: People;
  /** Lead names by record key. */
  names: Map<string, string>;
  notice?: string;
}) {
  const { counts, effects, status, page, people } = props;
  const dead = effects.filter((e) => e.status === "dead");
  return (
    <Layout title="Outbox" section="outbox" page={page}>
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
        Showing {status ?? "all"} effects ({count(effects.length, "effect")}), newest first. <a href="/console/outbox">Show all</a>
      </p>
      <form method="post" action="/console/outbox/retry">
        <Csrf page={page} />
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
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Effects</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span class="visually-hidden">Select</span>
                </th>
                <th scope="col">What</th>
                <th scope="col">Status</th>
                <th scope="col">Lead</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Result</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {effects.map((e) => {
                const effect = JSON.parse(e.payload) as Effect;
                const lead = props.names.get(e.leadKey);
                return (
                  <tr id={`effect-${e.id}`}>
                    <td>
                      {e.status === "dead" && (
                        <input type="checkbox" name="id" value={e.id} aria-label={`Retry: ${effectWords(people, effect, page.zone)}`} />
                      )}
                    </td>
                    <td>
                      <strong>{effectWords(people, effect, page.zone)}</strong> <span class="muted">({ruleName(e.rule)})</span>
                      <details>
                        <summary>ids</summary>
                        effect <code>{e.id}</code>
                        <br />
                        key <code>{e.idempotencyKey}</code>
                      </details>
                    </td>
                    <td>
                      <span class={`status ${e.status}`}>{e.status}</span>
                    </td>
                    <td>{e.leadKey.includes(":") ? <a href={`/console/leads/${encodeURIComponent(e.leadKey)}`}>{lead ?? "this lead"}</a> : "–"}</td>
                    <td class="num">{e.attempts}</td>
                    <td>
                      {e.externalId && <div class="muted">CRM id {e.externalId}</div>}
                      {e.lastError && <div class={e.status === "dead" ? "bad" : "muted"}>{e.lastError}</div>}
                    </td>
                    <td>{localInstant(e.updatedAt, page.zone)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </form>
    </Layout>
  );
}
