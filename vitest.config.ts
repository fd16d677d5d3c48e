import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { INTEGRATION_USER_ID } from "./test/emulators/salesforce/index.ts";
import { startEmulators } from "./test/emulators/start.ts";
import { TEST_BINDINGS } from "./test/support/test-bindings.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The Worker under test talks to these through the real SDKs; tests drain their webhooks.
  const emulators = await startEmulators({
    unref: true,
    // Every answer is checked against HubSpot's OpenAPI documents; test/support/emulator-answers.ts asserts none broke them.
    hubspot: { checkResponses: true },
    salesforce: {
      customFields: { Lead: ["Lead_Score__c"] },
      // The Worker's app, and a second one whose sessions a test can age on its own clock.
      oauthClients: Object.fromEntries(
        ["salesforce-dev-client", "salesforce-second-client"].map((id) => [id, { secret: `${id}-secret`, userId: INTEGRATION_USER_ID }]),
      ),
    },
  });
  const emulatorBindings = {
    HUBSPOT_API_BASE: emulators.urls.hubspot,
    SALESFORCE_INSTANCE_URL: emulators.urls.salesforce,
    SLACK_API_BASE: emulators.urls.slack,
  };
  return {
    test: {
      projects: [
        {
          // Everything about the Worker runs inside workerd, with real D1, Durable Objects and Queues.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // Explicit values, so a developer's .dev.vars never changes what the tests see.
                bindings: { ...TEST_BINDINGS, ...emulatorBindings, TEST_MIGRATIONS: migrations },
                // Record events go at once; effects wait up to 1 s to fill a batch, as in production.
                queueConsumers: {
                  "lead-follow-up-record-events": { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 10 },
                  "lead-follow-up-effects": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 100 },
                },
              },
            }),
          ],
          test: {
            name: "worker",
            // The emulators are shared and fault injection is global: one file at a time.
            fileParallelism: false,
            setupFiles: ["./test/support/apply-migrations.ts", "./test/support/emulator-answers.ts"],
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
