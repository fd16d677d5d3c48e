/**
 * `npm run kit:hubspot` / `npm run kit:slack`: runs scripts/kit/cli.ts. The kit imports the rule
 * core from src/, whose imports are written for a bundler, so it is bundled first (as bench:rules does).
 */
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "lead-follow-up-kit-"));
try {
  const outfile = join(dir, "kit.mjs");
  await build({ entryPoints: [`${root}scripts/kit/cli.ts`], bundle: true, platform: "node", format: "esm", outfile, logLevel: "error" });
  execFileSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, KIT_ROOT: root } });
} catch (error) {
  process.exitCode = 1;
  if ((error as { status?: number }).status === undefined) console.error((error as Error).message);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
