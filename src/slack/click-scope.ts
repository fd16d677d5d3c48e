import { type Crm, HANDLED_OBJECT_TYPES } from "../core/model/crm-event";

/** The accounts this deployment serves: HUBSPOT_PORTAL_ID and SALESFORCE_ORG_ID, when set. */
export interface ServedAccounts {
  hubspot?: string;
  salesforce?: string;
}

const CRM_NAME: Record<Crm, string> = { hubspot: "HubSpot portal", salesforce: "Salesforce org" };

/**
 * Why a button's record is not one this deployment may act on, from its key alone, or null when
 * it may be. A signed click proves Slack sent it, not that the record it names is ours: the
 * value is whatever the message's author put there. Whether the record exists here (a row in
 * D1) is asked after this, of the keys that pass.
 */
export function foreignRecord(key: { crm: Crm; accountId: string; objectType: string }, served: ServedAccounts): string | null {
  const account = served[key.crm];
  if (!account) return `this deployment serves no ${CRM_NAME[key.crm]}`;
  if (key.accountId !== account) return `the record is in another ${CRM_NAME[key.crm]}`;
  if (!HANDLED_OBJECT_TYPES[key.crm].has(key.objectType)) return `${key.objectType} is not a record type this app follows`;
  return null;
}
