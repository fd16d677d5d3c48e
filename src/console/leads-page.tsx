import type { SearchHit } from "../storage/record-search";
import type { JourneyEntry } from "./journey";
import { Layout, localInstant, type PageContext } from "./layout";

export function LeadSearchPage(props: { page: PageContext; query: string; hits: SearchHit[]; zone: string; searchMs: number | null }) {
  const { query, hits } = props;
  return (
    <Layout title="Leads" section="leads" page={props.page}>
      <h1>Leads</h1>
      <form class="panel" method="get" action="/console/leads">
        <input type="search" name="q" size={48} value={query} placeholder="email, name or record key" autofocus />{" "}
        <button type="submit">Search</button>
        {props.searchMs !== null && <span class="muted"> {props.searchMs} ms</span>}
      </form>
      {query && hits.length === 0 && <p class="muted">No lead matches “{query}”.</p>}
      {hits.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Lead</th>
              <th>Email</th>
              <th>Record</th>
              <th>Status</th>
              <th>Last event</th>
            </tr>
          </thead>
          <tbody>
            {hits.map((h) => (
              <tr>
                <td>
                  <a href={`/console/leads/${encodeURIComponent(h.recordKey)}`}>{h.name ?? "(no name)"}</a>
                </td>
                <td>{h.email ?? "–"}</td>
                <td>
                  <code>{h.recordKey}</code>
                </td>
                <td>{h.status}</td>
                <td>{localInstant(h.lastEventAt, props.zone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

export function LeadJourneyPage(props: {
  page: PageContext;
  recordKey: string;
  title: string;
  zone: string;
  journey: JourneyEntry[];
  pending: { name: string; dueAt: string }[];
  summary: [string, string][];
}) {
  return (
    <Layout title={props.title} section="leads" page={props.page}>
      <p>
        <a href="/console/leads">← Leads</a>
      </p>
      <h1>{props.title}</h1>
      <div class="panel">
        <code>{props.recordKey}</code>
        <table>
          <tbody>
            {props.summary.map(([k, v]) => (
              <tr>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Pending deadlines</h2>
      {props.pending.length === 0 ? (
        <p class="muted">Nothing is scheduled.</p>
      ) : (
        <table>
          <tbody>
            {props.pending.map((w) => (
              <tr>
                <td>{w.name}</td>
                <td>{localInstant(w.dueAt, props.zone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Journey</h2>
      <table class="timeline">
        <thead>
          <tr>
            <th>When ({props.zone})</th>
            <th>What</th>
            <th>Why / detail</th>
          </tr>
        </thead>
        <tbody>
          {props.journey.map((e) => (
            <tr class={`journey-${e.kind}`}>
              <td>{localInstant(e.at, props.zone)}</td>
              <td>
                <span class={`status ${e.status ?? ""}`}>{e.kind}</span> <strong>{e.title}</strong>
                {e.status && (
                  <>
                    {" "}
                    <span class={`status ${e.status}`}>{e.status}</span>
                  </>
                )}
                {e.policyVersion !== undefined && <div class="muted">policy v{e.policyVersion}</div>}
              </td>
              <td>
                <div>{e.detail}</div>
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
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
