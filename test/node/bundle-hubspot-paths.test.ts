import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The bundle `wrangler deploy` would upload holds no numeric HubSpot path (/crm/v3, /crm/v4,
 * /communication-preferences/v3 …): HubSpot stops serving them in 2027, and every call the
 * Worker makes goes to the dated 2026-09 API. A string in the bundle is what could be called.
 */
const root = new URL("../..", import.meta.url).pathname;
const run = promisify(execFile);
const HUBSPOT_APIS = ["crm", "communication-preferences", "owners", "properties", "webhooks", "scheduler", "automation", "marketing", "events"];
const NUMERIC = new RegExp(`/(?:${HUBSPOT_APIS.join("|")})(?:/[a-z-]+)?/v\\d+(?=/|["'\`?])`, "g");

let outdir = "";
let bundle = "";

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "bundle-"));
  await run(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
  bundle = readFileSync(join(outdir, "index.js"), "utf8");
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe("the deployed bundle", () => {
  it("holds the dated HubSpot paths and no numeric one", () => {
    expect(bundle).toContain("/crm/objects/");
    expect(bundle).toContain('"2026-09"');
    expect([...new Set(bundle.match(NUMERIC) ?? [])]).toEqual([]);
  });

  it("the check would see a numeric path", () => {
    expect('fetch(base + "/crm/v3/objects/tasks/batch/create")'.match(NUMERIC)).toEqual(["/crm/v3"]);
    expect("`/communication-preferences/v3/subscribe`".match(NUMERIC)).toEqual(["/communication-preferences/v3"]);
    expect('"/crm/v4/objects/"'.match(NUMERIC)).toEqual(["/crm/v4"]);
  });
});
