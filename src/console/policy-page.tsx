import type { DryRun } from "./dry-run";
import { count, localInstant } from "./format";
import { Csrf, Layout, type PageContext, RollbackButton, scriptJson } from "./layout";
import { ruleName } from "./words";
import type { DiffLine } from "./line-diff";

export interface PolicyPageData {
  zone: string;
  activeVersion: number;
  history: { version: number; createdAt: string; savedBy?: string | null; note?: string | null }[];
  /** What the editor holds: the active policy, or the text just submitted. */
  text: string;
  errors: { path: string; message: string; line?: number }[];
  notice?: string;
  dryRun?: DryRun;
  diff?: { version: number; against: number; lines: DiffLine[] };
  /** The dry run's records by name. */
  names?: Map<string, string>;
}

export function PolicyPage(props: { page: PageContext; data: PolicyPageData }) {
  const d = props.data;
  const head = (
    <>
      <script src="/policy-editor.js" defer />
    </>
  );
  return (
    <Layout title="Policy: advanced" section="policy" page={props.page} head={head}>
      <p>
        <a href="/console/policy">← Policy</a>
      </p>
      <h1>The whole policy (advanced)</h1>
      {d.notice && <div class="notice">{d.notice}</div>}
      <p>
        Active version: <strong id="active-version">v{d.activeVersion}</strong>
        {d.activeVersion === 0 && <span class="muted"> (the shipped default)</span>}. The common parts have{" "}
        <a href="/console/policy">pages of their own</a>.
      </p>
      <div class="grid2">
        <div>
          <h2>Editor</h2>
          <form method="post" action="/console/policy/dry-run" id="policy-form">
            <Csrf page={props.page} />
            <label for="policy-text">
              The policy as JSON <span class="muted">(completion with Ctrl+Space; problems are marked at their line)</span>
            </label>
            <textarea name="policy" spellcheck={false} id="policy-text">
              {d.text}
            </textarea>
            <script type="application/json" id="policy-diagnostics">
              {scriptJson(
                d.errors.filter((e) => e.line !== undefined).map((e) => ({ line: e.line, message: `${e.path || "(document)"}: ${e.message}` })),
              )}
            </script>
            <p class="row">
              <label class="field">
                <span>Dry run over the last … days of recorded history</span>
                <input type="number" name="days" min={1} max={30} size={3} value={String(d.dryRun?.days ?? 7)} />
              </label>
              <button type="submit">Dry run</button>
              <button type="submit" formaction="/console/policy/save" class="secondary" id="save">
                Save as a new version
              </button>
            </p>
          </form>
          {d.errors.length > 0 && (
            <div class="errors" id="policy-errors" role="alert">
              <strong>The policy was not saved:</strong>
              <ul>
                {d.errors.map((e) => (
                  <li>
                    {e.line !== undefined && <span>line {e.line}: </span>}
                    <code>{e.path || "(document)"}</code>: {e.message}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div>
          {d.dryRun && (
            <div class="panel" id="dry-run">
              <h2>Dry run</h2>
              <p>
                {count(d.dryRun.events, "event")} of {count(d.dryRun.records, "record")} from the last {count(d.dryRun.days, "day")}:{" "}
                {count(d.dryRun.decisions.current, "decision")} under v{d.activeVersion}, {d.dryRun.decisions.candidate} under the edited policy.{" "}
                {d.dryRun.differences.length === 0
                  ? "No record would have been treated differently."
                  : `${count(d.dryRun.differences.length, "record")} would have been treated differently:`}
              </p>
              <p class="muted" id="dry-run-live">
                {d.dryRun.live.records === 0
                  ? "No record ran only under the active policy, so the replay is not checked against what happened."
                  : d.dryRun.live.differences.length === 0
                    ? `The replay of v${d.activeVersion} agrees with all ${count(d.dryRun.live.decisions, "decision")} those ${count(d.dryRun.live.records, "record")} made live.`
                    : `The replay of v${d.activeVersion} disagrees with what ${count(d.dryRun.live.differences.length, "record")} did live: read the differences with care.`}
              </p>
              {d.dryRun.differences.map((diff) => (
                <details>
                  <summary>{d.names?.get(diff.recordKey) ?? diff.recordKey}</summary>
                  <div class="grid2">
                    <div>
                      <div class="muted">now (v{d.activeVersion})</div>
                      <pre>
                        {diff.current.map((e) => `${localInstant(e.at, d.zone)} ${ruleName(e.rule)}: ${e.outcome}`).join("\n") || "(nothing)"}
                      </pre>
                    </div>
                    <div>
                      <div class="muted">edited</div>
                      <pre>
                        {diff.candidate.map((e) => `${localInstant(e.at, d.zone)} ${ruleName(e.rule)}: ${e.outcome}`).join("\n") || "(nothing)"}
                      </pre>
                    </div>
                  </div>
                </details>
              ))}
            </div>
          )}
          <h2>History</h2>
          <table>
            <thead>
              <tr>
                <th>Version</th>
                <th>Saved</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.history.map((h, i) => (
                <tr>
                  <td>
                    v{h.version}
                    {h.version === d.activeVersion && <span class="status ok">active</span>}
                  </td>
                  <td>{localInstant(h.createdAt, d.zone)}</td>
                  <td>
                    {i < d.history.length - 1 && <a href={`/console/policy?diff=${h.version}`}>diff with v{d.history[i + 1]!.version}</a>}{" "}
                    {h.version !== d.activeVersion && <RollbackButton page={props.page} version={h.version} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.diff && (
            <div class="panel diff" id="policy-diff">
              <strong>
                v{d.diff.against} → v{d.diff.version}
              </strong>
              <pre>
                {d.diff.lines.map((l) => (
                  <div class={l.op}>
                    {l.op === "add" ? "+ " : l.op === "del" ? "- " : "  "}
                    {l.text}
                  </div>
                ))}
              </pre>
            </div>
          )}
        </div>
      </div>
    </Layout>
  );
}

export function LoginPage(props: { page: PageContext; error?: string }) {
  return (
    <Layout title="Sign in" section="login" page={props.page}>
      <h1>Sign in</h1>
      <form class="panel" method="post" action="/console/login" style="max-width:420px">
        <Csrf page={props.page} />
        <p>
          <label>
            Admin token
            <br />
            <input type="password" name="token" size={40} autocomplete="current-password" autofocus />
          </label>
        </p>
        {props.error && <p class="bad">{props.error}</p>}
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

export function RefusedPage(props: { page: PageContext; title: string; reason: string }) {
  return (
    <Layout title={props.title} section="login" page={props.page}>
      <h1>{props.title}</h1>
      <p>{props.reason}</p>
    </Layout>
  );
}
