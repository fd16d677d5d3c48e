/**
 * The go-live kit's generator, bundled and run by scripts/kit.ts (src/ is written for a bundler).
 *
 *   hubspot [--worker-url <url>] [--policy <file>]  rewrites hubspot/src/app/webhooks/webhooks-hsmeta.json:
 *       the subscriptions the policy's rules need (the default policy, or the JSON of
 *       GET /admin/policy saved to <file>) and the Worker's URL (kept from the file when not given)
 *   slack --worker-url <url>                         prints slack/manifest.json with the Worker's URL
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy.ts";
import { Policy } from "../../src/core/policy/policy.ts";
import { uncoveredObjectTypes } from "./kit-objects.ts";
import { EXAMPLE_WORKER_URL, formatJson, HUBSPOT_WEBHOOK_PATH, HUBSPOT_WEBHOOKS_FILE, hubspotWebhooksComponent } from "./hubspot-webhooks.ts";
import { SLACK_MANIFEST_FILE, slackManifestFor } from "./slack-manifest.ts";

const root = process.env.KIT_ROOT ?? process.cwd();
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { "worker-url": { type: "string" }, policy: { type: "string" } },
});

function loadPolicy(file: string | undefined): Policy {
  if (!file) return Policy.parse(DEFAULT_POLICY);
  const document = JSON.parse(readFileSync(file, "utf8")) as { policy?: unknown };
  // GET /admin/policy answers {version, policy}; a bare policy document is accepted too.
  const parsed = Policy.safeParse(document.policy ?? document);
  if (!parsed.success)
    throw new Error(`${file} is not a valid policy: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

function currentWorkerUrl(path: string): string {
  try {
    const targetUrl = (JSON.parse(readFileSync(path, "utf8")) as { config: { settings: { targetUrl: string } } }).config.settings.targetUrl;
    return targetUrl.endsWith(HUBSPOT_WEBHOOK_PATH) ? targetUrl.slice(0, -HUBSPOT_WEBHOOK_PATH.length) : EXAMPLE_WORKER_URL;
  } catch {
    return EXAMPLE_WORKER_URL;
  }
}

function main(command: string | undefined) {
  if (command === "hubspot") {
    const policy = loadPolicy(values.policy);
    const types = [policy.rules.staleLead, policy.rules.stageGates, policy.rules.cadences].flatMap((rule) => (rule?.enabled ? rule.objectTypes : []));
    const uncovered = uncoveredObjectTypes(types);
    if (uncovered.length > 0) throw new Error(`no kit delivers events for object types ${uncovered.join(", ")}: see scripts/kit/kit-objects.ts`);
    const path = join(root, HUBSPOT_WEBHOOKS_FILE);
    const component = hubspotWebhooksComponent(policy, values["worker-url"] ?? currentWorkerUrl(path));
    writeFileSync(path, formatJson(component));
    console.log(
      `${HUBSPOT_WEBHOOKS_FILE}: ${component.config.subscriptions.crmObjects.length} subscriptions, target ${component.config.settings.targetUrl}`,
    );
  } else if (command === "slack") {
    if (!values["worker-url"]) throw new Error("slack needs --worker-url https://<your worker>");
    process.stdout.write(formatJson(slackManifestFor(JSON.parse(readFileSync(join(root, SLACK_MANIFEST_FILE), "utf8")), values["worker-url"])));
  } else {
    throw new Error("usage: npm run kit:hubspot [-- --worker-url <url>] [--policy <file>] | npm run kit:slack -- --worker-url <url>");
  }
}

try {
  main(positionals[0]);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
