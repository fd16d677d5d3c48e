/**
 * `npm run check`: names every missing or invalid value of a deployment before it goes out, with
 * what to do, and never prints a value. It reads the wrangler config's [vars], the secrets (their
 * values from `.dev.vars` locally; only their names from `wrangler secret list` for a deployment)
 * and the active policy, and applies the Worker's own rules (src/env/config.ts, src/env/deploy-check.ts).
 *
 *   npm run check                                    local: wrangler.toml + .dev.vars, policy of `npm run dev` if it runs
 *   npm run check -- --deployed --policy https://lead-follow-up.<you>.workers.dev
 *                                                    a deployment: `wrangler secret list`, policy through the admin API (ADMIN_TOKEN from the environment)
 *   options: --config FILE  --env NAME  --secrets FILE (.dev.vars format)  --secret-list FILE (JSON of `wrangler secret list`)
 *            --policy FILE|URL (a policy document, GET /admin/policy's answer, or the Worker's URL)
 * Exit status 1 when there is a problem, 2 when the inputs cannot be read.
 * LEAD_FOLLOW_UP_CHECK_MODULE names a module already built by buildCheckModule (check-module.ts):
 * the tests run this script many times and build the Worker's rules for Node once.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseToml } from "smol-toml";
import { buildCheckModule } from "./check-module.ts";
import { readVars, wranglerEnv } from "./local-env.ts";

/** The slice of src/env/deploy-check.ts this script uses (that module is built for Node below, not imported). */
interface CheckLine {
  level: "on" | "off" | "problem" | "note";
  subject: string;
  text: string;
  fixes: string[];
}
interface DeploymentInput {
  vars: Record<string, string>;
  secrets: { values: Record<string, string> } | { names: string[] };
  target: "local" | "deployed";
  policy?: { source: string; body: unknown } | { source: string; error: string };
}
type CheckDeployment = (input: DeploymentInput) => { lines: CheckLine[]; problems: number };

const root = new URL("..", import.meta.url).pathname;
const LOCAL_WORKER = "http://127.0.0.1:8787";

function fail(message: string): never {
  console.error(`npm run check: ${message}`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    config: { type: "string" },
    env: { type: "string" },
    deployed: { type: "boolean", default: false },
    secrets: { type: "string" },
    "secret-list": { type: "string" },
    policy: { type: "string" },
  },
});
const configPath = args.config ?? join(root, "wrangler.toml");
const target = args.deployed || args["secret-list"] ? "deployed" : "local";

let vars: Record<string, string>;
try {
  const config = parseToml(readFileSync(configPath, "utf8")) as {
    vars?: Record<string, unknown>;
    env?: Record<string, { vars?: Record<string, unknown> }>;
  };
  // As wrangler reads them: an environment's vars are its own, not inherited from the top level.
  const section = args.env ? config.env?.[args.env] : config;
  if (!section) fail(`${configPath} has no [env.${args.env}]`);
  vars = Object.fromEntries(Object.entries(section.vars ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
} catch (error) {
  fail(`cannot read ${configPath}: ${(error as Error).message}`);
}

let secrets: DeploymentInput["secrets"];
let secretsSource: string;
if (target === "deployed") {
  let listed: string;
  if (args["secret-list"]) {
    secretsSource = args["secret-list"];
    listed = readFileSync(args["secret-list"], "utf8");
  } else {
    secretsSource = "`wrangler secret list`";
    const run = spawnSync(
      "npx",
      ["wrangler", "secret", "list", "--format", "json", "--config", configPath, ...(args.env ? ["--env", args.env] : [])],
      { cwd: root, env: wranglerEnv, encoding: "utf8" },
    );
    if (run.status !== 0) fail(`\`wrangler secret list\` failed (logged in? deployed once?): ${run.stderr.trim().split("\n").at(-1)}`);
    listed = run.stdout;
  }
  try {
    const names = (JSON.parse(listed) as { name: string }[]).map((s) => s.name);
    secrets = { names };
  } catch {
    fail(`${secretsSource} is not the JSON of \`wrangler secret list --format json\``);
  }
} else {
  const file = args.secrets ?? join(root, args.env ? `.dev.vars.${args.env}` : ".dev.vars");
  secretsSource = file;
  if (!existsSync(file)) {
    if (args.secrets) fail(`no such file: ${file}`);
    console.log(`(no ${file}: \`npm run dev\` creates it from .dev.vars.example)`);
  }
  secrets = { values: existsSync(file) ? readVars(file) : {} };
}

async function readPolicy(): Promise<DeploymentInput["policy"]> {
  const given = args.policy;
  const token = process.env.ADMIN_TOKEN ?? ("values" in secrets ? secrets.values.ADMIN_TOKEN : undefined);
  if (given && !/^https?:\/\//.test(given)) {
    try {
      return { source: given, body: JSON.parse(readFileSync(given, "utf8")) };
    } catch (error) {
      return { source: given, error: (error as Error).message };
    }
  }
  const base = (given ?? (target === "local" ? LOCAL_WORKER : undefined))?.replace(/\/$/, "");
  if (!base) return undefined;
  const url = base.endsWith("/admin/policy") ? base : `${base}/admin/policy`;
  if (!token) return { source: url, error: "no ADMIN_TOKEN to ask with: set it in the environment" };
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return { source: url, error: `HTTP ${response.status}` };
    return { source: url, body: await response.json() };
  } catch (error) {
    // Locally the Worker may simply not be running: that leaves the policy unchecked, not wrong.
    if (!given) return undefined;
    return { source: url, error: (error as Error).message };
  }
}

async function loadCheck(): Promise<CheckDeployment> {
  const built = process.env.LEAD_FOLLOW_UP_CHECK_MODULE;
  if (built) return ((await import(built)) as { checkDeployment: CheckDeployment }).checkDeployment;
  const outfile = join(tmpdir(), `lead-follow-up-check-${process.pid}.mjs`);
  await buildCheckModule(outfile);
  try {
    return ((await import(outfile)) as { checkDeployment: CheckDeployment }).checkDeployment;
  } finally {
    rmSync(outfile, { force: true });
  }
}

const [checkDeployment, policy] = await Promise.all([loadCheck(), readPolicy()]);
const result = checkDeployment({ vars, secrets, target, policy });

const LABEL: Record<CheckLine["level"], string> = { on: "on", off: "off", problem: "PROBLEM", note: "note" };
console.log(
  `npm run check: ${configPath.replace(root, "")}${args.env ? ` (env ${args.env})` : ""} · secrets from ${secretsSource.replace(root, "")} · policy ${
    policy ? `from ${policy.source}` : "not given"
  }\n`,
);
for (const line of result.lines) {
  console.log(`  ${LABEL[line.level].padEnd(8)} ${line.subject}${line.text ? `: ${line.text}` : ""}`);
  for (const fix of line.fixes) console.log(`           → ${fix}`);
}
console.log(
  result.problems === 0
    ? "\nNo problems."
    : `\n${result.problems} problem${result.problems === 1 ? "" : "s"}: fix ${result.problems === 1 ? "it" : "them"} before deploying.`,
);
process.exit(result.problems === 0 ? 0 : 1);
