import { z } from "zod";
import { CountryCode, FieldName } from "./forms-policy";
import { DurationWithin, Id } from "./policy-fields";

/**
 * The lead score: a rule-based model sales can read. Rules give points in four groups (fit,
 * intent, behaviour, data quality), each group's total is capped, and the sum (0–100) falls into a
 * tier by the thresholds. Data-quality rules can also cap the tier (a disposable address is never
 * hot, whatever else it scores). Part of the policy document; validated with it.
 */

export const TIERS = ["cold", "warm", "hot"] as const;
export const Tier = z.enum(TIERS);
export type Tier = z.infer<typeof Tier>;

export const EMAIL_KINDS = ["business", "free", "disposable"] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

const Term = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}]+( [\p{L}\p{N}]+)*$/u, "words of letters and digits, separated by single spaces");

/** What a rule looks at. Field conditions name form fields; a form without the field never matches. */
export const ScoringCondition = z.discriminatedUnion("kind", [
  /** Whole words of a free-text field ("VP of Sales" has "vp"; "Director" does not have "cto"). */
  z.object({ kind: z.literal("fieldHasWord"), field: FieldName, words: z.array(Term).min(1).max(100) }),
  /** A choice field's value, ignoring case. */
  z.object({ kind: z.literal("fieldIn"), field: FieldName, values: z.array(z.string().min(1)).min(1).max(100) }),
  /** A number field at or above a value. */
  z.object({ kind: z.literal("fieldAtLeast"), field: FieldName, value: z.number().min(-1e12).max(1e12) }),
  /** The lead's country (the form's country field, else its phone's, else the request's). */
  z.object({ kind: z.literal("country"), countries: z.array(CountryCode).min(1) }),
  /** The form submitted. */
  z.object({ kind: z.literal("form"), forms: z.array(Id).min(1) }),
  /** The same person submitted before, within this long. */
  z.object({ kind: z.literal("returningWithin"), within: DurationWithin("PT1H", "P365D") }),
  z.object({ kind: z.literal("emailKind"), kinds: z.array(z.enum(EMAIL_KINDS)).min(1) }),
  z.object({ kind: z.literal("phone"), is: z.enum(["valid", "invalid", "missing"]) }),
  /** The address's verification verdict at intake (DNS, role address, disposable): docs/email.md. */
  z.object({ kind: z.literal("emailVerdict"), verdicts: z.array(z.enum(["deliverable", "risky", "undeliverable", "unknown"])).min(1) }),
]);
export type ScoringCondition = z.infer<typeof ScoringCondition>;

/** Strict: a tier cap written on a fit rule would otherwise be dropped without a word. */
export const ScoringRule = z.strictObject({
  id: Id,
  /** What sales reads in the score's reasons ("Senior role"). */
  label: z.string().min(1).max(60),
  when: ScoringCondition,
  points: z.number().int().min(-100).max(100),
  /** Rules sharing a factor are alternatives: only the first that matches counts (C-level 20, VP 18, …). */
  factor: Id.optional(),
});
export type ScoringRule = z.infer<typeof ScoringRule>;

export const DataQualityRule = ScoringRule.extend({
  /** When this rule matches, the tier is at most this. */
  maxTier: Tier.optional(),
});
export type DataQualityRule = z.infer<typeof DataQualityRule>;

const group = <R extends z.ZodType>(rule: R) =>
  z.object({
    /** The group's total is held within ±cap. */
    cap: z.number().int().min(0).max(100),
    rules: z.array(rule).max(100).default([]),
  });

export const GROUPS = ["fit", "intent", "behaviour", "dataQuality"] as const;
export type ScoringGroup = (typeof GROUPS)[number];

export const ScoringModel = z.object({
  /** The model's name; its version is this name and a fingerprint of the rules, so any change shows. */
  id: Id,
  /** Lowest score of each tier; below warm is cold. */
  thresholds: z.object({ warm: z.number().int().min(1).max(100), hot: z.number().int().min(1).max(100) }).default({ warm: 40, hot: 70 }),
  groups: z.object({
    fit: group(ScoringRule),
    intent: group(ScoringRule),
    behaviour: group(ScoringRule),
    dataQuality: group(DataQualityRule),
  }),
  /** How many reasons the CRM's reasons property shows (the largest contributions). */
  topReasons: z.number().int().min(1).max(10).default(3),
});
export type ScoringModel = z.infer<typeof ScoringModel>;

type Issue = { path: (string | number)[]; message: string };

/** Cross-field checks of the scoring model, reported with paths under `scoring`. */
export function scoringIssues(model: ScoringModel, formKeys: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  if (model.thresholds.warm >= model.thresholds.hot) issues.push({ path: ["thresholds", "hot"], message: "hot must be above warm" });
  const ids = new Map<string, string>();
  for (const name of GROUPS) {
    const rules: readonly ScoringRule[] = model.groups[name].rules;
    rules.forEach((rule, r) => {
      const at = ["groups", name, "rules", r];
      const seen = ids.get(rule.id);
      if (seen) issues.push({ path: [...at, "id"], message: `duplicate rule id "${rule.id}" (also in ${seen})` });
      ids.set(rule.id, name);
      if (rule.when.kind === "form") {
        rule.when.forms.forEach((key, k) => {
          if (!formKeys.has(key)) issues.push({ path: [...at, "when", "forms", k], message: `unknown form "${key}"` });
        });
      }
    });
  }
  return issues;
}
