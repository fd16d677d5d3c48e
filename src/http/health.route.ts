import { Hono } from "hono";
import type { AppEnv } from "../env/app-env";
import type { Config, FeatureName } from "../env/config";

/** What is on, what is off and why (names, never values); 503 only when nothing can work. */
export function healthReport(config: Config, at: Date) {
  const { features, working } = config.report;
  const off = Object.fromEntries(Object.entries(features).filter(([, s]) => s.state !== "on"));
  return {
    ok: working,
    service: "lead-follow-up",
    time: at.toISOString(),
    on: Object.keys(features).filter((f) => features[f as FeatureName].state === "on"),
    off,
  };
}

/** GET /health: public, for uptime checks and a newcomer's first look. */
export const healthRoute = new Hono<AppEnv>().get("/", (c) => {
  const report = healthReport(c.var.config, c.var.now());
  return c.json(report, report.ok ? 200 : 503);
});
