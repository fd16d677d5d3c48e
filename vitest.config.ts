import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { INTEGRATION_USER_ID } from "./test/emulators/salesforce/index.ts";
import { startEmulators } from "./test/emulators/start.ts";
import { TEST_BINDINGS } from "./test/support/test-bindings.ts";
import { PRODUCT_FIELDS } from "./src/core/model/product-fields.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The Worker under test talks to these through the real SDKs; tests drain their webhooks.
  const emulators = await startEmulators({
    unref: true,
    // Every answer is checked against HubSpot's OpenAPI documents; test/support/emulator-answers.ts asserts none broke them.
    hubspot: { checkResponses: true },
    salesforce: {
      // The product's fields, and a consent checkbox with its date (a date on Lead, a date/time on
      // Contact: an org may have either) for forms that keep consent in a field.
      customFields: {
        Lead: [
          ...Object.values(PRODUCT_FIELDS.salesforce),
          { name: "Marketing_Consent__c", type: "boolean" },
          { name: "Marketing_Consent_Date__c", type: "date" },
        ],
        Contact: [
          ...Object.values(PRODUCT_FIELDS.salesforce),
          { name: "Marketing_Consent__c", type: "boolean" },
          { name: "Marketing_Consent_Date__c", type: "datetime" },
        ],
      },
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
    GOOGLE_CALENDAR_API_BASE: emulators.urls.google,
    // The service account made for this run (its token_uri is the emulator's): a secret, as in production.
    GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(emulators.googleKey),
    MICROSOFT_GRAPH_API_BASE: emulators.urls.microsoft,
    MICROSOFT_LOGIN_BASE: emulators.urls.microsoft,
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
                // Events and effects go at once: a batch is what one send holds. Production's consumers wait up to
                // 1 s to fill a batch (wrangler.toml); here that second was most of the worker tests' time.
                queueConsumers: {
                  "lead-follow-up-record-events": { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 10 },
                  "lead-follow-up-effects": { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 100 },
                },
                // wrangler.toml's per-form intake limit is 200 per 10 s; a test reaches 20 per minute sooner.
                ratelimits: {
                  INTAKE_FORM_RATE_LIMIT: { namespace_id: "4202", simple: { limit: 20, period: 60 } },
                  // wrangler.toml's 60 per minute per address; the booking tests send each request from its own address.
                  BOOKING_RATE_LIMIT: { namespace_id: "4205", simple: { limit: 10, period: 60 } },
                },
              },
            }),
          ],
          test: {
            name: "worker",
            // The emulators are shared and fault injection is global: one file at a time.
            fileParallelism: false,
            setupFiles: ["./test/support/apply-migrations.ts", "./test/support/emulator-answers.ts"],
            include: ["test/integration/**/*.test.ts"],
          },
        },
        {
          // The pure core (rules, time, policy, parsers, signatures): plain Node, no workerd.
          // Some are property tests over thousands of cases: generous time on a busy machine.
          test: { name: "unit", environment: "node", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 },
        },
        {
          // The emulators and the scripts are Node programs; they are tested in Node.
          test: { name: "node", environment: "node", include: ["test/emulators/**/*.test.ts", "test/node/**/*.test.ts"] },
        },
        {
          // Headless Chromium against `npm run dev`, after the other projects (it needs the CPU to itself).
          test: {
            name: "browser",
            environment: "node",
            include: ["test/browser/**/*.test.ts"],
            // Each file runs its own `npm run dev` on the same ports: one at a time.
            fileParallelism: false,
            sequence: { groupOrder: 1 },
            testTimeout: 180_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});
