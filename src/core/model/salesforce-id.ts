import { z } from "zod";

/** Record ids are 15 (case-sensitive) or 18 (case-safe) characters. */
export const SalesforceRecordId = z.string().regex(/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/, "not a 15- or 18-character Salesforce id");

/** Org ids are only compared and embedded in record keys, so any alphanumeric id is accepted. */
export const SalesforceOrgId = z.string().regex(/^[a-zA-Z0-9]{15,20}$/, "not a Salesforce org id");

/** The 15- and 18-character forms of one id share their first 15 characters. */
export function sameSalesforceId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.slice(0, 15) === b.slice(0, 15);
}

const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/**
 * Whether an 18-character id's last three characters are the case-safe suffix of its first 15
 * (one character per 5-character chunk, a bit per upper-case letter): an id mistyped or cut
 * short when copied into the policy fails this.
 */
export function isCaseSafeSalesforceId(id: string): boolean {
  if (!/^[a-zA-Z0-9]{18}$/.test(id)) return false;
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return id.slice(15) === suffix;
}

/** An 18-character (case-safe) record id, as the policy names records of the org. */
export const CaseSafeSalesforceId = z
  .string()
  .refine(isCaseSafeSalesforceId, "an 18-character Salesforce id (copy it from the record's URL: the 15-character form or a mistyped id is refused)");
