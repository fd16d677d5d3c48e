import { Hono } from "hono";
import { TURNSTILE_FIELD } from "../core/policy/forms-policy";
import type { AppEnv } from "../env/app-env";
import { countFloorWrite } from "../storage/bench-floor";
import { verifyTurnstile } from "../turnstile/turnstile";

/** The benchmarks' yardsticks, answered only with ENABLE_BENCH_ROUTES (404 otherwise). */
export const benchRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    if (c.var.config.report.features.benchRoutes.state !== "on") return c.notFound();
    await next();
  })
  // The baseline of `npm run bench:ingest` and `bench:intake`: reads the same body, does nothing with it.
  .post("/noop", async (c) => {
    await c.req.arrayBuffer();
    return c.json({ ok: true });
  })
  // The floor of `npm run bench:intake`: the least any form's answer must do (read the body, verify
  // its Turnstile token, one write to D1), so the intake route is measured against what is
  // possible on the same thread, not only against doing nothing.
  .post("/floor", async (c) => {
    const config = c.var.config;
    const fields = new URLSearchParams(await c.req.text());
    const verdict = await verifyTurnstile({
      secret: config.TURNSTILE_SECRET_KEY ?? "",
      token: fields.get(TURNSTILE_FIELD) ?? "",
      scope: "bench/floor",
      url: config.TURNSTILE_SITEVERIFY_URL,
    });
    if (!verdict.ok) return c.json({ ok: false }, 403);
    await countFloorWrite(c.env.DB);
    return c.json({ ok: true }, 202);
  });
