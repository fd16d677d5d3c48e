import { inArray, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DomainMail, Verification } from "../core/email/verification";
import { emailDomains, emailVerifications } from "./schema";

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
      db
        .prepare(
          `insert into email_verifications (recipient, verdict, reasons, checked_at) values (?1, ?2, ?3, ?4)
           on conflict (recipient) do update set verdict = excluded.verdict, reasons = excluded.reasons, checked_at = excluded.checked_at`,
        )
        .bind(v.address, v.verdict, JSON.stringify(v.reasons), v.checkedAt),
    ),
  );
}

export async function verificationsOf(db: D1Database, recipients: readonly string[]): Promise<Map<string, Verification>> {
  const unique = [...new Set(recipients)];
  if (unique.length === 0) return new Map();
  const rows = await drizzle(db).select().from(emailVerifications).where(inArray(emailVerifications.recipient, unique));
  return new Map(
    rows.map((r) => [r.recipient, { address: r.recipient, verdict: r.verdict, reasons: JSON.parse(r.reasons) as string[], checkedAt: r.checkedAt }]),
  );
}

/** What DNS said of these domains, those whose answers are fresh. */
export async function cachedDomainsMail(db: D1Database, domains: readonly string[], now: Date): Promise<Map<string, DomainMail>> {
  const unique = [...new Set(domains)];
  if (unique.length === 0) return new Map();
  const { results } = await db
    .prepare("select domain, mail from email_domains where domain in (select value from json_each(?1)) and expires_at > ?2")
    .bind(JSON.stringify(unique), now.toISOString())
    .all<{ domain: string; mail: string }>();
  return new Map(results.map((r) => [r.domain, JSON.parse(r.mail) as DomainMail]));
}

/** What DNS said of a domain, while the answer is fresh. */
export async function cachedDomainMail(db: D1Database, domain: string, now: Date): Promise<DomainMail | undefined> {
  const row = await db
    .prepare("select mail from email_domains where domain = ?1 and expires_at > ?2")
    .bind(domain, now.toISOString())
    .first<{ mail: string }>();
  return row ? (JSON.parse(row.mail) as DomainMail) : undefined;
}

export async function cacheDomainMail(db: D1Database, domain: string, mail: DomainMail, now: Date, ttlMs: number): Promise<void> {
  const row = { domain, mail: JSON.stringify(mail), checkedAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  await drizzle(db)
    .insert(emailDomains)
    .values(row)
    .onConflictDoUpdate({ target: emailDomains.domain, set: { mail: row.mail, checkedAt: row.checkedAt, expiresAt: row.expiresAt } })
    .run();
}

/** Cron: domains whose answer has expired go (they are looked up again when next needed). */
export async function forgetExpiredDomains(db: D1Database, now: Date): Promise<void> {
  await drizzle(db).delete(emailDomains).where(lt(emailDomains.expiresAt, now.toISOString())).run();
}
