import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy.ts";
import { buildCheckModule } from "../../scripts/check-module.ts";

/**
 * `npm run check` on fixture configurations: each is the committed wrangler.toml and
 * .dev.vars.example (which pass) with one thing broken, so the fixtures follow the real files.
 */
const root = new URL("../..", import.meta.url).pathname;
const run = promisify(execFile);
const wranglerToml = readFileSync(join(root, "wrangler.toml"), "utf8");
const devVars = readFileSync(join(root, ".dev.vars.example"), "utf8");
const SECRET_NAMES = [
  "ADMIN_TOKEN",
  "HUBSPOT_CLIENT_SECRET",
  "HUBSPOT_ACCESS_TOKEN",
  "SALESFORCE_WEBHOOK_SECRET",
  "SALESFORCE_CLIENT_ID",
  "SALESFORCE_CLIENT_SECRET",
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
];
/** A deployment's [vars], filled in as docs/deploy.md says. */
const DEPLOYED_VARS: Record<string, string> = {
  HUBSPOT_APP_ID: "3141592",
  HUBSPOT_PORTAL_ID: "24681357",
  SALESFORCE_ORG_ID: "00D8d000009AbcdEAC",
  SALESFORCE_INTEGRATION_USER_ID: "0058d00000IntgrAAA",
  SALESFORCE_INSTANCE_URL: "https://acme.my.salesforce.com",
};
const setVar = (toml: string, name: string, value: string) => toml.replace(new RegExp(`^${name} = ".*"$`, "m"), `${name} = ${JSON.stringify(value)}`);
const withVars = (toml: string, vars: Record<string, string>) => Object.entries(vars).reduce((t, [k, v]) => setVar(t, k, v), toml);
const setDevVar = (vars: string, name: string, value: string | null) => {
  const without = vars.replace(new RegExp(`^${name}=.*\\n`, "m"), "");
  return value === null ? without : `${without}${name}=${value}\n`;
};

/** A real team's policy: the demo ids replaced. */
const ownPolicy = {
  ...DEFAULT_POLICY,
  reps: DEFAULT_POLICY.reps.map((r, i) => ({
    ...r,
    owners: { hubspot: `9100000${i}`, salesforce: `0058d00000Rep0${i}AAA` },
    slackUserId: `U0ACME00${i}`,
  })),
  teams: DEFAULT_POLICY.teams.map((t) => ({
    ...t,
    fallbackOwners: { hubspot: "91000000", salesforce: "0058d00000Rep00AAA" },
    alertChannel: "C0ACMELEADS",
  })),
};

let dir: string;
let checkModule: string;
// Every case runs the script anew; the Worker's rules it applies are built for Node once.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "check-test-"));
  checkModule = join(dir, "check.mjs");
  await buildCheckModule(checkModule);
});

interface Fixture {
  toml?: string;
  devVars?: string;
  secretList?: string[];
  policy?: unknown;
}

