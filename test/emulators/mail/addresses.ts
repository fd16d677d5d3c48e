/**
 * Address lists as email APIs take them: `"Jane Doe" <jane@example.com>, bob@example.com`.
 * Both Postmark and Mailgun accept display names and comma-separated lists; a comma inside a
 * quoted display name does not split.
 */

export interface ParsedAddress {
  /** Lower-case bare address. */
  address: string;
  name?: string;
  /** The entry as it was written. */
  raw: string;
}

export type AddressProblem =
  | { kind: "no-at"; entry: string }
  | { kind: "bad-domain"; entry: string; domain: string; address: string }
  | { kind: "bad-mailbox"; entry: string; address: string };

export type AddressListResult = { ok: true; addresses: ParsedAddress[] } | { ok: false; problem: AddressProblem };

/** Splits on commas outside quotes and angle brackets. */
export function splitAddressList(value: string): string[] {
  const entries: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\" && quoted && i + 1 < value.length) {
      current += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (c === "<" && !quoted) angle = true;
    else if (c === ">" && !quoted) angle = false;
    if (c === "," && !quoted && !angle) {
      if (current.trim()) entries.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim()) entries.push(current.trim());
  return entries;
}

// Postmark publishes the checks it runs on each part of an address
// (https://postmarkapp.com/support/article/1180-what-does-errorcode-300-mean); Mailgun checks
// RFC 5321/5322 syntax. One check serves both emulators: these are fixed patterns, not built
// from input.
const DOMAIN = /^((\.)?[a-zA-Z0-9-])+$/;
const LOCAL_PART = /^[a-z0-9.!#$%&'`*+\-/=^_{}|~]+$/i;

function parseEntry(entry: string): { ok: true; address: ParsedAddress } | { ok: false; problem: AddressProblem } {
  let address = entry;
  let name: string | undefined;
  const open = entry.lastIndexOf("<");
  if (open >= 0 && entry.endsWith(">")) {
    address = entry.slice(open + 1, -1).trim();
    const display = entry.slice(0, open).trim();
    if (display) name = display.startsWith('"') && display.endsWith('"') ? display.slice(1, -1).replace(/\\(.)/g, "$1") : display;
  }
  const at = address.lastIndexOf("@");
  if (at < 0) return { ok: false, problem: { kind: "no-at", entry: address } };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!domain || !DOMAIN.test(domain) || domain.startsWith(".") || domain.endsWith(".") || domain.includes("..") || !domain.includes(".")) {
    return { ok: false, problem: { kind: "bad-domain", entry, domain, address } };
  }
  // RFC 5322: no leading, trailing or consecutive dots in the local part.
  if (!local || !LOCAL_PART.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    return { ok: false, problem: { kind: "bad-mailbox", entry, address } };
  }
  return { ok: true, address: { address: address.toLowerCase(), ...(name ? { name } : {}), raw: entry } };
}

export function parseAddressList(value: string | undefined): AddressListResult {
  const addresses: ParsedAddress[] = [];
  for (const entry of splitAddressList(value ?? "")) {
    const parsed = parseEntry(entry);
    if (!parsed.ok) return parsed;
    addresses.push(parsed.address);
  }
  return { ok: true, addresses };
}

/** `Name <address>` for headers and webhooks. */
export function formatAddress(parsed: { address: string; name?: string }): string {
  if (!parsed.name) return parsed.address;
  const needsQuotes = /[",<>@;:()[\]\\]/.test(parsed.name);
  return needsQuotes ? `"${parsed.name.replace(/(["\\])/g, "\\$1")}" <${parsed.address}>` : `${parsed.name} <${parsed.address}>`;
}
