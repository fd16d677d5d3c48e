// Both lists are npm packages pinned in package.json; a new version is a dependency update (see docs/intake.md).
// disposable-email-domains-js republishes disposable-email-domains/disposable-email-domains (CC0) by a scheduled job;
// email-providers (ISC) is built from goware/emailproviders on each release.
import disposableList from "disposable-email-domains-js/dist/dict/disposable_email_blocklist.json";
import freeMailList from "email-providers/all.json";
import type { EmailKind } from "../policy/scoring-policy";

/*
 * Whether an address belongs to a company, a free mailbox provider or a throwaway inbox: a
 * business address scores better and can be matched to an account by its domain; a disposable one
 * caps the lead's tier. The free-mail list also holds many disposable domains, so the disposable
 * list is asked first.
 */
const DISPOSABLE: ReadonlySet<string> = new Set(disposableList as string[]);
const FREE_MAIL: ReadonlySet<string> = new Set(freeMailList as string[]);

/**
 * A domain's kind. Disposable services hand out subdomains too ("team.mailinator.com"), so every parent
 * domain is looked up in that list; free-mail domains are matched exactly (a company's own
 * subdomain of a listed provider does not occur, and matching parents could turn a business
 * address into free mail).
 */
export function emailDomainKind(domain: string): EmailKind {
  const name = domain.trim().toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  for (let i = 0; i < labels.length - 1; i++) {
    if (DISPOSABLE.has(labels.slice(i).join("."))) return "disposable";
  }
  return FREE_MAIL.has(name) ? "free" : "business";
}

/** The sizes of the lists in use, for the docs and for a test that notices an empty list. */
export const EMAIL_DOMAIN_LISTS = { disposable: DISPOSABLE.size, freeMail: FREE_MAIL.size } as const;
