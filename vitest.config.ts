import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/support/test-bindings.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          // Everything about the Worker runs inside workerd, with real D1 and Durable Objects.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              // Explicit values, so a developer's .dev.vars never changes what the tests see.
              miniflare: {
                bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations },
                // Deliver queued events at once instead of waiting to fill a batch.
                queueConsumers: { "lead-follow-up-record-events": { maxBatchTimeout: 0, maxRetries: 10 } },
              },
            }),
          ],
          test: {
            name: "worker",
            setupFiles: ["./test/support/apply-migrations.ts"],
            include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          },
        },
        {
          // The emulators and the scripts are Node programs; they are tested in Node.
          test: { name: "node", environment: "node", include: ["test/emulators/**/*.test.ts", "test/node/**/*.test.ts"] },
        },
      ],
    },
  };
});
