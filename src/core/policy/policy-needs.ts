import type { Crm } from "../model/crm-event";
import type { Policy } from "./policy";
import { stopProperties } from "./stop-conditions";

/** The CRM's owner field: every rule that routes or messages an owner reads it. */
export const OWNER_PROPERTY: Record<Crm, string> = { hubspot: "hubspot_owner_id", salesforce: "OwnerId" };

/**
 * What a policy's rules need from one CRM for one object type: the record events they react to,
 * the properties whose changes they must hear of (webhook subscriptions, CDC fields), and the
 * properties they read fresh from the CRM (field access for the integration user). A deployment's
 * subscriptions and permissions are checked against this, so a rule that starts using a field the
 * installation does not deliver fails a test instead of going quiet in production.
 *
 * The names the rules also read so the console knows a record by them (a person's first and last
 * name, a deal's name: record-name.ts) are standard fields every integration user may read; they
 * are not needs, so they add no subscription, permission or reconciliation field.
 */
export interface ObjectNeeds {
  objectType: string;
  events: RecordEventNeed[];
  propertyChanges: string[];
  reads: string[];
}

export type RecordEventNeed = "creation" | "deletion" | "merge" | "restore";

/**
 * The properties the console's lead search finds a record by (its email and name: see
 * searchableOf in storage/record-search.ts), per CRM and object type. A record knows only what its
 * webhooks and the rules' reads brought, and HubSpot sends only the properties subscribed to, so
 * without these a contact's name never reaches the search. Salesforce's change events carry every
 * changed field (a lead's `Name` as its parts).
 */
export const SEARCH_PROPERTIES: Record<Crm, Record<string, readonly string[]>> = {
  hubspot: { contact: ["email", "firstname", "lastname"], deal: ["dealname"] },
  salesforce: { lead: ["Email", "FirstName", "LastName"], contact: ["Email", "FirstName", "LastName"], opportunity: ["Name"] },
};

/**
 * What a deployment needs from one CRM: the rules' needs, and for each object type they follow the
 * changes of the properties the console's search reads. The installation kit subscribes to these.
 */
export function deploymentNeeds(policy: Policy, crm: Crm): ObjectNeeds[] {
  return policyNeeds(policy, crm).map((needs) => ({
    ...needs,
    propertyChanges: [...new Set([...needs.propertyChanges, ...(SEARCH_PROPERTIES[crm][needs.objectType] ?? [])])].sort(),
  }));
}

export function policyNeeds(policy: Policy, crm: Crm): ObjectNeeds[] {
  const byType = new Map<string, { events: Set<RecordEventNeed>; propertyChanges: Set<string>; reads: Set<string> }>();
  const need = (
    objectTypes: readonly string[],
    part: { events?: RecordEventNeed[]; propertyChanges?: (string | undefined)[]; reads?: (string | undefined)[] },
  ) => {
    for (const objectType of objectTypes) {
      const entry = byType.get(objectType) ?? { events: new Set(), propertyChanges: new Set(), reads: new Set() };
      byType.set(objectType, entry);
      for (const event of part.events ?? []) entry.events.add(event);
      for (const name of part.propertyChanges ?? []) if (name) entry.propertyChanges.add(name);
      for (const name of part.reads ?? []) if (name) entry.reads.add(name);
    }
  };
  const owner = OWNER_PROPERTY[crm];
  const { staleLead, stageGates, cadences } = policy.rules;

  if (staleLead?.enabled) {
    const activity = staleLead.activityProperties[crm] ?? [];
    need(staleLead.objectTypes, {
      events: ["creation", "deletion", "merge"],
      propertyChanges: activity,
      reads: [...activity, owner, staleLead.scoreProperty[crm], staleLead.hibernate[crm]?.property],
    });
  }
  if (stageGates?.enabled && stageGates.stageProperty[crm]) {
    const stage = stageGates.stageProperty[crm];
    const required = stageGates.gates.filter((g) => g.crm === crm).flatMap((g) => g.required);
    need(stageGates.objectTypes, { events: ["creation"], propertyChanges: [stage, ...required, owner], reads: [stage, ...required, owner] });
  }
  if (cadences?.enabled) {
    const stops = stopProperties(cadences.stopWhen, crm);
    const emails = cadences.emailProperties[crm] ?? [];
    need(cadences.objectTypes, {
      events: ["creation", "deletion", "merge"],
      // The owner (open tasks follow a new owner), what stops a cadence, and the addresses replies are matched by.
      propertyChanges: [owner, ...stops, ...emails],
      reads: [
        owner,
        cadences.sourceProperty[crm],
        cadences.leadZone.timeZoneProperty[crm],
        ...(cadences.leadZone.phoneProperties[crm] ?? []),
        cadences.sla?.hot?.scoreProperty[crm],
        ...stops,
        ...emails,
        ...Object.values(cadences.mergeFields).map((field) => field.property[crm]),
      ],
    });
  }
  return [...byType].map(([objectType, entry]) => ({
    objectType,
    events: [...entry.events].sort(),
    propertyChanges: [...entry.propertyChanges].sort(),
    reads: [...entry.reads].sort(),
  }));
}
