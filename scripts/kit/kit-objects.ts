import { SALESFORCE_RECORD_TYPES } from "../../src/crm/salesforce-picklists.ts";
import type { Crm } from "../../src/core/model/crm-event.ts";

/**
 * The record types each CRM's kit (hubspot/, salesforce/) delivers events for, by the policy's
 * object type names. A policy's object types are shared between CRMs ("contact" is a HubSpot
 * contact and a Salesforce Contact; "lead" is a Salesforce Lead, and not HubSpot's Leads object),
 * so each kit follows the types listed here and every type a policy names must be in one of them.
 */
export const KIT_OBJECT_TYPES: Record<Crm, Record<string, string>> = {
  // policy object type → HubSpot webhook objectType
  hubspot: { contact: "contact", deal: "deal" },
  // policy object type → Salesforce sObject (the CRM setup's picklist check uses the same list)
  salesforce: SALESFORCE_RECORD_TYPES,
};

/** Object types no kit follows: a rule on one of them would never hear of a change. */
export function uncoveredObjectTypes(objectTypes: Iterable<string>): string[] {
  const covered = new Set(Object.values(KIT_OBJECT_TYPES).flatMap((types) => Object.keys(types)));
  return [...new Set(objectTypes)].filter((type) => !covered.has(type)).sort();
}
