import { type Config, evaluateConfig, FEATURES, type FeatureName, type FeatureStatus, SETTINGS, type SettingName } from "./config";
import { DEFAULT_POLICY } from "../core/policy/default-policy";
import { Policy } from "../core/policy/policy";

/**
 * `npm run check`: the Worker's own verdict on a deployment's values (src/env/config.ts), plus what
 * only a deployer can get wrong: secrets put in plain-text vars, names the Worker does not read,
 * and a policy that does not fit what is switched on (demo reps, a CRM with no owner to route to,
 * Slack ids with Slack off). Every problem says what to do; no value is ever repeated.
 */

export interface DeploymentInput {
  /** `[vars]` of the wrangler config (of the chosen environment). */
  vars: Record<string, string>;
  /** Secret values (`.dev.vars` locally), or only their names (`wrangler secret list`). */
  secrets: { values: Record<string, string> } | { names: string[] };
  /** Where the values go: advice says `.dev.vars` locally, `wrangler secret put` for a deployment. */
  target: "local" | "deployed";
  /** The active policy (a document, or `GET /admin/policy`'s answer), or why it could not be read. */
  policy?: { source: string; body: unknown } | { source: string; error: string };
}

export type CheckLevel = "on" | "off" | "problem" | "note";

export interface CheckLine {
  level: CheckLevel;
  subject: string;
  text: string;
  /** What to do, one line each. */
  fixes: string[];
}

export interface CheckResult {
  lines: CheckLine[];
  problems: number;
}

const CRMS = ["hubspot", "salesforce"] as const;
type Crm = (typeof CRMS)[number];
const CRM_NAME: Record<Crm, string> = { hubspot: "HubSpot", salesforce: "Salesforce" };
const SOURCES: Record<Crm, FeatureName[]> = {
  hubspot: ["hubspotWebhooks"],
  salesforce: ["salesforceChangeEvents", "salesforceOutboundMessages"],
};
const WRITE_BACK: Record<Crm, FeatureName> = { hubspot: "hubspotWriteBack", salesforce: "salesforceWriteBack" };

function fixFor(name: SettingName, target: DeploymentInput["target"]): string {
  const spec = SETTINGS[name];
  if (spec.kind === "secret") {
    return target === "local" ? `add ${name}=… to .dev.vars: ${spec.about}` : `npx wrangler secret put ${name}: ${spec.about}`;
  }
  return `set ${name} in [vars] of wrangler.toml${target === "local" ? " (or in .dev.vars)" : ""}: ${spec.about}`;
}

export function checkDeployment(input: DeploymentInput): CheckResult {
  const lines: CheckLine[] = [];
  const known = new Set(Object.keys(SETTINGS));

  for (const [name, value] of Object.entries(input.vars)) {
    if (SETTINGS[name as SettingName]?.kind === "secret" && value.trim() !== "") {
      lines.push({
        level: "problem",
        subject: name,
        text: `${name} is in [vars] of wrangler.toml, which is deployed and shown in plain text`,
        fixes: [`remove it from wrangler.toml and \`npx wrangler secret put ${name}\``],
      });
    }
  }
  const secretNames = "names" in input.secrets ? input.secrets.names : Object.keys(input.secrets.values);
  for (const name of secretNames) {
    if (!known.has(name)) {
      lines.push({ level: "note", subject: name, text: "set, but the Worker reads no such value (a misspelt name?)", fixes: [] });
    }
  }

  // As wrangler dev does, local values override [vars]; a deployment's secrets are only names.
  const config =
    "values" in input.secrets
      ? evaluateConfig({ ...input.vars, ...input.secrets.values })
      : evaluateConfig(input.vars, { setButUnseen: new Set(input.secrets.names) });
  for (const [name, status] of Object.entries(config.report.features) as [FeatureName, FeatureStatus][]) {
    lines.push(featureLine(name, status, input.target));
  }
  if (!config.report.working) {
    lines.push({
      level: "problem",
      subject: "deployment",
      text: "nothing can work: no webhook source and no admin API is on",
      fixes: ["set the secrets of at least the admin API and one source (see docs/deploy.md)"],
    });
  }
  lines.push(...policyLines(input, config));
  return { lines, problems: lines.filter((l) => l.level === "problem").length };
}

function featureLine(name: FeatureName, status: FeatureStatus, target: DeploymentInput["target"]): CheckLine {
  const subject = FEATURES[name].label;
  if (status.state === "on") return { level: "on", subject, text: "", fixes: [] };
  const fixes = status.state === "broken" ? [...status.missing, ...status.invalid].map((n) => fixFor(n, target)) : [];
  return { level: status.state === "broken" ? "problem" : "off", subject, text: status.reason, fixes };
}

