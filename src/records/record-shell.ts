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
      const known = knownFresh(record, properties, previousOf, now);
      if (known) return known;
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

/** How long after our form's write created a record its state stands for a read of it. */
export const KNOWN_FRESH_MS = 10 * 60_000;

/**
 * A read the record can answer itself: it was created by our own form's write minutes ago, so
 * every property is what that write set, or what a webhook said since (subscribed properties),
 * or empty. Not when a history is asked, a gap or a change without its value made the record
 * stale, or the write was longer ago (HubSpot's own automations may have set unsubscribed
 * properties by then): those read the CRM.
 */
export function knownFresh(record: RecordState, properties: readonly string[], previousOf: readonly string[] | undefined, now: Date) {
  const written = record.submission?.createdRecord ? record.submission.writtenAt : undefined;
  if (!written || (previousOf?.length ?? 0) > 0 || record.refreshNeeded) return null;
  if (now.getTime() - Date.parse(written) > KNOWN_FRESH_MS || now.getTime() < Date.parse(written)) return null;
  if (properties.some((name) => record.staleProperties?.[name])) return null;
  return { properties: Object.fromEntries(properties.map((name) => [name, record.properties[name]?.value ?? null])) };
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new FailureError(result.failure);
  return result.value;
}
