import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import { raw } from "hono/html";

/** What every page needs besides its content: who is signed in, the CSRF token for its forms, the CSP nonce, the viewer's zone. */
export interface PageContext {
  user: { name: string } | null;
  csrf: string;
  nonce: string;
  /** Access sessions end at Access, not here. */
  canSignOut: boolean;
  /** The zone every time on the page is shown in: the viewer's pick, else the policy's. */
  zone: string;
  /** Zones the viewer can pick from (the policy's, its reps', UTC). */
  zones: string[];
  /** The page's own path and query, for the zone form to come back to. */
  path: string;
  /** The instant the page was made. */
  now: Date;
}

const NAV = [
  ["overview", "/console", "Overview"],
  ["leads", "/console/leads", "Leads"],
  ["team", "/console/team", "Team"],
  ["policy", "/console/policy", "Policy"],
  ["outbox", "/console/outbox", "Outbox"],
  ["health", "/console/health", "Health"],
] as const;

export type Section = (typeof NAV)[number][0] | "login";

/**
 * Colours meet WCAG AA contrast (4.5:1 for text) on the backgrounds they are used on; focus is
 * always visible; tables scroll inside their panel rather than widen the page; below 800 px the
 * two-column grids stack, so the overview reads on a phone.
 */
const STYLE = `
  :root { --fg:#1d2433; --muted:#4e5768; --line:#d0d5dd; --bg:#f6f7f9; --accent:#2450c0; --bad:#a6190f; --good:#05603a; --warn:#93370d; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
  a { color:var(--accent); }
  a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline:3px solid #f79009; outline-offset:2px; }
  .skip { position:absolute; left:-9999px; top:0; background:#fff; padding:8px 12px; z-index:10; }
  .skip:focus { left:8px; top:8px; }
  header { display:flex; flex-wrap:wrap; align-items:center; gap:8px 24px; padding:10px 24px; background:#fff; border-bottom:1px solid var(--line); }
  header .brand { font-size:15px; font-weight:700; }
  nav ul { list-style:none; margin:0; padding:0; display:flex; flex-wrap:wrap; gap:4px 16px; }
  nav a { color:var(--muted); text-decoration:none; padding:2px 0; }
  nav a:hover { color:var(--fg); text-decoration:underline; }
  nav a[aria-current=page] { color:var(--fg); font-weight:600; border-bottom:2px solid var(--accent); }
  header .who { margin-left:auto; color:var(--muted); display:flex; flex-wrap:wrap; gap:8px; align-items:center; }
  main { padding:20px 24px; max-width:1320px; }
  h1 { font-size:20px; margin:0 0 16px; } h2 { font-size:16px; margin:24px 0 8px; } h3 { font-size:14px; margin:16px 0 6px; }
  .table-wrap { overflow-x:auto; max-width:100%; }
  table { border-collapse:collapse; background:#fff; width:100%; margin-bottom:12px; }
  caption { text-align:left; font-weight:600; padding:4px 0; }
  th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; overflow-wrap:anywhere; }
  th { font-weight:600; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
  td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
  .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(170px, 1fr)); gap:12px; margin-bottom:16px; }
  .card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
  .card .label { color:var(--muted); font-size:12px; } .card .value { font-size:22px; font-weight:600; }
  .card .sub { color:var(--muted); font-size:12px; }
  .panel { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px; margin-bottom:16px; min-width:0; }
  .grid2 { display:grid; grid-template-columns:minmax(0, 1fr) minmax(0, 1fr); gap:16px; }
  @media (max-width: 800px) { .grid2 { grid-template-columns:minmax(0, 1fr); } main { padding:12px; } header { padding:8px 12px; } }
  form.inline { display:inline; }
  .row { display:flex; flex-wrap:wrap; gap:8px 12px; align-items:flex-end; }
  .field { display:flex; flex-direction:column; gap:2px; }
  .field > span { font-size:12px; color:var(--muted); }
  input, select, textarea, button { font:inherit; }
  input[type=text], input[type=search], input[type=password], input[type=number], input[type=date], select, textarea { padding:5px 8px; border:1px solid #98a2b3; border-radius:4px; background:#fff; color:var(--fg); }
  button { padding:5px 12px; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:4px; cursor:pointer; }
  button.secondary { background:#fff; color:var(--accent); }
  textarea { width:100%; min-height:420px; font:12px/1.4 ui-monospace, Menlo, monospace; }
  .muted { color:var(--muted); } .bad { color:var(--bad); } .good { color:var(--good); } .warn { color:var(--warn); }
  .status { display:inline-block; padding:0 6px; border-radius:3px; font-size:12px; background:#eaecf0; color:var(--fg); white-space:nowrap; }
  .status.dead, .status.firing, .status.away { background:#fee4e2; color:var(--bad); } .status.done, .status.ok, .status.available { background:#dcfae6; color:var(--good); }
  .status.retrying, .status.pending, .status.capacity, .status.hours { background:#fef0c7; color:var(--warn); }
  .errors { border:1px solid var(--bad); background:#fef3f2; padding:8px 12px; border-radius:6px; }
  .notice { border:1px solid var(--good); background:#ecfdf3; padding:8px 12px; border-radius:6px; margin-bottom:12px; }
  .timeline td:first-child { white-space:nowrap; color:var(--muted); }
  pre { white-space:pre-wrap; word-break:break-word; margin:0; font:12px/1.4 ui-monospace, Menlo, monospace; }
  .diff .add { background:#dcfae6; } .diff .del { background:#fee4e2; }
  .chart { min-height:220px; }
  code { font:12px ui-monospace, Menlo, monospace; overflow-wrap:anywhere; }
  details > summary { cursor:pointer; color:var(--muted); }
  .zone-form select { max-width:200px; }
  .visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
`;

