import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/support/test-bindings.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // Explicit values, so a developer's .dev.vars never changes what the tests see.
        miniflare: { bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations } },
      }),
    ],
    test: {
      setupFiles: ["./test/support/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
