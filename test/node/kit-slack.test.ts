import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EXAMPLE_WORKER_URL } from "../../scripts/kit/hubspot-webhooks.ts";
import { SLACK_INTERACTIONS_PATH, SLACK_MANIFEST_FILE, slackManifestFor } from "../../scripts/kit/slack-manifest.ts";
import { filesUnder, REPO } from "./kit/salesforce-project.ts";

/**
 * slack/manifest.json against Slack's app manifest reference (docs.slack.dev/reference/app-manifest;
 * the shape of @slack/web-api's Manifest type) and against the Slack Web API methods src/ calls.
 */
const Manifest = z.strictObject({
  _metadata: z.strictObject({ major_version: z.literal(1), minor_version: z.number().int() }),
  display_information: z.strictObject({
    name: z.string().min(1).max(35),
    description: z.string().max(140).optional(),
    background_color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/)
      .optional(),
  }),
  features: z.strictObject({
    app_home: z.strictObject({ home_tab_enabled: z.boolean(), messages_tab_enabled: z.boolean(), messages_tab_read_only_enabled: z.boolean() }),
    bot_user: z.strictObject({ display_name: z.string().min(1).max(80), always_online: z.boolean() }),
  }),
  oauth_config: z.strictObject({ scopes: z.strictObject({ bot: z.array(z.string().regex(/^[a-z]+(:[a-z.]+)+$/)).min(1) }) }),
  settings: z.strictObject({
    interactivity: z.strictObject({ is_enabled: z.literal(true), request_url: z.url({ protocol: /^https$/ }) }),
    org_deploy_enabled: z.boolean(),
    socket_mode_enabled: z.literal(false),
    token_rotation_enabled: z.literal(false),
  }),
});

/** The bot scopes each Web API method the Worker calls needs (each method's page on docs.slack.dev). */
const METHOD_SCOPES: Record<string, string[]> = {
  // To a user id (a DM from the bot) or to a channel the bot is a member of.
  "chat.postMessage": ["chat:write"],
  // The roster import matches Slack users to CRM owners by email.
  "users.list": ["users:read", "users:read.email"],
  // The console's connection check: any token may call it.
  "auth.test": [],
};

function methodsCalled(): string[] {
  const methods = new Set<string>();
  for (const file of filesUnder(join(REPO, "src")).filter((f) => f.endsWith(".ts"))) {
    for (const match of readFileSync(join(REPO, "src", file), "utf8").matchAll(/\/api\/([a-z]+\.[a-zA-Z.]+)/g)) methods.add(match[1]!);
  }
  return [...methods].sort();
}

const manifest = Manifest.parse(JSON.parse(readFileSync(join(REPO, SLACK_MANIFEST_FILE), "utf8")));

describe("slack/manifest.json", () => {
  it("is a manifest Slack's reference describes, with a bot user and interactivity on", () => {
    expect(manifest.features.bot_user.display_name).toBe("Lead Follow-Up");
    // Reps read the bot's DMs in the app's Messages tab; the Worker reads no replies there.
    expect(manifest.features.app_home).toMatchObject({ messages_tab_enabled: true, messages_tab_read_only_enabled: true });
  });

  it("sends button clicks to the Worker's Slack route; npm run kit:slack puts the admin's URL there", () => {
    expect(manifest.settings.interactivity.request_url).toBe(`${EXAMPLE_WORKER_URL}${SLACK_INTERACTIONS_PATH}`);
    expect(slackManifestFor(manifest, "https://leads.acme.example/").settings.interactivity.request_url).toBe(
      "https://leads.acme.example/slack/interactions",
    );
    expect(() => slackManifestFor(manifest, "http://leads.acme.example")).toThrow(/https/);
  });

  it("asks for exactly the bot scopes of the Web API methods src/ calls", () => {
    const called = methodsCalled();
    expect(called).toEqual(expect.arrayContaining(["chat.postMessage", "users.list"]));
    const unknown = called.filter((m) => !METHOD_SCOPES[m]);
    expect(unknown, "add each method's scopes to METHOD_SCOPES and slack/manifest.json").toEqual([]);
    const needed = new Set(called.flatMap((m) => METHOD_SCOPES[m]!));
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});