export function Layout(props: { title: string; section: Section; page: PageContext; children: Child; head?: Child }) {
  const { page } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Lead follow-up`}</title>
        <style nonce={page.nonce}>{raw(STYLE)}</style>
        {props.head}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to the page
        </a>
        <header>
          <span class="brand">Lead follow-up</span>
          {page.user && (
            <nav aria-label="Console">
              <ul>
                {NAV.map(([id, href, label]) => (
                  <li>
                    <a href={href} aria-current={props.section === id ? "page" : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {page.user && (
            <div class="who">
              <form class="inline zone-form" method="post" action="/console/zone">
                <input type="hidden" name="_csrf" value={page.csrf} />
                <input type="hidden" name="back" value={page.path} />
                <label>
                  Times in{" "}
                  <select name="zone" aria-describedby="zone-help">
                    {page.zones.map((z) => (
                      <option value={z} selected={z === page.zone}>
                        {z}
                      </option>
                    ))}
                  </select>
                </label>{" "}
                <button class="secondary" type="submit">
                  Show
                </button>
                <span id="zone-help" class="visually-hidden">
                  Every time in the console is shown in this zone.
                </span>
              </form>
              <span>{page.user.name}</span>
              {page.canSignOut && (
                <form class="inline" method="post" action="/console/logout">
                  <input type="hidden" name="_csrf" value={page.csrf} />
                  <button class="secondary" type="submit">
                    Sign out
                  </button>
                </form>
              )}
            </div>
          )}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A hidden CSRF field for a form. */
export const Csrf = (props: { page: PageContext }) => <input type="hidden" name="_csrf" value={props.page.csrf} />;

/** Why a change was refused, field by field; nothing of it was saved. */
export function NotSaved(props: { id: string; errors: { path: string; message: string }[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div class="errors" id={props.id} role="alert">
      <strong>Nothing was saved:</strong>
      <ul>
        {props.errors.map((e) => (
          <li>
            {e.path ? <code>{e.path}</code> : null} {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Saves an earlier policy version again as the newest one. */
export const RollbackButton = (props: { page: PageContext; version: number }) => (
  <form class="inline" method="post" action="/console/policy/rollback">
    <Csrf page={props.page} />
    <input type="hidden" name="version" value={String(props.version)} />
    <button class="secondary" type="submit" id={`rollback-${props.version}`}>
      Roll back to v{props.version}
    </button>
  </form>
);

/** A table's header row: "num" columns are right-aligned as their figures are. */
export function HeadRow(props: { columns: (string | { label: string; num?: boolean; title?: string })[] }) {
  return (
    <tr>
      {props.columns.map((c) => {
        const col = typeof c === "string" ? { label: c, num: true } : c;
        return (
          <th scope="col" class={col.num ? "num" : undefined} title={col.title}>
            {col.label}
          </th>
        );
      })}
    </tr>
  );
}

export { count, duration, localInstant, percent as pct } from "./format";

/** JSON for a <script type="application/json"> block: nothing in it can close the element. */
export const scriptJson = (value: unknown) => raw(JSON.stringify(value).replace(/</g, "\\u003c"));

/** A page as the response body: the document type first, so browsers render in standards mode. */
export async function documentOf(page: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return `<!doctype html>${await page}`;
}
