import type { SearchHit } from "../storage/record-search";
import { crmName } from "./people";
import { count, fromNow, localInstant } from "./format";
import type { JourneyEntry } from "./journey";
import { Layout, type PageContext } from "./layout";

/** A record named for a person: its name, else its email, else what it is ("HubSpot contact 1001"). */
export const recordTitle = (hit: { name: string | null; email: string | null; crm: string; objectType: string; recordKey: string }) =>
  hit.name ?? hit.email ?? `${crmName(hit.crm)} ${hit.objectType} ${hit.recordKey.split(":").at(-1)}`;

export function LeadSearchPage(props: { page: PageContext; query: string; hits: SearchHit[]; searchMs: number | null }) {
  const { query, hits, page } = props;
  return (
    <Layout title="Leads" section="leads" page={page}>
      <h1>Leads</h1>
      <form class="panel row" method="get" action="/console/leads">
        <label class="field">
          <span>Email, name or record key</span>
          <input type="search" name="q" size={48} value={query} />
        </label>
        <button type="submit">Search</button>
        {props.searchMs !== null && (
          <span class="muted">
            {count(hits.length, "lead")} in <span id="search-ms">{props.searchMs}</span> ms
          </span>
        )}
      </form>
      {query && hits.length === 0 && <p class="muted">No lead matches “{query}”.</p>}
      {hits.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Leads matching “{query}”</caption>
            <thead>
              <tr>
                <th scope="col">Lead</th>
                <th scope="col">Email</th>
                <th scope="col">In</th>
                <th scope="col">Status</th>
                <th scope="col">Last event</th>
              </tr>
            </thead>
            <tbody>
              {hits.map((h) => (
                <tr>
                  <td>
                    <a href={`/console/leads/${encodeURIComponent(h.recordKey)}`}>{recordTitle(h)}</a>
                  </td>
                  <td>{h.email ?? "–"}</td>
                  <td>
                    {crmName(h.crm)} {h.objectType}
                  </td>
                  <td>{h.status}</td>
                  <td>{localInstant(h.lastEventAt, page.zone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

export interface PendingDeadline {
  name: string;
  what: string;
  dueAt: string;
}

export function LeadJourneyPage(props: {
  page: PageContext;
  recordKey: string;
  title: string;
  journey: JourneyEntry[];
  pending: PendingDeadline[];
  summary: [string, string][];
}) {
  const { page } = props;
  return (
    <Layout title={props.title} section="leads" page={page}>
      <p>
        <a href="/console/leads">← Leads</a>
      </p>
      <h1>{props.title}</h1>
      <div class="panel">
        <div class="table-wrap">
          <table id="lead-summary">
            <caption class="visually-hidden">About this lead</caption>
            <tbody>
              {props.summary.map(([k, v]) => (
                <tr>
                  <th scope="row">{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <details>
          <summary>Record key</summary>
          <code>{props.recordKey}</code>
        </details>
      </div>
      <h2>Coming up</h2>
      {props.pending.length === 0 ? (
        <p class="muted">Nothing is scheduled for this lead.</p>
      ) : (
        <div class="table-wrap">
          <table id="pending">
            <caption class="visually-hidden">Deadlines of this lead</caption>
            <tbody>
              {props.pending.map((w) => (
                <tr>
                  <td>{w.what}</td>
                  <td class="num">
                    {localInstant(w.dueAt, page.zone)} <span class="muted">({fromNow(w.dueAt, page.now)})</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Journey</h2>
      <div class="table-wrap">
        <table class="timeline">
          <caption class="visually-hidden">What happened to this lead, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Why / detail</th>
            </tr>
          </thead>
          <tbody>
            {props.journey.map((e) => (
              <tr class={`journey-${e.kind}`}>
                <td>{localInstant(e.at, page.zone)}</td>
                <td>
                  <span class="status">{e.kind}</span> <strong>{e.title}</strong>
                  {e.status && (
                    <>
                      {" "}
                      <span class={`status ${e.status}`}>{e.status}</span>
                    </>
                  )}
                  {e.policyVersion !== undefined && <div class="muted">policy v{e.policyVersion}</div>}
                </td>
                <td>
                  {e.detail && <div>{e.detail}</div>}
                  {e.facts.length > 0 && (
                    <div class="muted">
                      {e.facts.map(([k, v], i) => (
                        <span>
                          {i > 0 && " · "}
                          {k}: {v}
                        </span>
                      ))}
                    </div>
                  )}
                  {e.ids.length > 0 && (
                    <details>
                      <summary>ids</summary>
                      {e.ids.map(([k, v]) => (
                        <div>
                          {k}: <code>{v}</code>
                        </div>
                      ))}
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
