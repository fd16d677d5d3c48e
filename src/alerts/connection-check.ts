import type { Ports } from "../env/ports";
import type { ConnectionCheck } from "../platform/connection";
import { redact } from "../platform/failure";

export type { ConnectionCheck } from "../platform/connection";

/**
 * One cheap authenticated call per configured system (nothing is written), each through its own
 * adapter: the same client, credentials and pacing as every write, so the check sees what the
 * writes will see and never spends more of the account's quota than its turn. An unconfigured
 * system is left out.
 */
export async function checkConnections(ports: Pick<Ports, "config" | "crm" | "slack">): Promise<ConnectionCheck[]> {
  const { config } = ports;
  const hubspot = ports.crm(`hubspot:${config.HUBSPOT_PORTAL_ID ?? "unset"}`);
  const salesforce = ports.crm(`salesforce:${config.SALESFORCE_ORG_ID ?? "unset"}`);
  const slack = ports.slack();
  const checks = [hubspot?.checkConnection(), salesforce?.checkConnection(), slack?.checkConnection()].filter((c) => c !== undefined);
  return (await Promise.all(checks)).map((c) => ({ ...c, detail: redact(c.detail) }));
}
