import { type Context, Hono } from "hono";
import { DateTime } from "luxon";
import { z } from "zod";
import type { RoutingState } from "../core/routing/routing";
import { LocalDate } from "../core/policy/policy-fields";
import { policyVersions } from "../storage/policy-history";
import { calendarDay } from "./format";
import { documentOf } from "./layout";
import { editable, type PolicyIssue, savePolicyChange } from "./policy-change";
import { repsNow, TeamPage } from "./team-page";
import type { ConsoleEnv } from "./console-env";
import type { Rep } from "../core/policy/policy";

type C = Context<ConsoleEnv>;

export interface TeamRouteOptions {
  /** Sets the page's one-time notice (the console's flash cookie). */
  flash: (c: C, version: number) => Promise<void>;
  takeFlash: (c: C) => Promise<string | undefined>;
}

const Away = z
  .object({ from: LocalDate, to: LocalDate })
  .refine((a) => a.from <= a.to, { message: "the last day comes before the first", path: ["to"] });
const Settings = z.object({
  weight: z.coerce.number().positive("a weight above 0").max(100),
  capacity: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.coerce.number().int().min(1).max(10_000).optional()),
});

/**
 * The team page: each rep now (available, out of office until a date, at capacity, outside
 * hours), their weight, capacity, hours and leads this window; a manager marks a rep away (from–to)
 * or back, or changes a weight or a capacity, in two clicks. Every change is a new policy version
 * through the same validation, saved with who made it and what it changed.
 */
export function teamRoutes(options: TeamRouteOptions) {
  const app = new Hono<ConsoleEnv>();

  async function page(c: C, parts: { notice?: string; errors?: PolicyIssue[] } = {}, status: 200 | 400 = 200) {
    const started = performance.now();
    const { policy, version } = c.var.active;
    const [history, ...standings] = await Promise.all([
      policyVersions(c.env.DB, 30),
      ...policy.teams.map((t) => c.env.TEAM_ROUTER.getByName(t.id).standing() as Promise<RoutingState>),
    ]);
    const byTeam = new Map(policy.teams.map((t, i) => [t.id, standings[i]!]));
    const now = c.var.now();
    const data = {
      reps: repsNow(policy, byTeam, now),
      policy,
      version,
      history,
      errors: parts.errors ?? [],
      ...(parts.notice ? { notice: parts.notice } : {}),
    };
    c.header("server-timing", `page;dur=${(performance.now() - started).toFixed(1)}`);
    return c.html(documentOf(<TeamPage page={c.var.page} data={data} />), status);
  }

  /** Applies `change` to the active policy's rep and saves it; back to the page with the outcome. */
  async function change(c: C, describe: (name: string) => string, apply: (rep: Rep) => void) {
    const started = performance.now();
    const policy = editable(c.var.active.policy);
    const rep = policy.reps.find((r) => r.id === c.req.param("rep"));
    if (!rep) return page(c, { errors: [{ path: "", message: `no rep "${c.req.param("rep")}" in the policy` }] }, 400);
    apply(rep);
    const saved = await savePolicyChange(c.env.DB, policy, { by: c.var.user.name, note: describe(rep.name), now: c.var.now() });
    if (!saved.ok) return page(c, { errors: saved.issues }, 400);
    await options.flash(c, saved.version);
    c.header("server-timing", `save;dur=${(performance.now() - started).toFixed(1)}`);
    return c.redirect("/console/team", 303);
  }

  app.get("/", async (c) => page(c, { notice: await options.takeFlash(c) }));

  app.post("/:rep/away", async (c) => {
    const away = Away.safeParse({ from: c.var.form.get("from"), to: c.var.form.get("to") });
    if (!away.success) return page(c, { errors: away.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) }, 400);
    const { from, to } = away.data;
    return change(
      c,
      (name) => `${name} out of office ${calendarDay(from)} – ${calendarDay(to)}`,
      (rep) => {
        rep.outOfOffice = [...rep.outOfOffice.filter((o) => o.to < from || o.from > to), { from, to }].sort((a, b) => a.from.localeCompare(b.from));
      },
    );
  });

  /** Back now: today's absence ends yesterday (later ones stay), and a rep marked unavailable is available again. */
  app.post("/:rep/back", async (c) =>
    change(
      c,
      (name) => `${name} back`,
      (rep) => {
        const today = DateTime.fromJSDate(c.var.now(), { zone: rep.timeZone });
        const day = today.toISODate()!;
        const yesterday = today.minus({ days: 1 }).toISODate()!;
        rep.outOfOffice = rep.outOfOffice.flatMap((o) =>
          o.from <= day && day <= o.to ? (o.from <= yesterday ? [{ from: o.from, to: yesterday }] : []) : [o],
        );
        rep.available = true;
      },
    ),
  );

  app.post("/:rep/settings", async (c) => {
    const settings = Settings.safeParse({ weight: c.var.form.get("weight"), capacity: c.var.form.get("capacity") ?? "" });
    if (!settings.success) return page(c, { errors: settings.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) }, 400);
    const { weight, capacity } = settings.data;
    return change(
      c,
      (name) => `${name}: weight ${weight}, ${capacity === undefined ? "no capacity limit" : `capacity ${capacity}`}`,
      (rep) => {
        rep.weight = weight;
        if (capacity === undefined) delete rep.capacity;
        else rep.capacity = capacity;
      },
    );
  });

  return app;
}
