/**
 * `npm run dev`: local secrets, local D1 with every migration applied, the HubSpot, Salesforce,
 * Slack, Postmark, Mailgun and DNS-over-HTTPS emulators, and `wrangler dev` at http://127.0.0.1:8787, wired to each other: the
 * Worker calls the emulators, and the emulators send their webhooks to the Worker.
 *
 * The emulators start empty every time, so the Worker's local state (D1, Durable Objects,
 * queues under .wrangler/state) starts empty too, or a new contact with a reused id would fold
 * into an old record: `npm run dev -- --keep-state` keeps it. Crons do not fire under
 * `wrangler dev`, so a ticker calls the Worker's scheduled handler every CRON_TICK_S seconds
 * (the outbox sweep, the replay of parked events). A Turnstile stand-in serves the example forms'
 * widget and siteverify when .dev.vars points there. Other arguments go to `wrangler dev`.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { DEFAULT_OWNERS } from "../test/emulators/hubspot/index.ts";
import { INTEGRATION_USER_ID, REP_ONE_USER_ID, REP_TWO_USER_ID } from "../test/emulators/salesforce/index.ts";
import { DEFAULT_USERS } from "../test/emulators/slack/index.ts";
import { startEmulators } from "../test/emulators/start.ts";
import { startTurnstileEmulator } from "../test/emulators/turnstile/index.ts";
import { createTestServiceAccount, type ServiceAccountKeyFile } from "../test/emulators/google-calendar/index.ts";
import { applyLocalMigrations, ensureDevVars, setDevVar, wranglerEnv } from "./local-env.ts";
import { PRODUCT_FIELDS } from "../src/core/model/product-fields.ts";

const root = new URL("..", import.meta.url).pathname;
const PORT = process.env.DEV_WORKER_PORT ?? "8787";
const WORKER = `http://127.0.0.1:${PORT}`;
/** How often the ticker runs the cron's chores; production runs them every 5 minutes. */
const CRON_TICK_S = Number(process.env.DEV_CRON_TICK_S ?? 60);
const vars = ensureDevVars(root);

const args = process.argv.slice(2);
const keepState = args.includes("--keep-state");
const wranglerArgs = args.filter((a) => a !== "--keep-state");
const state = `${root}.wrangler/state`;
if (keepState) {
  console.log(
    `local state: kept (${existsSync(state) ? ".wrangler/state" : "none yet"}); the emulators start empty, so record ids may repeat old ones`,
  );
} else {
  rmSync(state, { recursive: true, force: true });
  console.log("local state: fresh (.wrangler/state cleared: D1, Durable Objects, queues); `npm run dev -- --keep-state` keeps it");
}

applyLocalMigrations(root);

