import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { listAlerts } from "../storage/alerts";
import { endSession, sessionLive, storeSession } from "../storage/console-sessions";
import { countSignInFailure } from "../storage/console-sign-ins";
import { countEffectsByStatus, listEffects, loadEffects, oldestWaitingDueAt, reviveDeadEffect } from "../storage/effects";
import { activePolicy, savePolicy } from "../storage/policies";
import { policyBody, policyVersions } from "../storage/policy-history";
import { lastFactRowid, rollupState } from "../storage/fact-rollups";
import { namesOf, searchRecords, searchRowOf } from "../storage/record-search";
import { isKnownRecord } from "../storage/records";
import { undeliveredSummary } from "../storage/undelivered";
import { parseRecordKey } from "../core/model/crm-event";
import { PRODUCT_FIELDS } from "../core/model/product-fields";
import { OWNER_PROPERTY } from "../core/policy/policy-needs";
import { crmName } from "./people";
import { count } from "./format";
import { deadlineName, isHousekeeping } from "./words";
import { webhookArrivals } from "../storage/webhook-arrivals";
import { RecordKey } from "../core/model/crm-event";
import { Policy } from "../core/policy/policy";
import { isValidZone } from "../core/calendar/calendar";
import { People } from "./people";
import { teamRoutes } from "./team.routes";
import { policySectionRoutes } from "./policy-sections.routes";
import { PolicyHome } from "./policy-sections";
import { policySchema } from "./policy-schema";
import { jsonLines, lineOf, parseErrorLine } from "./json-lines";
import type { ConsoleEnv } from "./console-env";
import { labelsFor, refreshLabels } from "./labels";
import { sendEffectMessages } from "../outbox/effect-queue";
import {
  adminTokenMatches,
  type ConsoleUser,
  csrfToken,
  csrfValid,
  issueSession,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  verifyAccessJwt,
  verifySession,
} from "./console-auth";
import { checkConnections, type ConnectionCheck } from "../alerts/connection-check";
import { dryRun } from "./dry-run";
import { FLASH_COOKIE, FLASH_TTL_MS, type Notice, noticeText, openFlash, sealFlash } from "./flash";
import { type HealthData, HealthPage } from "./health-page";
import { journeyOf } from "./journey";
import { documentOf, type PageContext } from "./layout";
import { LeadJourneyPage, LeadSearchPage } from "./leads-page";
import { lineDiff } from "./line-diff";
import { OutboxPage } from "./outbox-page";
import { loadOverview, OverviewQuery } from "./overview-data";
import { OverviewPage } from "./overview-page";
import { LoginPage, type PolicyPageData, PolicyPage, RefusedPage } from "./policy-page";
import { countSignInAttempt, SIGN_IN_RETRY_AFTER_S } from "./sign-in-throttle";
import { clientKey } from "../intake/request-origin";
import { decodeUtf8, readRawBody } from "../platform/http/body";

export interface ConsoleOptions {
  /** Calls the Worker's own routes (the parked-events list of the admin API), in process. */
  selfFetch: (request: Request, env: Env) => Promise<Response>;
  /** Access's signing keys; production fetches the team's. Tests inject a local key set. */
  accessKeys?: JWTVerifyGetKey;
}

type C = Context<ConsoleEnv>;

/** The viewer's zone for every time the console shows (a display preference, a year long). */
const ZONE_COOKIE = "console_zone";
const ZONE_TTL_MS = 365 * 86_400_000;

/** A policy document is the largest form the console takes. */
const MAX_FORM_BYTES = 2 * 1024 * 1024;
const LOGIN_PATH = "/console/login";

/**
 * Sessions and CSRF tokens are MACs under the admin token, so the console is part of the admin
 * API's feature: app.ts answers 503 for /console when ADMIN_TOKEN is not usable.
 */
function adminToken(c: C): string {
  const token = c.var.config.ADMIN_TOKEN;
  if (!token) throw new Error("the console runs only with the admin API on");
  return token;
}

const accessSettings = (c: C) =>
  c.var.config.ACCESS_TEAM_DOMAIN && c.var.config.ACCESS_AUD
    ? { teamDomain: c.var.config.ACCESS_TEAM_DOMAIN, audience: c.var.config.ACCESS_AUD }
    : null;

