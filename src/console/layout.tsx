import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import { raw } from "hono/html";

/** What every page needs besides its content: who is signed in, the CSRF token for its forms, the CSP nonce. */
export interface PageContext {
  user: { name: string } | null;
  csrf: string;
  nonce: string;
  /** Access sessions end at Access, not here. */
  canSignOut: boolean;
}

const NAV = [
  ["overview", "/console", "Overview"],
  ["leads", "/console/leads", "Leads"],
  ["outbox", "/console/outbox", "Outbox"],
  ["policy", "/console/policy", "Policy"],
  ["health", "/console/health", "Health"],
] as const;

export type Section = (typeof NAV)[number][0] | "login";

const STYLE = `
  :root { --fg:#1d2433; --muted:#5b6475; --line:#dde1e8; --bg:#f6f7f9; --accent:#2f5bd3; --bad:#b42318; --good:#067647; --warn:#b54708; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
  header { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#fff; border-bottom:1px solid var(--line); }
  header strong { font-size:15px; }
  nav a { margin-right:16px; color:var(--muted); text-decoration:none; }
  nav a[aria-current=page] { color:var(--fg); font-weight:600; border-bottom:2px solid var(--accent); padding-bottom:2px; }
  header .who { margin-left:auto; color:var(--muted); display:flex; gap:8px; align-items:center; }
  main { padding:20px 24px; max-width:1280px; }
  h1 { font-size:20px; margin:0 0 16px; } h2 { font-size:16px; margin:24px 0 8px; }
  table { border-collapse:collapse; background:#fff; width:100%; margin-bottom:12px; }
  th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { font-weight:600; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
  td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
  .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(170px, 1fr)); gap:12px; margin-bottom:16px; }
  .card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
  .card .label { color:var(--muted); font-size:12px; } .card .value { font-size:22px; font-weight:600; }
  .card .sub { color:var(--muted); font-size:12px; }
  .panel { background:#fff; border:1px solid var(--line); border-radius:6px; padding:12px; margin-bottom:16px; }
  .grid2 { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
  form.inline { display:inline; }
  input, select, textarea, button { font:inherit; }
  input[type=text], input[type=search], input[type=password], select { padding:5px 8px; border:1px solid var(--line); border-radius:4px; }
  button { padding:5px 12px; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:4px; cursor:pointer; }
  button.secondary { background:#fff; color:var(--accent); }
  textarea { width:100%; min-height:420px; font:12px/1.4 ui-monospace, Menlo, monospace; border:1px solid var(--line); border-radius:4px; padding:8px; }
  .muted { color:var(--muted); } .bad { color:var(--bad); } .good { color:var(--good); } .warn { color:var(--warn); }
  .status { display:inline-block; padding:0 6px; border-radius:3px; font-size:12px; background:#eef1f6; }
  .status.dead, .status.firing { background:#fee4e2; color:var(--bad); } .status.done, .status.ok { background:#dcfae6; color:var(--good); }
  .status.retrying, .status.pending { background:#fef0c7; color:var(--warn); }
  .errors { border:1px solid var(--bad); background:#fef3f2; padding:8px 12px; border-radius:6px; }
  .notice { border:1px solid var(--good); background:#ecfdf3; padding:8px 12px; border-radius:6px; margin-bottom:12px; }
  .timeline td:first-child { white-space:nowrap; color:var(--muted); }
  pre { white-space:pre-wrap; word-break:break-word; margin:0; font:12px/1.4 ui-monospace, Menlo, monospace; }
  .diff .add { background:#dcfae6; } .diff .del { background:#fee4e2; }
  .chart { min-height:220px; }
  code { font:12px ui-monospace, Menlo, monospace; }
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
        <header>
          <strong>Lead follow-up</strong>
          {page.user && (
            <nav>
              {NAV.map(([id, href, label]) => (
                <a href={href} aria-current={props.section === id ? "page" : undefined}>
                  {label}
                </a>
              ))}
            </nav>
          )}
          {page.user && (
            <div class="who">
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
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** A hidden CSRF field for a form. */
export const Csrf = (props: { page: PageContext }) => <input type="hidden" name="_csrf" value={props.page.csrf} />;

export const pct = (value: number | null) => (value === null ? "–" : `${(value * 100).toFixed(1)}%`);

/** A duration in words a manager reads at a glance: 45 s, 12 min, 3.5 h, 2.1 d. */
export function duration(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** An instant as the policy's zone shows it: 2026-03-29 14:05. */
export function localInstant(at: string | null | undefined, zone: string): string {
  if (!at) return "–";
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")}`;
}

/** JSON for a <script type="application/json"> block: nothing in it can close the element. */
export const scriptJson = (value: unknown) => raw(JSON.stringify(value).replace(/</g, "\\u003c"));

/** A page as the response body: the document type first, so browsers render in standards mode. */
export async function documentOf(page: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return `<!doctype html>${await page}`;
}
