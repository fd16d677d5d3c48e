import { bouncedVerification, type DomainMail, type Verification, verificationDomain, verify } from "../core/email/verification";
import { canonicalAddress } from "../core/model/email-address";
import type { DohResolver } from "../dns/doh-resolver";
import { cacheDomainMail, cachedDomainsMail, storeVerification, storeVerifications, verificationsOf } from "../storage/email-verifications";

/** A domain's mail answer is kept a day; a lookup that failed is asked again after five minutes. */
const DOMAIN_TTL_MS = 86_400_000;
const FAILED_LOOKUP_TTL_MS = 5 * 60_000;
/** An address's verdict is trusted for a week; a hard bounce's for good. */
const VERDICT_TTL_MS = 7 * 86_400_000;

export interface VerifyDeps {
  db: D1Database;
  /** Undefined when DOH_URL is unusable: domains are then not looked up (verdict unknown). */
  resolver: DohResolver | undefined;
  now(): Date;
}

/**
 * The verdict on an address: the stored one while fresh (a hard bounce's always), else syntax,
 * the domain's mail records through DNS over HTTPS (cached per domain), role, disposable and free
 * mail, stored for the next asker.
 */
export async function verifyAddress(deps: VerifyDeps, address: string): Promise<Verification> {
  return (await verifyAddresses(deps, [address]))[0]!;
}

/** The same for many addresses at once: one read of their verdicts, one of their domains, one write. */
export async function verifyAddresses(deps: VerifyDeps, addresses: readonly string[]): Promise<Verification[]> {
  const now = deps.now();
  const canonical = addresses.map((a) => canonicalAddress(a));
  const stored = await verificationsOf(
    deps.db,
    canonical.filter((c): c is string => c !== null),
  );
  const fresh = (v: Verification | undefined) => v && (isBounce(v) || now.getTime() - Date.parse(v.checkedAt) < VERDICT_TTL_MS);
  const stale = addresses.filter((_, i) => canonical[i] && !fresh(stored.get(canonical[i]!)));
  const domains = [...new Set(stale.map((a) => verificationDomain(a)).filter((d): d is string => d !== null))];
  const mail = await cachedDomainsMail(deps.db, domains, now);
  for (const domain of domains) {
    if (mail.has(domain) || !deps.resolver) continue;
    const answer: DomainMail = await deps.resolver.mailOf(domain);
    await cacheDomainMail(deps.db, domain, answer, now, answer.kind === "lookupFailed" ? FAILED_LOOKUP_TTL_MS : DOMAIN_TTL_MS);
    mail.set(domain, answer);
  }
  const made: Verification[] = [];
  const results = addresses.map((address, i) => {
    const known = canonical[i] ? stored.get(canonical[i]!) : undefined;
    if (fresh(known)) return known!;
    const domain = verificationDomain(address);
    const verification = verify(address, domain ? mail.get(domain) : undefined, now);
    if (canonical[i]) made.push(verification);
    return verification;
  });
  await storeVerifications(deps.db, made);
  return results;
}

const isBounce = (v: Verification) => v.verdict === "undeliverable" && v.reasons.some((r) => r.startsWith("hard bounce"));

/** A hard bounce marks the address undeliverable everywhere: intake's score, the next cadence's first email. */
export async function markBounced(db: D1Database, address: string, detail: string, now: Date): Promise<void> {
  await storeVerification(db, bouncedVerification(address, detail, now));
}
