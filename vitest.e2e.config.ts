import { defineConfig } from "vitest/config";

/**
 * `npm run test:e2e`: the system as a developer runs it. Each file starts `npm run dev` (its
 * emulators, its `.dev.vars`, a Worker on DEV_WORKER_PORT, default 8787) and drives it from
 * outside, so the files run one at a time and apart from `npm test`. `.ci/run` runs both.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          // Headless Chromium through the console and the example form (test/browser/harness.ts).
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      // The tour (`npm run tour`, every step's result against a fresh `npm run dev`) joins here as
      // a project of its own, e.g. { test: { name: "tour", environment: "node", include:
      // ["test/tour/**/*.test.ts"], testTimeout: 180_000 } } with a file that starts the server
      // with startDev() from test/browser/harness.ts and runs the script against it.
    ],
  },
});
