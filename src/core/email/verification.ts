import { canonicalAddress, parseAddress } from "../model/email-address";
import { emailDomainKind } from "../intake/email-domain";

/*
 * Verifying an address before anyone emails it: syntax, whether its domain takes mail (MX, else
 * an A record, RFC 5321 §5.1; a null MX, RFC 7505, takes none), role addresses, disposable and
 * free mail. Pure: the DNS answers are looked up (and cached per domain) by the caller.
 */

export const VERDICTS = ["deliverable", "risky", "undeliverable", "unknown"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What DNS said about a domain's mail: its MX hosts, whether it has an address, or that it could not be asked. */
export type DomainMail =
  | { kind: "mx"; hosts: string[] }
  | { kind: "nullMx" }
  | { kind: "aOnly" }
  | { kind: "noMail" }
  | { kind: "noDomain" }
  | { kind: "lookupFailed"; detail: string };

export interface Verification {
  address: string;
  verdict: Verdict;
  /** Why, in words, worst first ("no MX or A record for example.invalid", "role address (sales@)"). */
  reasons: string[];
  checkedAt: string;
}

/**
 * Local parts that name a function, not a person: mail to them reaches a shared inbox or a list
 * (and often complains). Matched whole, before any +tag.
 */
export const ROLE_LOCAL_PARTS: ReadonlySet<string> = new Set([
  "abuse",
  "admin",
  "administrator",
  "billing",
  "contact",
  "enquiries",
  "help",
  "hello",
  "hostmaster",
  "info",
  "inquiries",
  "jobs",
  "mail",
  "marketing",
  "news",
  "noreply",
  "no-reply",
  "office",
  "postmaster",
  "privacy",
  "sales",
  "security",
  "support",
  "team",
  "webmaster",
]);

export function isRoleAddress(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf("@")).toLowerCase();
  const plus = local.indexOf("+");
  return ROLE_LOCAL_PARTS.has(plus > 0 ? local.slice(0, plus) : local);
}

/** The domain whose DNS decides an address, or null when the address is not one. */
export function verificationDomain(address: string): string | null {
  const bare = parseAddress(address);
  return bare ? bare.slice(bare.lastIndexOf("@") + 1) : null;
}

/** The verdict for an address given what DNS says of its domain (undefined: syntax failed first). */
export function verify(address: string, mail: DomainMail | undefined, now: Date): Verification {
  const checkedAt = now.toISOString();
  const bare = parseAddress(address);
  const canonical = canonicalAddress(address);
  if (!bare || !canonical)
    return { address: address.trim().toLowerCase(), verdict: "undeliverable", reasons: ["not a valid email address"], checkedAt };
  const domain = bare.slice(bare.lastIndexOf("@") + 1);
  const reasons: string[] = [];
  let verdict: Verdict = "deliverable";
  switch (mail?.kind) {
    case "noDomain":
      return { address: canonical, verdict: "undeliverable", reasons: [`the domain ${domain} does not exist`], checkedAt };
    case "nullMx":
      return { address: canonical, verdict: "undeliverable", reasons: [`${domain} accepts no mail (null MX)`], checkedAt };
    case "noMail":
      return { address: canonical, verdict: "undeliverable", reasons: [`no MX or A record for ${domain}`], checkedAt };
    case "lookupFailed":
      verdict = "unknown";
      reasons.push(`DNS could not say whether ${domain} takes mail (${mail.detail})`);
      break;
    case "aOnly":
      reasons.push(`${domain} has no MX record; mail goes to its A record`);
      break;
    case "mx":
      break;
    case undefined:
      verdict = "unknown";
      reasons.push(`${domain} was not looked up`);
      break;
  }
  const kind = emailDomainKind(domain);
  if (kind === "disposable") {
    if (verdict === "deliverable") verdict = "risky";
    reasons.push(`${domain} is a disposable inbox service`);
  }
  if (isRoleAddress(bare)) {
    if (verdict === "deliverable") verdict = "risky";
    reasons.push(`role address (${bare.slice(0, bare.indexOf("@"))}@): a shared inbox, not a person`);
  }
  if (kind === "free") reasons.push(`${domain} is free mail`);
  return { address: canonical, verdict, reasons, checkedAt };
}

/** A hard bounce settles it, whatever DNS said. */
export function bouncedVerification(address: string, detail: string, now: Date): Verification {
  return {
    address: canonicalAddress(address) ?? address.trim().toLowerCase(),
    verdict: "undeliverable",
    reasons: [`hard bounce: ${detail}`.slice(0, 300)],
    checkedAt: now.toISOString(),
  };
}

/**
 * What a DNS-over-HTTPS JSON answer (Cloudflare's and Google's schema: Status is the RCODE,
 * Answer the records) says about a domain's mail, from its MX answer and, without MX, its A answer.
 */
export function domainMailOf(
  mx: { Status: number; Answer?: { type: number; data: string }[] },
  a?: { Status: number; Answer?: { type: number }[] },
): DomainMail {
  if (mx.Status === 3) return { kind: "noDomain" };
  if (mx.Status !== 0) return { kind: "lookupFailed", detail: `DNS status ${mx.Status}` };
  const records = (mx.Answer ?? []).filter((r) => r.type === 15);
  if (records.length > 0) {
    const hosts = records.map((r) => r.data.trim().split(/\s+/)[1] ?? "").map((h) => h.replace(/\.$/, ""));
    // RFC 7505: a single MX of preference 0 and host "." says the domain takes no mail.
    if (hosts.length === 1 && hosts[0] === "") return { kind: "nullMx" };
    return { kind: "mx", hosts: hosts.filter((h) => h !== "") };
  }
  if (!a) return { kind: "lookupFailed", detail: "no MX; the A record was not looked up" };
  if (a.Status === 3) return { kind: "noDomain" };
  if (a.Status !== 0) return { kind: "lookupFailed", detail: `DNS status ${a.Status}` };
  return (a.Answer ?? []).some((r) => r.type === 1) ? { kind: "aOnly" } : { kind: "noMail" };
}
