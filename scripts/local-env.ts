import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";

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

export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };
