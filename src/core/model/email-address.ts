/**
 * Email addresses as a lead's identity: a reply is matched to a lead by its sender, so two
 * spellings of the same mailbox must compare equal while different mailboxes must not.
 */

export interface Mailbox {
  /** Bare address, lower-cased. */
  address: string;
  /** Display name, without quotes; absent when there is none. */
  name?: string;
}

// Pragmatic, not RFC 5322: quoted local parts and IP-literal domains do not occur in CRM data,
// and accepting them would let garbage through.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/;
/** RFC 5321's limits; longer strings are not deliverable addresses. */
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;

const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

function bareAddress(text: string): string | null {
  const address = text
    .trim()
    .replace(/^mailto:/i, "")
    .toLowerCase();
  if (address.length > MAX_ADDRESS) return null;
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > MAX_LOCAL || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) return null;
  return address;
}

/** `"Jane Doe" <Jane.Doe@Example.com>`, `Jane <jane@x.com>`, `<jane@x.com>` or a bare address. */
export function parseMailbox(text: string | null | undefined): Mailbox | null {
  if (!text) return null;
  const trimmed = text.trim();
  const angled = /^(.*)<([^<>]*)>$/s.exec(trimmed);
  if (!angled) {
    if (/[<>]/.test(trimmed)) return null;
    const address = bareAddress(trimmed);
    return address ? { address } : null;
  }
  const address = bareAddress(angled[2]!);
  if (!address) return null;
  const name = angled[1]!
    .trim()
    .replace(/^"(.*)"$/s, "$1")
    .replace(/\\(.)/g, "$1")
    .trim();
  return name ? { address, name } : { address };
}

/** The lower-cased bare address in `text`, or null when it holds none. */
export function parseAddress(text: string | null | undefined): string | null {
  return parseMailbox(text)?.address ?? null;
}

function splitAt(address: string): [local: string, domain: string] {
  const at = address.lastIndexOf("@");
  return [address.slice(0, at), address.slice(at + 1)];
}

/** `jane+crm@x.com` → `jane@x.com`: sub-addressing delivers to the same mailbox. */
function withoutTag(address: string): string {
  const [local, domain] = splitAt(address);
  const plus = local.indexOf("+");
  return plus > 0 ? `${local.slice(0, plus)}@${domain}` : address;
}

/**
 * The fully normalised form: lower case, no `+tag`, and for Gmail no dots in the local part and
 * gmail.com for googlemail.com (Gmail ignores both). Other providers' dots are significant.
 * Null when `address` is not an address.
 */
export function canonicalAddress(address: string): string | null {
  const parsed = parseAddress(address);
  if (!parsed) return null;
  const [local, domain] = splitAt(withoutTag(parsed));
  if (!GMAIL_DOMAINS.has(domain)) return `${local}@${domain}`;
  return `${local.replaceAll(".", "")}@gmail.com`;
}

/**
 * The addresses in a CRM property that may hold several: HubSpot's hs_additional_emails is
 * `;`-separated, people also type `,` or spaces. Unparseable pieces are dropped; duplicates too.
 */
export function splitAddresses(value: string | null | undefined): string[] {
  if (!value) return [];
  // Splitting on spaces breaks `Jane Doe <jane@x.com>` into words, but the `<…>` piece still parses.
  const found = value
    .split(/[;,\s]+/)
    .map(parseAddress)
    .filter((a): a is string => a !== null);
  return [...new Set(found)];
}
