import { and, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { DomainMail, Verification } from "../core/email/verification";
import { compiled, excluded, orm } from "./orm";
import { emailDomains, emailVerifications } from "./schema";

const p = (name: string) => sql.placeholder(name);

/** A newer verdict replaces an address's older one. */
const upsertVerification = compiled<{ recipient: string; verdict: string; reasons: string; checkedAt: string }>((q) =>
  q
    .insert(emailVerifications)
    .values({ recipient: p("recipient"), verdict: p("verdict"), reasons: p("reasons"), checkedAt: p("checkedAt") })
    .onConflictDoUpdate({
      target: emailVerifications.recipient,
      set: {
        verdict: excluded(emailVerifications.verdict),
        reasons: excluded(emailVerifications.reasons),
        checkedAt: excluded(emailVerifications.checkedAt),
      },
    }),
);

/** The fresh answers of the domains in a bound JSON array. */
const freshDomains = compiled<{ domains: string; now: string }>((q) =>
  q
    .select({ domain: emailDomains.domain, mail: emailDomains.mail })
    .from(emailDomains)
    .where(and(inArray(emailDomains.domain, sql`(select value from json_each(${p("domains")}))`), gt(emailDomains.expiresAt, p("now")))),
);

const freshDomain = compiled<{ domain: string; now: string }>((q) =>
  q
    .select({ mail: emailDomains.mail })
    .from(emailDomains)
    .where(and(eq(emailDomains.domain, p("domain")), gt(emailDomains.expiresAt, p("now")))),
);

/*
 * Address verdicts and the per-domain DNS cache (tables email_verifications and email_domains,
 * owned by outreach; intake stores the verdict of each submission's address through the same
 * port).
 */

export async function storeVerification(db: D1Database, v: Verification): Promise<void> {
  await storeVerifications(db, [v]);
}

/** Stores verdicts, one batch (a newer one replaces an address's older one). */
export async function storeVerifications(db: D1Database, verifications: readonly Verification[]): Promise<void> {
  if (verifications.length === 0) return;
  await db.batch(
    verifications.map((v) =>
      upsertVerification(db, { recipient: v.address, verdict: v.verdict, reasons: JSON.stringify(v.reasons), checkedAt: v.checkedAt }),
    ),
  );
}

export async function verificationsOf(db: D1Database, recipients: readonly string[]): Promise<Map<string, Verification>> {
  const unique = [...new Set(recipients)];
  if (unique.length === 0) return new Map();
  const rows = await orm(db).select().from(emailVerifications).where(inArray(emailVerifications.recipient, unique));
  return new Map(
    rows.map((r) => [r.recipient, { address: r.recipient, verdict: r.verdict, reasons: JSON.parse(r.reasons) as string[], checkedAt: r.checkedAt }]),
  );
}

/** What DNS said of these domains, those whose answers are fresh. */
export async function cachedDomainsMail(db: D1Database, domains: readonly string[], now: Date): Promise<Map<string, DomainMail>> {
  const unique = [...new Set(domains)];
  if (unique.length === 0) return new Map();
  const { results } = await freshDomains(db, { domains: JSON.stringify(unique), now: now.toISOString() }).all<{ domain: string; mail: string }>();
  return new Map(results.map((r) => [r.domain, JSON.parse(r.mail) as DomainMail]));
}

/** What DNS said of a domain, while the answer is fresh. */
export async function cachedDomainMail(db: D1Database, domain: string, now: Date): Promise<DomainMail | undefined> {
  const row = await freshDomain(db, { domain, now: now.toISOString() }).first<{ mail: string }>();
  return row ? (JSON.parse(row.mail) as DomainMail) : undefined;
}

export async function cacheDomainMail(db: D1Database, domain: string, mail: DomainMail, now: Date, ttlMs: number): Promise<void> {
  const row = { domain, mail: JSON.stringify(mail), checkedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  await orm(db)
    .insert(emailDomains)
    .values(row)
    .onConflictDoUpdate({ target: emailDomains.domain, set: { mail: row.mail, checkedAt: row.checkedAt, expiresAt: row.expiresAt } })
    .run();
}

/** Cron: domains whose answer has expired go (they are looked up again when next needed). */
export async function forgetExpiredDomains(db: D1Database, now: Date): Promise<void> {
  await orm(db).delete(emailDomains).where(lt(emailDomains.expiresAt, now.toISOString())).run();
}