function policyLines(input: DeploymentInput, config: Config): CheckLine[] {
  const given = input.policy;
  if (!given) {
    return [{ level: "note", subject: "policy", text: "not checked", fixes: ["pass --policy FILE or --policy https://<your worker>"] }];
  }
  if ("error" in given) return [{ level: "problem", subject: "policy", text: `could not be read from ${given.source}: ${given.error}`, fixes: [] }];
  const answer = given.body as { policy?: unknown; version?: unknown };
  const wrapped = typeof answer === "object" && answer !== null && "policy" in answer && "version" in answer;
  const document = wrapped ? answer.policy : given.body;
  const version = wrapped && typeof answer.version === "number" ? answer.version : undefined;
  const parsed = Policy.safeParse(document);
  if (!parsed.success) {
    return parsed.error.issues.slice(0, 20).map((issue) => ({
      level: "problem" as const,
      subject: "policy",
      text: `${issue.path.join(".") || "document"}: ${issue.message}`,
      fixes: [],
    }));
  }
  const policy = parsed.data;
  const lines: CheckLine[] = [];
  const problem = (text: string, ...fixes: string[]) => lines.push({ level: "problem", subject: "policy", text, fixes });
  const note = (text: string) => lines.push({ level: "note", subject: "policy", text, fixes: [] });
  const on = (f: FeatureName) => config.report.features[f].state === "on";

  if (input.target === "deployed") {
    const demo = demoValuesIn(policy);
    if (demo.length > 0) {
      problem(
        `${version === 0 ? "is the shipped default, which has" : "still has"} the emulators' demo values (${demo.slice(0, 4).join(", ")}${demo.length > 4 ? ", …" : ""})`,
        "build the roster: POST /admin/policy/reps/import, then PUT /admin/policy with your reps, teams' fallback owners and alert channels",
      );
    }
  }
  for (const crm of CRMS) {
    const sources = SOURCES[crm].filter(on);
    if (sources.length === 0) continue;
    if (!on(WRITE_BACK[crm])) {
      problem(
        `${CRM_NAME[crm]} events come in (${sources.map((f) => FEATURES[f].label).join(", ")}) but ${FEATURES[WRITE_BACK[crm]].label} is off: the rules' reads, tasks and owner changes there would fail`,
      );
    }
    for (const team of policy.teams) {
      if (!team.fallbackOwners[crm]) problem(`team "${team.id}" has no ${crm} fallback owner (teams.fallbackOwners.${crm})`);
      const routable = team.members.filter((m) => policy.reps.find((r) => r.id === m)?.owners[crm]);
      if (routable.length === 0)
        problem(`team "${team.id}" has no member with a ${crm} owner id: every ${CRM_NAME[crm]} lead would go to the fallback owner`);
    }
  }
  const slackUsers = policy.reps.filter((r) => r.slackUserId);
  const channels = policy.teams.filter((t) => t.alertChannel);
  if ((slackUsers.length > 0 || channels.length > 0) && !on("slackMessages")) {
    problem(
      `sends Slack messages (${slackUsers.length} reps with slackUserId, ${channels.length} teams with alertChannel) but Slack messages are off`,
      "set up Slack (SLACK_BOT_TOKEN), or remove the Slack ids from the policy",
    );
  }
  if (on("slackMessages")) {
    for (const rep of policy.reps.filter((r) => !r.slackUserId)) note(`rep "${rep.id}" has no slackUserId: they get no Slack messages`);
    if (policy.rules.cadences?.enabled && !on("slackButtons")) {
      note("the cadence messages carry buttons, and Slack buttons are off: clicks would be refused");
    }
  }
  if (lines.length === 0)
    lines.push({ level: "on", subject: "policy", text: `${version === undefined ? "" : `version ${version} `}fits this configuration`, fixes: [] });
  return lines;
}

/** Owner, user and channel ids of the shipped default policy: the local emulators', meaningless in a real account. */
function demoValuesIn(policy: Policy): string[] {
  const demo = new Set<string>();
  for (const rep of DEFAULT_POLICY.reps) {
    for (const id of Object.values(rep.owners)) if (id) demo.add(id);
    if (rep.slackUserId) demo.add(rep.slackUserId);
  }
  for (const team of DEFAULT_POLICY.teams) {
    for (const id of Object.values(team.fallbackOwners)) if (id) demo.add(id);
    if (team.alertChannel) demo.add(team.alertChannel);
  }
  const found: string[] = [];
  for (const rep of policy.reps) {
    for (const [crm, id] of Object.entries(rep.owners)) if (id && demo.has(id)) found.push(`rep "${rep.id}" ${crm} owner ${id}`);
    if (rep.slackUserId && demo.has(rep.slackUserId)) found.push(`rep "${rep.id}" Slack user ${rep.slackUserId}`);
  }
  for (const team of policy.teams) {
    for (const [crm, id] of Object.entries(team.fallbackOwners)) if (id && demo.has(id)) found.push(`team "${team.id}" ${crm} fallback ${id}`);
    if (team.alertChannel && demo.has(team.alertChannel)) found.push(`team "${team.id}" channel ${team.alertChannel}`);
  }
  return found;
}
