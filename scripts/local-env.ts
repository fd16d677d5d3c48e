import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/** A `.dev.vars` (dotenv) file as names and values. */
export function readVars(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

/**
 * `.dev.vars` holds local secrets; a fresh checkout gets the committed example's values, and an
 * older `.dev.vars` gets the variables added since (its own values are never changed).
 */
export function ensureDevVars(root: string): Record<string, string> {
  const path = `${root}/.dev.vars`;
  const example = `${root}/.dev.vars.example`;
  if (!existsSync(path)) {
    copyFileSync(example, path);
    console.log("created .dev.vars from .dev.vars.example");
  }
  const vars = readVars(path);
  const missing = Object.entries(readVars(example)).filter(([name]) => !(name in vars));
  if (missing.length > 0) {
    appendFileSync(path, `\n# Added from .dev.vars.example\n${missing.map(([name, value]) => `${name}=${value}`).join("\n")}\n`);
    console.log(`added to .dev.vars: ${missing.map(([name]) => name).join(", ")}`);
    for (const [name, value] of missing) vars[name] = value;
  }
  return vars;
}

/** Sets one variable of `.dev.vars` (its line replaced, or added): the others and the comments stay as they are. */
export function setDevVar(root: string, name: string, value: string): void {
  const path = `${root}/.dev.vars`;
  const lines = readFileSync(path, "utf8").split("\n");
  const at = lines.findIndex((line) => line.includes("=") && line.split("=")[0]!.trim() === name);
  if (at >= 0) lines[at] = `${name}=${value}`;
  else lines.push(`${name}=${value}`);
  writeFileSync(path, lines.join("\n"));
}

export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };

/** How many migrations wrangler's `d1 migrations apply` output says it applied; null when it says neither. */
export function migrationsApplied(output: string): number | null {
  const applying = /About to apply (\d+) migration/.exec(output);
  if (applying) return Number(applying[1]);
  return /No migrations to apply/.test(output) ? 0 : null;
}

/**
 * Applies the D1 migrations to the local database and says so in one line. wrangler prints a
 * table per migration (some 400 lines on a fresh state), which buries what `npm run dev` says
 * after it; its whole output is shown only when it fails, so an error is never hidden.
 */
export function applyLocalMigrations(root: string): void {
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], { cwd: root, env: wranglerEnv, encoding: "utf8" });
  if (migrate.status !== 0) {
    process.stdout.write(migrate.stdout ?? "");
    process.stderr.write(migrate.stderr ?? "");
    console.error(`D1 migrations failed (wrangler exited with ${migrate.status ?? migrate.signal}): its output is above`);
    process.exit(migrate.status ?? 1);
  }
  const applied = migrationsApplied(migrate.stdout);
  console.log(`D1 migrations: ${applied === null ? "applied" : `${applied} applied`} to the local database`);
}
