import { copyFileSync, existsSync, readFileSync } from "node:fs";

/** `.dev.vars` holds local secrets; a fresh checkout gets the committed example's values. */
export function ensureDevVars(root: string): Record<string, string> {
  const path = `${root}/.dev.vars`;
  if (!existsSync(path)) {
    copyFileSync(`${root}/.dev.vars.example`, path);
    console.log("created .dev.vars from .dev.vars.example");
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };
