/**
 * Second-level labels under which companies register their own names in many country TLDs
 * (acme.co.uk, acme.com.au): the registrable domain then takes three labels. A full public
 * suffix list is not needed to match a business email to its company's website.
 */
const SHARED_SECOND_LEVEL = new Set(["co", "com", "org", "net", "ac", "gov", "edu", "ltd", "plc", "ne", "or", "go"]);

/** "mail.eu.acme.co.uk" → "acme.co.uk"; "sales.acme.com" → "acme.com". */
export function registrableDomain(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  if (labels.length <= 2) return labels.join(".");
  const [second, top] = labels.slice(-2) as [string, string];
  const take = top.length === 2 && SHARED_SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-take).join(".");
}
