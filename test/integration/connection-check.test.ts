import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkConnections } from "../../src/alerts/connection-check";
import { loadConfig } from "../../src/env/config";
import type { Ports } from "../../src/env/ports";
import { portsFor } from "../../src/ports";

/** The ports the Worker builds for an environment with some settings changed (a rotated token, say). */
const portsWith = (settings: Partial<Env>): Pick<Ports, "config" | "crm" | "slack"> => portsFor({ ...env, ...settings } as Env);

describe("connection checks go through the CRM and Slack ports", () => {
  it("each configured system answers one authenticated read, with the org's daily allowance where it tells it", async () => {
    const checks = await checkConnections(portsFor(env));
    expect(checks.map((c) => [c.system, c.ok, c.signInFailed])).toEqual([
      ["HubSpot", true, false],
      ["Salesforce", true, false],
      ["Slack", true, false],
    ]);
    expect(checks.find((c) => c.system === "Salesforce")!.daily).toMatchObject({ max: expect.any(Number) });
  });

  it("refused credentials are sign-in failures, said without the secret", async () => {
    const checks = await checkConnections(
      portsWith({ HUBSPOT_ACCESS_TOKEN: "hubspot-revoked-token", SLACK_BOT_TOKEN: "xoxb-revoked-token-0000" } as Partial<Env>),
    );
    const hubspot = checks.find((c) => c.system === "HubSpot")!;
    expect(hubspot).toMatchObject({ ok: false, signInFailed: true });
    expect(hubspot.detail).toContain("refused the access token");
    expect(checks.find((c) => c.system === "Slack")).toMatchObject({ ok: false, signInFailed: true, detail: "Slack: invalid_auth" });
    expect(JSON.stringify(checks)).not.toContain("revoked-token");
  });

  it("a system without credentials is left out", async () => {
    const config = loadConfig(env);
    const ports = portsWith({ SLACK_BOT_TOKEN: undefined } as Partial<Env>);
    expect(ports.config.SLACK_BOT_TOKEN).toBeUndefined();
    expect(config.SLACK_BOT_TOKEN).toBeDefined();
    expect((await checkConnections(ports)).map((c) => c.system)).toEqual(["HubSpot", "Salesforce"]);
  });
});