const portOf = (url: string | undefined, fallback: number) => {
  const match = /^http:\/\/127\.0\.0\.1:(\d+)/.exec(url ?? "");
  return match ? Number(match[1]) : fallback;
};
// One person, one address everywhere: the HubSpot owners' (who the default policy's reps are), so
// the roster import matches each rep's HubSpot owner, Salesforce user and Slack member.
const [alex, sam] = DEFAULT_OWNERS;
const inboundAuth = `${encodeURIComponent(vars.POSTMARK_INBOUND_USERNAME ?? "")}:${encodeURIComponent(vars.POSTMARK_INBOUND_PASSWORD ?? "")}`;
const workerWithAuth = WORKER.replace("http://", `http://${inboundAuth}@`);
const googleKey = await emulatorServiceAccount();
const emulators = await startEmulators({
  ports: {
    hubspot: portOf(vars.HUBSPOT_API_BASE, 8790),
    salesforce: portOf(vars.SALESFORCE_INSTANCE_URL, 8791),
    slack: portOf(vars.SLACK_API_BASE, 8792),
    postmark: portOf(vars.POSTMARK_API_BASE, 8797),
    mailgun: portOf(vars.MAILGUN_API_BASE, 8798),
    doh: portOf(vars.DOH_URL, 8799),
    google: portOf(vars.GOOGLE_CALENDAR_API_BASE, 8794),
    microsoft: portOf(vars.MICROSOFT_GRAPH_API_BASE, 8795),
  },
  ...(googleKey ? { googleKey } : {}),
  // Cadence emails land in the providers' mailboxes (/_emulator/messages); their events and the
  // leads' replies come back to the Worker as the providers send them (Postmark: basic auth in the
  // URL; Mailgun: signed with the Worker's key). Any domain typed into a form takes mail.
  postmark: { webhookUrl: `${workerWithAuth}/webhooks/email/postmark/events`, inboundUrl: `${workerWithAuth}/webhooks/email/postmark` },
  mailgun: {
    webhookUrl: `${WORKER}/webhooks/email/mailgun/events`,
    routeUrl: `${WORKER}/webhooks/email/mailgun`,
    ...(vars.MAILGUN_SIGNING_KEY ? { webhookSigningKey: vars.MAILGUN_SIGNING_KEY } : {}),
  },
  doh: { unknownNames: "deliverable" },
  hubspot: {
    clientSecret: vars.HUBSPOT_CLIENT_SECRET,
    clientId: vars.HUBSPOT_CLIENT_ID,
    appId: vars.HUBSPOT_APP_ID,
    webhookTargetUrl: `${WORKER}/webhooks/hubspot`,
  },
  salesforce: {
    webhookSecret: vars.SALESFORCE_WEBHOOK_SECRET,
    orgId: vars.SALESFORCE_ORG_ID,
    webhookTargetUrl: `${WORKER}/webhooks/salesforce`,
    customFields: { Lead: Object.values(PRODUCT_FIELDS.salesforce), Contact: Object.values(PRODUCT_FIELDS.salesforce) },
    users: [
      { Id: REP_ONE_USER_ID, FirstName: alex!.firstName, LastName: alex!.lastName!, Email: alex!.email, TimeZoneSidKey: "America/New_York" },
      { Id: REP_TWO_USER_ID, FirstName: sam!.firstName, LastName: sam!.lastName!, Email: sam!.email, TimeZoneSidKey: "Europe/London" },
    ],
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
  slack: {
    interactivityUrl: `${WORKER}/slack/interactions`,
    signingSecret: vars.SLACK_SIGNING_SECRET,
    users: DEFAULT_USERS.map((user, i) => {
      const owner = [alex!, sam!][i]!;
      return { ...user, name: owner.email!.split("@")[0]!, realName: `${owner.firstName} ${owner.lastName}`, email: owner.email };
    }),
  },
});
// Only when .dev.vars points the Worker at it: with Cloudflare's URLs there, the real widget is used.
const turnstilePort = /^http:\/\/127\.0\.0\.1:(\d+)\//.exec(vars.TURNSTILE_SITEVERIFY_URL ?? "")?.[1];
const turnstile = turnstilePort ? await startTurnstileEmulator(Number(turnstilePort)) : undefined;
console.log(
  `emulators: HubSpot ${emulators.urls.hubspot}  Salesforce ${emulators.urls.salesforce}  Slack ${emulators.urls.slack}${turnstile ? `  Turnstile ${turnstile.url}` : ""}`,
);
console.log(
  `email: Postmark ${emulators.urls.postmark}  Mailgun ${emulators.urls.mailgun}  DNS ${emulators.urls.doh}; sent mail: ${emulators.urls[vars.EMAIL_PROVIDER === "mailgun" ? "mailgun" : "postmark"]}/_emulator/messages`,
);
console.log(`calendars: Google ${emulators.urls.google}  Microsoft Graph ${emulators.urls.microsoft}`);

/**
 * The Google emulator's service account: the key the Worker signs with is a secret in .dev.vars
 * (GOOGLE_SERVICE_ACCOUNT_KEY, base64 of the JSON key file); when the Worker is pointed at the
 * emulator and the line is empty, a test account is made now and its key written there. The
 * emulator trusts the key's public half on every start.
 */
async function emulatorServiceAccount(): Promise<ServiceAccountKeyFile | undefined> {
  const base = vars.GOOGLE_CALENDAR_API_BASE ?? "";
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) return undefined;
  if (vars.GOOGLE_SERVICE_ACCOUNT_KEY) {
    try {
      return JSON.parse(Buffer.from(vars.GOOGLE_SERVICE_ACCOUNT_KEY, "base64").toString("utf8")) as ServiceAccountKeyFile;
    } catch {
      console.error("GOOGLE_SERVICE_ACCOUNT_KEY in .dev.vars is not base64 of a key file: empty the line to have a test account made");
      return undefined;
    }
  }
  const { keyFile } = await createTestServiceAccount({ tokenUri: `${base}/token` });
  setDevVar(root, "GOOGLE_SERVICE_ACCOUNT_KEY", Buffer.from(JSON.stringify(keyFile)).toString("base64"));
  console.log("made a test Google service account for the emulator: its key is GOOGLE_SERVICE_ACCOUNT_KEY in .dev.vars");
  return keyFile;
}

// --test-scheduled exposes /__scheduled, through which the ticker runs the cron's chores.
const wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", PORT, "--test-scheduled", ...wranglerArgs], {
  cwd: root,
  stdio: "inherit",
  env: wranglerEnv,
});

async function untilWorkerAnswers(): Promise<boolean> {
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(`${WORKER}/health`);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

let ticker: ReturnType<typeof setInterval> | undefined;
void (async () => {
  if (!(await untilWorkerAnswers())) {
    console.error("the Worker did not answer at /health: no CRM setup, no cron ticker");
    return;
  }
  // The CRM-side fields that make task writes idempotent.
  const setup = await fetch(`${WORKER}/admin/crm/setup`, { method: "POST", headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } }).catch(
    (error: Error) => error,
  );
  if (setup instanceof Error || !setup.ok) {
    console.error(`CRM setup did not run: ${setup instanceof Error ? setup.message : `HTTP ${setup.status} ${await setup.text()}`}`);
  } else {
    console.log(`CRM setup: ${JSON.stringify(await setup.json())}`);
  }
  console.log(`cron ticker: the scheduled handler runs every ${CRON_TICK_S} s (GET /__scheduled?cron=*/5+*+*+*+*)`);
  ticker = setInterval(async () => {
    const tick = await fetch(`${WORKER}/__scheduled?cron=*/5+*+*+*+*`).catch((error: Error) => error);
    if (tick instanceof Error || !tick.ok) console.error(`cron tick failed: ${tick instanceof Error ? tick.message : `HTTP ${tick.status}`}`);
  }, CRON_TICK_S * 1000);
})();

const stop = async (code: number) => {
  clearInterval(ticker);
  await Promise.all([emulators.close(), turnstile?.close()]);
  process.exit(code);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => void stop(code ?? 0));
