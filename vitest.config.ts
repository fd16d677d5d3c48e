import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { parse as parseToml } from "smol-toml";
import { defineConfig } from "vitest/config";
import { INTEGRATION_USER_ID } from "./test/emulators/salesforce/index.ts";
import { startEmulators } from "./test/emulators/start.ts";
import { TEST_BINDINGS } from "./test/support/test-bindings.ts";
import { printEachWorkerdMessageOnce } from "./test/support/workerd-log.ts";
import { PRODUCT_FIELDS } from "./src/core/model/product-fields.ts";

/**
 * `npm test`: the pure core (unit), the Worker in workerd (worker) and the Node programs (node).
 * The browser walkthroughs run on their own with `npm run test:e2e` (vitest.e2e.config.ts).
 */
const root = import.meta.dirname;

/**
 * wrangler.toml as the Worker runs under test. It is written outside the project, where wrangler
 * finds no `.dev.vars` or `.env` beside it: the tests set every binding they use (TEST_BINDINGS),
 * and a developer's local secrets must neither reach them nor be announced once per run. Paths are
 * made absolute; a consumer's batch timeout (production waits up to seconds to fill a batch) is 0,
 * so a batch is what one send holds and no test waits for a batch to fill.
 */
function wranglerConfigForTests(): string {
  const config = parseToml(readFileSync(path.join(root, "wrangler.toml"), "utf8")) as {
    main: string;
    assets?: { directory?: string };
    d1_databases?: { migrations_dir?: string }[];
    queues?: { consumers?: { max_batch_timeout?: number }[] };
  };
  config.main = path.join(root, config.main);
  if (config.assets?.directory) config.assets.directory = path.join(root, config.assets.directory);
  for (const database of config.d1_databases ?? []) if (database.migrations_dir) database.migrations_dir = path.join(root, database.migrations_dir);
  for (const consumer of config.queues?.consumers ?? []) consumer.max_batch_timeout = 0;
  const dir = path.join(tmpdir(), `lead-follow-up-tests-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "wrangler.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export default defineConfig(async () => {
  printEachWorkerdMessageOnce();
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  // The Worker under test talks to these through the real SDKs; tests drain their webhooks.
  const emulators = await startEmulators({
    unref: true,
    // Every answer is checked against HubSpot's OpenAPI documents; test/support/emulator-answers.ts asserts none broke them.
    hubspot: { checkResponses: true, clientId: TEST_BINDINGS.HUBSPOT_CLIENT_ID, clientSecret: TEST_BINDINGS.HUBSPOT_CLIENT_SECRET },
    // The Worker checks Mailgun's signatures with its own key: the emulator signs with the same.
    mailgun: { webhookSigningKey: TEST_BINDINGS.MAILGUN_SIGNING_KEY },
    // Postmark's event webhooks carry the basic auth the Worker checks (tests drain and POST them).
    postmark: { webhookHttpAuth: { Username: TEST_BINDINGS.POSTMARK_INBOUND_USERNAME, Password: TEST_BINDINGS.POSTMARK_INBOUND_PASSWORD } },
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
    POSTMARK_API_BASE: emulators.urls.postmark,
    MAILGUN_API_BASE: emulators.urls.mailgun,
    DOH_URL: `${emulators.urls.doh}/dns-query`,
    GOOGLE_CALENDAR_API_BASE: emulators.urls.google,
    // The service account made for this run (its token_uri is the emulator's): a secret, as in production.
    GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(emulators.googleKey),
    MICROSOFT_GRAPH_API_BASE: emulators.urls.microsoft,
    MICROSOFT_LOGIN_BASE: emulators.urls.microsoft,
  };
  return {
    // node-fetch (under @hubspot/api-client, which the Worker does not send through) requires its
    // optional peer `encoding` in a try; absent, workerd's module fallback reports that failure
    // loudly. The fallback resolves with this root config, not the worker project's.
    resolve: { alias: { encoding: path.join(root, "test/support/absent-encoding.cjs") } },
    test: {
      projects: [
        {
          // Everything about the Worker runs inside workerd, with real D1, Durable Objects and Queues.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: wranglerConfigForTests() },
              miniflare: {
                // Explicit values: no developer's .dev.vars changes what the tests see (see wranglerConfigForTests).
                bindings: { ...TEST_BINDINGS, ...emulatorBindings, TEST_MIGRATIONS: migrations },
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
            // One runtime for every file, each file starting from empty storage and quiet emulators
            // (test/support/fresh-state.ts). The emulators are shared and fault injection is global:
            // one file at a time.
            isolate: false,
            fileParallelism: false,
            // A test waits for queues, records and emulators: seconds of work, more on a busy machine.
            testTimeout: 30_000,
            hookTimeout: 30_000,
            setupFiles: ["./test/support/fresh-state.ts"],
            include: ["test/integration/**/*.test.ts"],
          },
        },
        {
          // The pure core (rules, time, policy, parsers, signatures): plain Node, no workerd, and
          // no module state between files, so one module graph serves them all.
          // Some are property tests over thousands of cases: generous time on a busy machine.
          test: { name: "unit", environment: "node", isolate: false, include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 },
        },
        {
          // The emulators and the scripts are Node programs; they are tested in Node. Each test
          // starts the servers it uses on ports of its own.
          test: { name: "node", environment: "node", isolate: false, include: ["test/emulators/**/*.test.ts", "test/node/**/*.test.ts"] },
        },
      ],
    },
  };
});
