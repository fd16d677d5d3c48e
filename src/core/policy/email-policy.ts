import { z } from "zod";
import { parseMailbox } from "../model/email-address";
import type { Cadence, CadenceRule } from "./cadence-policy";
import { BUILT_IN_FIELDS } from "./cadence-policy";
import { Id } from "./policy-fields";
import { parseTemplate } from "./template";

/**
 * Cadence emails: who sends them (a sender per rep, on the deployment's sending domain), what
 * each may be sent for (purposes with their lawful basis), and how many a person or a sender
 * gets in a day. Part of the policy document; validated with it.
 */

const isBareAddress = (value: string) => parseMailbox(value)?.address === value.trim().toLowerCase() && !/[<>]/.test(value);

/** A rep's sending identity: the From of the cadence emails sent as them. */
export const EmailSender = z.object({
  address: z.string().max(254).refine(isBareAddress, "a bare email address (rep@mail.example.com)"),
  /** The display name; the rep's name when absent. */
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine((value) => !/[\r\n<>"]/.test(value), "no quotes, angle brackets or line breaks")
    .optional(),
});
export type EmailSender = z.infer<typeof EmailSender>;

/**
 * What an automatic email is for, and the lawful basis it needs: one of these consents given on a
 * form (and not withdrawn), or legitimate interest where the purpose allows it (answering a
 * request the person made themselves).
 */
export const EmailPurpose = z.object({
  id: Id,
  description: z.string().max(300).optional(),
  /** Consent ids (the forms' consents), any one of which, given and standing, is a basis: a consent no form asks for yet never is. */
  consents: z.array(Id).max(20).default([]),
  /** Legitimate interest is a basis when no consent is on record. */
  legitimateInterest: z.boolean().default(false),
});
export type EmailPurpose = z.infer<typeof EmailPurpose>;

export const EmailPolicy = z.object({
  /** Emails one person gets in a day (their own day), across every cadence and record they are in. */
  maxEmailsPerDay: z.number().int().min(1).max(20).default(1),
  /** Emails one sender sends in a day: a new sending address warms up slowly. */
  senderDailyCap: z.number().int().min(1).max(10_000).default(200),
  purposes: z.array(EmailPurpose).min(1).max(20),
  /** An unsubscribe also unsubscribes the person from these HubSpot subscription types (One to One, say). */
  hubspotOptOutSubscriptions: z.array(z.string().regex(/^\d+$/, "a subscription type id")).max(20).default([]),
  /** Risky addresses (a role address, a disposable inbox) are emailed too; false gives them tasks instead. */
  emailRisky: z.boolean().default(true),
});
export type EmailPolicy = z.infer<typeof EmailPolicy>;

/** The domain of an address (its part after the last @). */
export const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1).toLowerCase();

/** The fields of a template that have no fallback of their own and none declared: what a lead would see as a gap. */
export function fieldsWithoutFallback(template: string, mergeFields: Readonly<Record<string, { fallback: string }>>): string[] {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return [];
  const missing = parsed.parts.flatMap((part) =>
    part.kind === "field" && part.fallback === null && !mergeFields[part.name]?.fallback.trim() && !BUILT_IN_FIELDS[part.name] ? [part.name] : [],
  );
  return [...new Set(missing)];
}

interface Issue {
  path: (string | number)[];
  message: string;
}

/**
 * Cross-field checks of the email section and of the cadence steps that send email, reported
 * with paths from the policy's root.
 */
export function emailIssues(email: EmailPolicy | undefined, cadences: CadenceRule | undefined, reps: readonly { sender?: EmailSender }[]): Issue[] {
  const issues: Issue[] = [];
  const purposes = new Set(email?.purposes.map((p) => p.id) ?? []);
  email?.purposes.forEach((purpose, p) => {
    if (email.purposes.findIndex((other) => other.id === purpose.id) !== p)
      issues.push({ path: ["email", "purposes", p, "id"], message: `duplicate purpose "${purpose.id}"` });
    if (purpose.consents.length === 0 && !purpose.legitimateInterest)
      issues.push({ path: ["email", "purposes", p], message: "a purpose needs a lawful basis: consents, or legitimateInterest: true" });
  });
  // One deployment sends from one domain: its SPF, DKIM and DMARC records are set up once.
  const domains = new Set(reps.flatMap((r) => (r.sender && isBareAddress(r.sender.address) ? [domainOf(r.sender.address)] : [])));
  if (domains.size > 1) {
    reps.forEach((rep, r) => {
      if (rep.sender)
        issues.push({ path: ["reps", r, "sender", "address"], message: `senders must share one sending domain (found ${[...domains].join(", ")})` });
    });
  }
  cadences?.cadences.forEach((cadence: Cadence, c) => {
    cadence.steps.forEach((step, s) => {
      if (step.send !== "auto") return;
      const path = ["rules", "cadences", "cadences", c, "steps", s];
      if (step.channel !== "EMAIL")
        issues.push({ path: [...path, "send"], message: `only EMAIL steps can be sent automatically (this one is ${step.channel})` });
      if (!email) issues.push({ path: [...path, "send"], message: "automatic emails need the policy's email section (senders' caps and purposes)" });
      if (!step.purpose) issues.push({ path: [...path, "purpose"], message: "an automatic email names the purpose it serves" });
      else if (email && !purposes.has(step.purpose)) issues.push({ path: [...path, "purpose"], message: `unknown purpose "${step.purpose}"` });
      for (const field of ["subject", "body"] as const) {
        for (const name of fieldsWithoutFallback(step[field], cadences.mergeFields))
          issues.push({ path: [...path, field], message: `merge field "${name}" has no fallback: a lead would read a gap` });
      }
      if (step.body.trim() === "") issues.push({ path: [...path, "body"], message: "an automatic email needs a body" });
    });
  });
  if (domains.size === 0 && cadences?.cadences.some((c) => c.steps.some((s) => s.send === "auto")))
    issues.push({ path: ["reps"], message: "automatic emails are sent as a rep: give at least one rep a sender address" });
  return issues;
}
