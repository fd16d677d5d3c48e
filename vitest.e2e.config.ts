import { defineConfig } from "vitest/config";

/**
 * `npm run test:e2e`: the system as a developer runs it. Each file starts `npm run dev` (its
 * emulators, its `.dev.vars`, a Worker on DEV_WORKER_PORT, default 8787) and drives it from
 * outside, so the files run one at a time and apart from `npm test`. `.ci/run` runs both.
 */
export default defineConfig({
  test: {
    // Every file starts its own `npm run dev` on the same ports: one file at a time, across projects too.
    maxWorkers: 1,
    fileParallelism: false,
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
      {
        test: {
          // `npm run tour` against a fresh `npm run dev` (test/tour/tour.test.ts): about 2 minutes.
          name: "tour",
          environment: "node",
          include: ["test/tour/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