const cookieOptions = (c: C, maxAgeMs: number) => ({
  httpOnly: true,
  sameSite: "Strict" as const,
  secure: new URL(c.req.url).protocol === "https:",
  path: "/console",
  maxAge: Math.floor(maxAgeMs / 1000),
});

async function readForm(c: C): Promise<URLSearchParams> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return new URLSearchParams();
  return new URLSearchParams(decodeUtf8(await readRawBody(c.req.raw, MAX_FORM_BYTES)));
}

/** A browser's POST names where its form came from; one from another origin is refused whatever it carries. */
function sameOrigin(c: C): boolean {
  const origin = c.req.header("origin");
  return !origin || origin === new URL(c.req.url).origin;
}

function refuse(c: C, status: 401 | 403 | 429, title: string, reason: string, headers?: Record<string, string>) {
  return c.html(documentOf(<RefusedPage page={{ ...c.var.page, user: null }} title={title} reason={reason} />), status, headers);
}

/** Tells the page the POST redirects to what was done (see flash.ts): the URL carries nothing. */
async function flash(c: C, notice: Notice): Promise<void> {
  setCookie(c, FLASH_COOKIE, await sealFlash(adminToken(c), c.var.user.subject, notice, c.var.now().getTime()), cookieOptions(c, FLASH_TTL_MS));
}

/** This page's notice, if a POST left one for this user: shown once (the cookie goes with this answer). */
async function takeFlash(c: C, kind: Notice["kind"]): Promise<string | undefined> {
  const value = getCookie(c, FLASH_COOKIE);
  if (!value) return undefined;
  const notice = await openFlash(adminToken(c), c.var.user.subject, value, c.var.now().getTime());
  // Another page's notice waits for that page; anything else is spent.
  if (notice && notice.kind !== kind) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: "/console" });
  return notice ? noticeText(notice) : undefined;
}

function pageOf(c: C, user: ConsoleUser | null, csrf: string, policy?: Policy): PageContext {
  const chosen = getCookie(c, ZONE_COOKIE);
  const zone = chosen && isValidZone(chosen) ? chosen : (policy?.timeZone ?? "UTC");
  const zones = policy ? [...new Set([policy.timeZone, ...policy.reps.map((r) => r.timeZone), "UTC", zone])].sort() : [];
  // The path only: a page never writes back what a link put in its query.
  const path = new URL(c.req.url).pathname;
  return { user, csrf, nonce: c.var.page?.nonce ?? "", canSignOut: !accessSettings(c), zone, zones, path, now: c.var.now() };
}

