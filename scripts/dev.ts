/**
 * `npm run dev`: local secrets, local D1 with every migration applied, then `wrangler dev`
 * at http://127.0.0.1:8787.
 */
import { spawn, spawnSync } from "node:child_process";
import { ensureDevVars, wranglerEnv } from "./local-env.ts";

const root = new URL("..", import.meta.url).pathname;
ensureDevVars(root);

const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], { cwd: root, stdio: "inherit", env: wranglerEnv });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", "8787", ...process.argv.slice(2)], {
  cwd: root, stdio: "inherit", env: wranglerEnv,
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 0));
