/**
 * `npm run dev`: local secrets, local D1 with every migration applied, the HubSpot, Salesforce
 * and Slack emulators, and `wrangler dev` at http://127.0.0.1:8787, wired to each other: the
 * Worker calls the emulators, and the emulators send their webhooks to the Worker.
 */
import { spawn, spawnSync } from "node:child_process";
import { INTEGRATION_USER_ID } from "../test/emulators/salesforce/index.ts";
import { startEmulators } from "../test/emulators/start.ts";
import { ensureDevVars, wranglerEnv } from "./local-env.ts";
import { PRODUCT_FIELDS } from "../src/crm/product-fields.ts";

const root = new URL("..", import.meta.url).pathname;
const PORT = process.env.DEV_WORKER_PORT ?? "8787";
const WORKER = `http://127.0.0.1:${PORT}`;
const vars = ensureDevVars(root);

const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], { cwd: root, stdio: "inherit", env: wranglerEnv });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const portOf = (url: string | undefined, fallback: number) => {
  const match = /^http:\/\/127\.0\.0\.1:(\d+)/.exec(url ?? "");
  return match ? Number(match[1]) : fallback;
};
const emulators = await startEmulators({
  ports: {
    hubspot: portOf(vars.HUBSPOT_API_BASE, 8790),
    salesforce: portOf(vars.SALESFORCE_INSTANCE_URL, 8791),
    slack: portOf(vars.SLACK_API_BASE, 8792),
  },
  hubspot: { clientSecret: vars.HUBSPOT_CLIENT_SECRET, appId: vars.HUBSPOT_APP_ID, webhookTargetUrl: `${WORKER}/webhooks/hubspot` },
  salesforce: {
    webhookSecret: vars.SALESFORCE_WEBHOOK_SECRET,
    orgId: vars.SALESFORCE_ORG_ID,
    webhookTargetUrl: `${WORKER}/webhooks/salesforce`,
    customFields: { Lead: Object.values(PRODUCT_FIELDS.salesforce), Contact: Object.values(PRODUCT_FIELDS.salesforce) },
    // The app the Worker signs in with (client credentials), running as the integration user.
    ...(vars.SALESFORCE_CLIENT_ID && vars.SALESFORCE_CLIENT_SECRET
      ? {
          oauthClients: {
            [vars.SALESFORCE_CLIENT_ID]: {
              secret: vars.SALESFORCE_CLIENT_SECRET,
              userId: vars.SALESFORCE_INTEGRATION_USER_ID ?? INTEGRATION_USER_ID,
            },
          },
        }
      : {}),
  },
  // Button clicks in the emulated Slack (POST /_emulator/click) reach the Worker signed, as Slack's would.
  slack: { interactivityUrl: `${WORKER}/slack/interactions`, signingSecret: vars.SLACK_SIGNING_SECRET },
});
console.log(`emulators: HubSpot ${emulators.urls.hubspot}  Salesforce ${emulators.urls.salesforce}  Slack ${emulators.urls.slack}`);

const wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", PORT, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: wranglerEnv,
});

// Once the Worker answers, create the CRM-side fields that make task writes idempotent.
void (async () => {
  for (let i = 0; i < 120; i++) {
    try {
      const response = await fetch(`${WORKER}/admin/crm/setup`, { method: "POST", headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
      if (response.ok) {
        console.log(`CRM setup: ${JSON.stringify(await response.json())}`);
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error("CRM setup did not run: the Worker did not answer at /admin/crm/setup");
})();

const stop = async (code: number) => {
  await emulators.close();
  process.exit(code);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => void stop(code ?? 0));
