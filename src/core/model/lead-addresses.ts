import type { Crm } from "./crm-event";
import { canonicalAddress, splitAddresses } from "./email-address";

/** Where a record keeps its email addresses when the policy does not say. */
export const DEFAULT_EMAIL_PROPERTIES: Record<Crm, string[]> = { hubspot: ["email", "hs_additional_emails"], salesforce: ["Email"] };

/** A record's addresses in canonical form, sorted and unique: what the reply index stores. */
export function canonicalAddresses(values: readonly (string | null | undefined)[]): string[] {
  const all = values
    .flatMap((value) => splitAddresses(value))
    .map(canonicalAddress)
    .filter((a): a is string => a !== null);
  return [...new Set(all)].sort();
}
