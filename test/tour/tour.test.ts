import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type DevServer, PORT, ROOT, startDev } from "../browser/harness";

/**
 * `npm run tour` against a fresh `npm run dev` (its own local state, the emulators started anew),
 * as the README tells a newcomer to run it: every step must pass, and the script exits 0.
 */
let dev: DevServer | undefined;

beforeAll(async () => {
  dev = await startDev();
}, 180_000);

afterAll(async () => {
  await dev?.stop();
});

it("npm run tour runs green against a fresh npm run dev", { timeout: 300_000 }, async () => {
  const tour = spawn("npm", ["run", "tour"], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", DEV_WORKER_PORT: String(PORT) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  tour.stdout.on("data", (chunk) => (output += chunk));
  tour.stderr.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => tour.once("exit", resolve));
  expect(code, `npm run tour:\n${output}\nnpm run dev (last lines):\n${dev?.log().slice(-3_000)}`).toBe(0);
});
