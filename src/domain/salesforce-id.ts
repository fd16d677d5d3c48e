import { z } from "zod";

/** Record ids are 15 (case-sensitive) or 18 (case-safe) characters. */
export const SalesforceRecordId = z.string().regex(/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/, "not a 15- or 18-character Salesforce id");

/** Org ids are only compared and embedded in record keys, so any alphanumeric id is accepted. */
export const SalesforceOrgId = z.string().regex(/^[a-zA-Z0-9]{15,20}$/, "not a Salesforce org id");

/** The 15- and 18-character forms of one id share their first 15 characters. */
export function sameSalesforceId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.slice(0, 15) === b.slice(0, 15);
}
