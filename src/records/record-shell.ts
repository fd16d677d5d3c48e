import type { RuleShell } from "../core/rules/decide";
import type { Policy } from "../core/policy/policy";
import type { RecordState } from "../core/model/record-state";
import { FailureError, type Result } from "../platform/failure";
import type { Ports } from "../env/ports";

/**
 * What a record's rules may ask for, answered from the world: fresh reads and task lookups from
 * the record's CRM, routings from the team's TeamRouter. A read the CRM refuses fails the run
 * with the CRM's classified failure, so the record object knows whether to retry or give up.
 */
export function recordShell(record: RecordState, ports: Ports, policy: Policy, now: Date): RuleShell {
  const crm = () => {
    const port = ports.crm(`${record.crm}:${record.accountId}`);
    // Not permanent: the rules' work resumes once an admin sets the CRM's credentials.
    if (!port) throw new FailureError({ kind: "transient", message: `no ${record.crm} client is configured to read ${record.key}` });
    return port;
  };
  return {
    async read(properties, previousOf) {
      const found = unwrap(await crm().getRecord(record.objectType, record.objectId, properties, previousOf));
      return found && { properties: found.properties, ...(found.previous ? { previous: found.previous } : {}) };
    },
    route: (teamId, excludeOwnerId, decisionKey) => ports.route(teamId, { policy, teamId, crm: record.crm, excludeOwnerId, now, decisionKey }),
    async tasks(keys) {
      const found = unwrap(await crm().findTasks(keys)).map(({ key, status }) => ({ key, status }));
      if (found.length === keys.length) return found;
      // Tasks written before ids were derived are found under their old ids (a fallback read, rare).
      const legacy = await ports.legacyTaskIds([record.key]);
      const old = keys.filter((k) => !found.some((t) => t.key === k) && legacy.has(k));
      if (old.length === 0) return found;
      const keyOf = new Map(old.map((k) => [legacy.get(k)!, k]));
      const again = unwrap(await crm().findTasks([...keyOf.keys()]));
      return [...found, ...again.map((t) => ({ key: keyOf.get(t.key) ?? t.key, status: t.status }))];
    },
  };
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new FailureError(result.failure);
  return result.value;
}