export function consoleRoutes(options: ConsoleOptions) {
  const app = new Hono<ConsoleEnv>();

  // Every page: a fresh nonce for its inline script and a policy that allows nothing else inline.
  app.use(async (c, next) => {
    const nonce = crypto.randomUUID().replace(/-/g, "");
    c.set("page", { user: null, csrf: "", nonce, canSignOut: false, zone: "UTC", zones: [], path: "/console", now: c.var.now() });
    await next();
    c.header(
      "content-security-policy",
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'`,
    );
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
    c.header("cache-control", "no-store");
  });

  // The sign-in with the admin token, when Access does not stand in front.
  app.get("/login", async (c) => {
    if (accessSettings(c)) return c.redirect("/console", 303);
    const nonce = crypto.randomUUID();
    setCookie(c, LOGIN_COOKIE, nonce, cookieOptions(c, 10 * 60_000));
    return c.html(documentOf(<LoginPage page={pageOf(c, null, await csrfToken(adminToken(c), `login:${nonce}`))} />));
  });

  app.post("/login", async (c) => {
    if (accessSettings(c)) return c.redirect("/console", 303);
    const secret = adminToken(c);
    const form = await readForm(c);
    const nonce = getCookie(c, LOGIN_COOKIE);
    if (!sameOrigin(c) || !nonce || !(await csrfValid(secret, `login:${nonce}`, form.get("_csrf")))) {
      return refuse(c, 403, "Refused", "This sign-in form has expired or did not come from this console. Open the sign-in page again.");
    }
    const now = c.var.now();
    const address = clientKey(c.req.header("cf-connecting-ip"));
    // Counted before the token is looked at: a throttled guess is not compared at all.
    const throttle = await countSignInAttempt(c.env, address, secret);
    if (!throttle.ok) {
      console.warn(`console sign-in throttled (${throttle.scope === "address" ? "this address" : "all addresses"}): ${address}`);
      return refuse(
        c,
        429,
        "Too many sign-in attempts",
        `Too many sign-in attempts ${throttle.scope === "address" ? "from your address" : "at this console"} in the last minute. Try again in a minute.`,
        { "retry-after": String(SIGN_IN_RETRY_AFTER_S) },
      );
    }
    if (!adminTokenMatches(secret, form.get("token"))) {
      // What was typed is never logged: a near miss would leak most of the token.
      console.warn(`console sign-in refused, not the admin token: ${address}`);
      await countSignInFailure(c.env.DB, now);
      return c.html(
        documentOf(<LoginPage page={pageOf(c, null, await csrfToken(secret, `login:${nonce}`))} error="That is not the admin token." />),
        401,
      );
    }
    const id = crypto.randomUUID();
    await storeSession(c.env.DB, id, now, new Date(now.getTime() + SESSION_TTL_MS));
    deleteCookie(c, LOGIN_COOKIE, { path: "/console" });
    setCookie(c, SESSION_COOKIE, await issueSession(secret, now.getTime(), id), cookieOptions(c, SESSION_TTL_MS));
    return c.redirect("/console", 303);
  });

  // Everything else needs a user: Access's, or a session's. POSTs need the session's CSRF token too.
  app.use(async (c, next) => {
    const secret = adminToken(c);
    const access = accessSettings(c);
    let user: ConsoleUser | null;
    if (access) {
      const verdict = await verifyAccessJwt(c.req.header("cf-access-jwt-assertion"), access, c.var.now().getTime(), options.accessKeys);
      if (!verdict.ok) return refuse(c, 403, "Not signed in", verdict.reason);
      user = verdict.user;
    } else {
      user = await verifySession(secret, getCookie(c, SESSION_COOKIE), c.var.now().getTime());
      // The cookie is only a claim: the session must still be live in D1 (not signed out).
      if (user?.sessionId && !(await sessionLive(c.env.DB, user.sessionId, c.var.now()))) user = null;
      if (!user) {
        if (c.req.method === "GET") return c.redirect(LOGIN_PATH, 303);
        return refuse(c, 401, "Not signed in", "Sign in at /console/login first.");
      }
    }
    const csrf = await csrfToken(secret, user.subject);
    const active = await activePolicy(c.env.DB);
    c.set("user", user);
    c.set("active", active);
    c.set("people", new People(active.policy, await labelsFor(c.env.DB)));
    c.set("page", { ...pageOf(c, user, csrf, active.policy), nonce: c.var.page.nonce });
    if (c.req.method === "POST") {
      const form = await readForm(c);
      if (!sameOrigin(c) || !(await csrfValid(secret, user.subject, form.get("_csrf")))) {
        return refuse(c, 403, "Refused", "The form's CSRF token is missing or wrong: reload the page and try again.");
      }
      c.set("form", form);
    }
    await next();
  });

  /** The viewer picks the zone every time is shown in; back to the page they were on. */
  app.post("/zone", async (c) => {
    const zone = c.var.form.get("zone") ?? "";
    const back = c.var.form.get("back") ?? "/console";
    if (isValidZone(zone)) setCookie(c, ZONE_COOKIE, zone, { ...cookieOptions(c, ZONE_TTL_MS), httpOnly: true });
    // Only a console page: the form cannot send the browser anywhere else.
    return c.redirect(back.startsWith("/console") && !back.startsWith("//") ? back : "/console", 303);
  });

  app.post("/logout", async (c) => {
    // Ends the session itself, not only this browser's copy of its cookie.
    if (c.var.user.sessionId) await endSession(c.env.DB, c.var.user.sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: "/console" });
    return c.redirect(LOGIN_PATH, 303);
  });

  app.get("/", async (c) => {
    const query = OverviewQuery.safeParse(c.req.query());
    const data = await loadOverview(
      c.env,
      c.var.config,
      query.success ? query.data : OverviewQuery.parse({}),
      c.var.now(),
      () => performance.now(),
      c.var.people,
    );
    return c.html(documentOf(<OverviewPage page={c.var.page} data={data} />));
  });

  app.get("/leads", async (c) => {
    const q = (c.req.query("q") ?? "").slice(0, 300);
    const started = performance.now();
    const hits = q ? await searchRecords(c.env.DB, q) : [];
    const searchMs = q ? Math.round(performance.now() - started) : null;
    return c.html(documentOf(<LeadSearchPage page={c.var.page} query={q} hits={hits} searchMs={searchMs} />));
  });

  app.get("/leads/:key", async (c) => {
    const key = RecordKey.safeParse(c.req.param("key"));
    // Only records D1 knows are opened: a made-up key must not create an object.
    if (!key.success || !(await isKnownRecord(c.env.DB, key.data)))
      return c.html(documentOf(<LeadSearchPage page={c.var.page} query={c.req.param("key")} hits={[]} searchMs={null} />), 404);
    const [snapshot, effects, search] = await Promise.all([
      c.env.RECORDS.getByName(key.data).snapshot(),
      listEffects(c.env.DB, { leadKey: key.data, limit: 500 }),
      searchRowOf(c.env.DB, key.data),
    ]);
    const record = snapshot ?? { events: [], audit: [], pendingWakeups: [] };
    const { crm, objectType } = parseRecordKey(key.data);
    const people = c.var.people;
    const zone = c.var.page.zone;
    const value = (name: string | undefined) => (name ? snapshot?.state.properties[name]?.value : undefined);
    const fields = PRODUCT_FIELDS[crm];
    const stage = objectType === "deal" || objectType === "opportunity" ? (crm === "hubspot" ? "dealstage" : "StageName") : undefined;
    const status = objectType === "contact" || objectType === "lead" ? (crm === "hubspot" ? "hs_lead_status" : "Status") : undefined;
    const cadence = snapshot?.audit.findLast((a) => a.rule === "cadence" && a.outcome === "enrolled")?.data.cadence;
    const score = value(fields.score);
    const summary: [string, string][] = [
      ["Email", search?.email ?? "–"],
      ["In", `${crmName(crm)} ${objectType}${snapshot && snapshot.state.status !== "active" ? ` (${snapshot.state.status})` : ""}`],
      ["Owner", people.ownerName(value(OWNER_PROPERTY[crm]), crm)],
      ...(stage ? [["Stage", people.label(crm, objectType, stage, value(stage))] as [string, string]] : []),
      ...(status ? [["Status", people.label(crm, objectType, status, value(status))] as [string, string]] : []),
      ...(score ? [["Score", `${score}${value(fields.tier) ? ` (${value(fields.tier)})` : ""}`] as [string, string]] : []),
      ...(value(fields.reasons) ? [["Why this score", value(fields.reasons)!.split("\n").join("; ")] as [string, string]] : []),
      ...(value(fields.routingReason) ? [["Why this owner", value(fields.routingReason)!] as [string, string]] : []),
      ...(typeof cadence === "string" ? [["Cadence", people.cadenceName(cadence)] as [string, string]] : []),
      ["Happened", `${count(record.events.length, "event")}, ${count(record.audit.length, "decision")}, ${count(effects.length, "effect")}`],
    ];
    const title = search?.name ?? search?.email ?? `${crmName(crm)} ${objectType} ${key.data.split(":").at(-1)}`;
    const pending = record.pendingWakeups.filter((w) => !isHousekeeping(w.name)).map((w) => ({ ...w, what: deadlineName(w.name) }));
    return c.html(
      documentOf(
        <LeadJourneyPage
          page={c.var.page}
          recordKey={key.data}
          title={title}
          journey={journeyOf(record, effects, people, zone)}
          pending={pending}
          summary={summary}
        />,
      ),
    );
  });

  const StatusQuery = z.enum(["pending", "retrying", "done", "dead"]).optional().catch(undefined);

  async function outbox(c: C, notice?: string) {
    const status = StatusQuery.parse(c.req.query("status") || undefined);
    const [counts, effects] = await Promise.all([countEffectsByStatus(c.env.DB), listEffects(c.env.DB, { status, limit: 200 })]);
    const names = await namesOf(
      c.env.DB,
      effects.map((e) => e.leadKey),
    );
    return c.html(
      documentOf(
        <OutboxPage page={c.var.page} status={status} counts={counts} effects={effects} people={c.var.people} names={names} notice={notice} />,
      ),
    );
  }
  app.get("/outbox", async (c) => outbox(c, await takeFlash(c, "retried")));

  /** Gives dead effects a fresh set of attempts: the ticked ones, or every dead one (up to 500 at a time). */
  app.post("/outbox/retry", async (c) => {
    const form = c.var.form;
    const ids =
      form.get("all") === "dead" ? (await listEffects(c.env.DB, { status: "dead", limit: 500 })).map((e) => e.id) : form.getAll("id").slice(0, 500);
    const known = await loadEffects(c.env.DB, ids);
    const revived: string[] = [];
    for (const row of known) if (row.status === "dead" && (await reviveDeadEffect(c.env.DB, row.id, c.var.now()))) revived.push(row.id);
    await sendEffectMessages(c.env.EFFECTS, revived);
    await flash(c, { kind: "retried", count: revived.length });
    return c.redirect("/console/outbox", 303);
  });

  async function policyPage(c: C, parts: Partial<PolicyPageData> = {}, status: 200 | 400 = 200) {
    const [active, history] = await Promise.all([activePolicy(c.env.DB), policyVersions(c.env.DB)]);
    let diff: PolicyPageData["diff"];
    const diffOf = Number(c.req.query("diff"));
    const at = history.findIndex((h) => h.version === diffOf);
    if (at >= 0 && at < history.length - 1) {
      const [after, before] = await Promise.all([policyBody(c.env.DB, diffOf), policyBody(c.env.DB, history[at + 1]!.version)]);
      const pretty = (body: string | null) => JSON.stringify(JSON.parse(body ?? "{}"), null, 2);
      diff = { version: diffOf, against: history[at + 1]!.version, lines: lineDiff(pretty(before), pretty(after)) };
    }
    const data: PolicyPageData = {
      zone: c.var.page.zone,
      activeVersion: active.version,
      history,
      text: JSON.stringify(active.policy, null, 2),
      errors: [],
      diff,
      ...parts,
    };
    return c.html(documentOf(<PolicyPage page={c.var.page} data={data} />), status);
  }

  /** The edited document, validated as PUT /admin/policy validates it. */
  function candidate(c: C): { text: string; parsed: z.ZodSafeParseResult<Policy> | null; jsonError?: string } {
    const text = c.var.form.get("policy") ?? "";
    try {
      return { text, parsed: Policy.safeParse(JSON.parse(text)) };
    } catch (error) {
      return { text, parsed: null, jsonError: `not JSON: ${(error as Error).message}` };
    }
  }
  /** The problems of an edited document, each with the line it is at (the nearest enclosing value when the key is missing). */
  const issuesOf = (parsed: z.ZodSafeParseResult<Policy> | null, jsonError?: string, text = "") => {
    if (!parsed || parsed.success) return [{ path: "", message: jsonError ?? "", line: parseErrorLine(text, jsonError ?? "") }];
    const lines = jsonLines(text);
    return parsed.error.issues.map((i) => {
      const path = i.path.join(".");
      return { path, message: i.message, line: lineOf(lines, path) };
    });
  };

  app.get("/policy", async (c) => {
    const started = performance.now();
    const history = await policyVersions(c.env.DB);
    c.header("server-timing", `page;dur=${(performance.now() - started).toFixed(1)}`);
    return c.html(documentOf(<PolicyHome page={c.var.page} version={c.var.active.version} history={history} notice={await takeFlash(c, "saved")} />));
  });
  app.get("/policy/advanced", async (c) => policyPage(c));
  app.get("/policy/schema.json", (c) => {
    c.header("cache-control", "private, max-age=300");
    return c.json(policySchema());
  });
  app.route(
    "/policy",
    policySectionRoutes({
      flash: (c, version) => flash(c, { kind: "saved", version }),
      takeFlash: (c) => takeFlash(c, "saved"),
    }),
  );

  app.post("/policy/dry-run", async (c) => {
    const { text, parsed, jsonError } = candidate(c);
    if (!parsed?.success) return policyPage(c, { text, errors: issuesOf(parsed, jsonError, text) }, 400);
    const days = z.coerce.number().int().min(1).max(30).catch(7).parse(c.var.form.get("days"));
    const now = c.var.now();
    const active = await activePolicy(c.env.DB);
    const result = await dryRun(c.env, active, { version: -1, policy: parsed.data, createdAt: now.toISOString() }, now, days);
    const names = await namesOf(
      c.env.DB,
      result.differences.map((d) => d.recordKey),
    );
    return policyPage(c, { text, dryRun: result, names });
  });

  app.post("/policy/save", async (c) => {
    const { text, parsed, jsonError } = candidate(c);
    if (!parsed?.success) return policyPage(c, { text, errors: issuesOf(parsed, jsonError, text) }, 400);
    const saved = await savePolicy(c.env.DB, parsed.data, c.var.now(), { by: c.var.user.name, note: "the whole document (advanced editor)" });
    await flash(c, { kind: "saved", version: saved.version });
    return c.redirect("/console/policy", 303);
  });

  /** Rolling back saves an earlier version's document as the newest version: the history keeps what happened. */
  app.post("/policy/rollback", async (c) => {
    const version = Number(c.var.form.get("version"));
    const body = Number.isInteger(version) ? await policyBody(c.env.DB, version) : null;
    if (!body) return policyPage(c, { errors: [{ path: "version", message: `no policy version ${c.var.form.get("version")}` }] }, 400);
    const parsed = Policy.safeParse(JSON.parse(body));
    if (!parsed.success) return policyPage(c, { errors: issuesOf(parsed) }, 400);
    const saved = await savePolicy(c.env.DB, parsed.data, c.var.now(), { by: c.var.user.name, note: `rolled back to v${version}` });
    await flash(c, { kind: "saved", version: saved.version });
    return c.redirect("/console/policy", 303);
  });

  async function health(c: C, checks: ConnectionCheck[] | null) {
    const db = c.env.DB;
    const now = c.var.now();
    const [counts, waiting, undelivered, webhooks, rollup, facts, alerts, parked] = await Promise.all([
      countEffectsByStatus(db),
      oldestWaitingDueAt(db),
      undeliveredSummary(db),
      webhookArrivals(db),
      rollupState(db),
      lastFactRowid(db),
      listAlerts(db),
      parkedEvents(c),
    ]);
    const data: HealthData = {
      zone: c.var.page.zone,
      now: now.toISOString(),
      outbox: { waiting: counts.pending + counts.retrying, oldestDueAt: waiting, dead: counts.dead },
      undelivered: { count: undelivered.n, oldest: undelivered.oldest },
      parked,
      webhooks,
      rollup: rollup ? { ...rollup, facts } : null,
      alerts,
      checks,
    };
    return c.html(documentOf(<HealthPage page={c.var.page} data={data} />));
  }

  /** The parked-events list of the admin API, when this deployment has one. */
  async function parkedEvents(c: C): Promise<HealthData["parked"]> {
    const request = new Request(new URL("/admin/ingest/parked?limit=5", c.req.url), {
      headers: { authorization: `Bearer ${adminToken(c)}` },
    });
    const response = await options.selfFetch(request, c.env).catch(() => null);
    if (!response?.ok) return { available: false };
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    const list = Object.values(body ?? {}).find((v): v is { reason?: unknown; parkedAt?: unknown }[] => Array.isArray(v)) ?? [];
    const count = typeof body?.total === "number" ? body.total : list.length;
    return { available: true, count, sample: list.slice(0, 5).map((p) => ({ reason: String(p.reason ?? "unreadable") })) };
  }

  app.route(
    "/team",
    teamRoutes({
      flash: (c, version) => flash(c, { kind: "saved", version }),
      takeFlash: (c) => takeFlash(c, "saved"),
    }),
  );

  app.get("/health", (c) => health(c, null));
  app.post("/health/check", async (c) => {
    const [checks] = await Promise.all([
      checkConnections(c.var.ports),
      // The CRMs' labels for stages and statuses are read again with the check.
      refreshLabels(c.env, c.var.config, c.var.now(), true).catch((error) => [String(error)]),
    ]);
    return health(c, checks);
  });

  return app;
}
