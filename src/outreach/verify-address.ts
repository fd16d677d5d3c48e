import { bouncedVerification, type Verification, verificationDomain, verify } from "../core/email/verification";
import { canonicalAddress } from "../core/model/email-address";
import type { DohResolver } from "../dns/doh-resolver";
import { cacheDomainMail, cachedDomainMail, storeVerification, verificationsOf } from "../storage/email-verifications";

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
  const now = deps.now();
  const canonical = canonicalAddress(address);
  const domain = verificationDomain(address);
  if (!canonical || !domain) return verify(address, undefined, now);
  const stored = (await verificationsOf(deps.db, [canonical])).get(canonical);
  if (stored && (isBounce(stored) || now.getTime() - Date.parse(stored.checkedAt) < VERDICT_TTL_MS)) return stored;
  let mail = await cachedDomainMail(deps.db, domain, now);
  if (!mail && deps.resolver) {
    mail = await deps.resolver.mailOf(domain);
    await cacheDomainMail(deps.db, domain, mail, now, mail.kind === "lookupFailed" ? FAILED_LOOKUP_TTL_MS : DOMAIN_TTL_MS);
  }
  const verification = verify(address, mail, now);
  await storeVerification(deps.db, verification);
  return verification;
}

const isBounce = (v: Verification) => v.verdict === "undeliverable" && v.reasons.some((r) => r.startsWith("hard bounce"));

/** A hard bounce marks the address undeliverable everywhere: intake's score, the next cadence's first email. */
export async function markBounced(db: D1Database, address: string, detail: string, now: Date): Promise<void> {
  await storeVerification(db, bouncedVerification(address, detail, now));
}
