import { SalesforceCrm } from "../crm/salesforce-crm";
import { activePolicy } from "../storage/policies";
import { policyNeeds } from "../core/policy/policy-needs";
import type { Ports } from "../env/ports";
import type { RunDeps } from "./reconciliation-run";
import { journalDeps } from "./journal-gaps";

/**
 * The shell of a reconciliation: the org's Salesforce client of the ports (its session, and the
 * same RateLimiter object as every other call to that org), and the fields the active policy's
 * rules need.
 */
export function reconciliationDeps(env: Env, ports: Ports): RunDeps {
  const orgId = ports.config.SALESFORCE_ORG_ID;
  const crm = orgId ? ports.crm(`salesforce:${orgId}`) : undefined;
  return {
    reader: crm instanceof SalesforceCrm ? crm : undefined,
    wantedFields: async (objectType) => {
      const needs = policyNeeds((await activePolicy(env.DB)).policy, "salesforce").find((n) => n.objectType === objectType);
      return needs ? [...new Set([...needs.reads, ...needs.propertyChanges])] : [];
    },
    integrationUserId: ports.config.SALESFORCE_INTEGRATION_USER_ID,
    now: () => new Date(ports.clock.now()),
    hubspot: journalDeps(ports.config, () => new Date(ports.clock.now())),
  };
}