async function check(fixture: Fixture): Promise<{ code: number; out: string }> {
  const sub = mkdtempSync(join(dir, "case-"));
  const args = ["scripts/check.ts", "--config", join(sub, "wrangler.toml")];
  writeFileSync(join(sub, "wrangler.toml"), fixture.toml ?? wranglerToml);
  if (fixture.secretList) {
    writeFileSync(join(sub, "secrets.json"), JSON.stringify(fixture.secretList.map((name) => ({ name, type: "secret_text" }))));
    args.push("--secret-list", join(sub, "secrets.json"));
  } else {
    writeFileSync(join(sub, ".dev.vars"), fixture.devVars ?? devVars);
    args.push("--secrets", join(sub, ".dev.vars"));
  }
  writeFileSync(join(sub, "policy.json"), JSON.stringify(fixture.policy ?? { version: 3, policy: ownPolicy, createdAt: "2026-11-20T09:00:00.000Z" }));
  args.push("--policy", join(sub, "policy.json"));
  try {
    const env = { ...process.env, WRANGLER_SEND_METRICS: "false", LEAD_FOLLOW_UP_CHECK_MODULE: checkModule };
    const { stdout } = await run(process.execPath, args, { cwd: root, env });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const problems = (out: string) => out.split("\n").filter((l) => /^ {2}PROBLEM/.test(l));

describe("npm run check", { timeout: 120_000 }, () => {
  it("passes the committed local configuration and a deployment filled in as docs/deploy.md says", async () => {
    const [local, deployed] = await Promise.all([
      check({ policy: DEFAULT_POLICY }),
      check({ toml: withVars(wranglerToml, DEPLOYED_VARS), secretList: SECRET_NAMES }),
    ]);
    expect(local).toMatchObject({ code: 0 });
    expect(local.out).toContain("No problems.");
    expect(deployed.out).toContain("No problems.");
    expect(deployed.code).toBe(0);
  });

  it("refuses each broken configuration with a message naming it, and never prints a value", async () => {
    const cases: [Fixture, RegExp][] = [
      [{ toml: setVar(wranglerToml, "SLACK_RATE_LIMIT", "lots") }, /PROBLEM {2}Slack messages: SLACK_RATE_LIMIT is invalid: not a quota/],
      [
        { devVars: setDevVar(devVars, "ADMIN_TOKEN", "short-token") },
        /PROBLEM {2}the admin API: ADMIN_TOKEN is invalid: must be at least 16 characters/,
      ],
      [
        { devVars: setDevVar(devVars, "HUBSPOT_APP_ID", null) },
        /PROBLEM {2}HubSpot webhooks: set the HUBSPOT_APP_ID var\n\s+→ set HUBSPOT_APP_ID in \[vars\]/,
      ],
      [{ devVars: setDevVar(devVars, "SALESFORCE_WEBHOOK_SECRET", "not-base64!") }, /SALESFORCE_WEBHOOK_SECRET is invalid: must be whsec_<base64>/],
      [{ devVars: setDevVar(devVars, "EFFECT_MAX_ATTEMPTS", "many") }, /PROBLEM {2}the outbox .*: EFFECT_MAX_ATTEMPTS is invalid/],
      [
        { toml: withVars(wranglerToml, { ...DEPLOYED_VARS, SALESFORCE_INSTANCE_URL: "" }), secretList: SECRET_NAMES },
        /PROBLEM {2}Salesforce write-back: set the SALESFORCE_INSTANCE_URL var/,
      ],
      [
        { toml: withVars(wranglerToml, DEPLOYED_VARS), secretList: SECRET_NAMES.filter((n) => n !== "SALESFORCE_CLIENT_SECRET") },
        /set the SALESFORCE_CLIENT_SECRET secret \(SALESFORCE_CLIENT_ID is set.*\n\s+→ npx wrangler secret put SALESFORCE_CLIENT_SECRET/,
      ],
      [
        { toml: withVars(wranglerToml, { ...DEPLOYED_VARS, HUBSPOT_ACCESS_TOKEN: "pat-na1-0123456789" }), secretList: SECRET_NAMES },
        /PROBLEM {2}HUBSPOT_ACCESS_TOKEN: HUBSPOT_ACCESS_TOKEN is in \[vars\] of wrangler.toml/,
      ],
      [{ secretList: [], toml: withVars(wranglerToml, DEPLOYED_VARS) }, /PROBLEM {2}deployment: nothing can work/],
    ];
    // The secret-in-vars case needs the var line to exist: wrangler.toml has none for a secret.
    cases[7]![0].toml = `${withVars(wranglerToml, DEPLOYED_VARS).replace("[vars]\n", '[vars]\nHUBSPOT_ACCESS_TOKEN = "pat-na1-0123456789"\n')}`;
    const results = await Promise.all(cases.map(([fixture]) => check(fixture)));
    results.forEach((result, i) => {
      expect(result.code, result.out).toBe(1);
      expect(result.out).toMatch(cases[i]![1]);
      for (const value of ["lots", "short-token", "not-base64!", "many", "pat-na1-0123456789"]) expect(result.out).not.toContain(value);
    });
  });

  it("refuses a policy that does not fit the deployment: demo reps, no owner to route to, Slack ids with Slack off", async () => {
    const toml = withVars(wranglerToml, DEPLOYED_VARS);
    const noSlack = SECRET_NAMES.filter((n) => !n.startsWith("SLACK_"));
    const [demo, noOwners, slackOff, invalid] = await Promise.all([
      check({ toml, secretList: SECRET_NAMES, policy: { version: 0, policy: DEFAULT_POLICY } }),
      check({
        toml,
        secretList: SECRET_NAMES,
        policy: { ...ownPolicy, reps: ownPolicy.reps.map((r) => ({ ...r, owners: { salesforce: r.owners.salesforce } })) },
      }),
      check({ toml, secretList: noSlack, policy: ownPolicy }),
      check({ toml, secretList: SECRET_NAMES, policy: { ...ownPolicy, teams: [{ ...ownPolicy.teams[0]!, members: ["alex", "nobody"] }] } }),
    ]);
    expect(problems(demo.out)[0]).toMatch(/policy: is the shipped default, which has the emulators' demo values \(rep "alex" hubspot owner 84213371/);
    expect(demo.out).toContain("POST /admin/policy/reps/import");
    expect(problems(noOwners.out)).toEqual([
      '  PROBLEM  policy: team "inbound" has no member with a hubspot owner id: every HubSpot lead would go to the fallback owner',
    ]);
    expect(problems(slackOff.out)).toEqual([
      "  PROBLEM  policy: sends Slack messages (2 reps with slackUserId, 1 teams with alertChannel) but Slack messages are off",
    ]);
    expect(problems(invalid.out)).toEqual(['  PROBLEM  policy: teams.0.members.1: unknown rep "nobody"']);
    for (const result of [demo, noOwners, slackOff, invalid]) expect(result.code).toBe(1);
  });
});
