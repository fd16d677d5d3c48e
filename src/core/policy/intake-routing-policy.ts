import { z } from "zod";
import { CountryCode, FieldName } from "./forms-policy";
import { Id } from "./policy-fields";
import { Tier } from "./scoring-policy";

/**
 * Intake routing: which team a new lead from a form goes to, by its region or country, product
 * line and score tier. The first matching rule wins; no match goes to the default team. The team's
 * fair router then picks the rep. Part of the policy document; validated with it.
 */

export const IntakeRoutingRule = z.object({
  id: Id,
  /** Every condition given must hold; a condition left out matches anything. */
  when: z.object({
    regions: z.array(Id).min(1).optional(),
    countries: z.array(CountryCode).min(1).optional(),
    productLines: z.array(z.string().min(1).max(100)).min(1).optional(),
    tiers: z.array(Tier).min(1).optional(),
  }),
  team: Id,
});
export type IntakeRoutingRule = z.infer<typeof IntakeRoutingRule>;

export const IntakeRouting = z.object({
  /** Named groups of countries ("emea": ["DE", "FR", …]), for rules that route by region. */
  regions: z.record(Id, z.array(CountryCode).min(1)).default({}),
  /** A form field whose value is the product line (else the form's productLine). */
  productLineField: FieldName.optional(),
  rules: z.array(IntakeRoutingRule).max(200).default([]),
  defaultTeam: Id,
});
export type IntakeRouting = z.infer<typeof IntakeRouting>;

type Issue = { path: (string | number)[]; message: string };

/** Cross-field checks of intake routing, reported with paths under `routing`. */
export function intakeRoutingIssues(routing: IntakeRouting, teams: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  if (!teams.has(routing.defaultTeam)) issues.push({ path: ["defaultTeam"], message: `unknown team "${routing.defaultTeam}"` });
  routing.rules.forEach((rule, r) => {
    const at = ["rules", r];
    if (routing.rules.findIndex((other) => other.id === rule.id) !== r)
      issues.push({ path: [...at, "id"], message: `duplicate rule id "${rule.id}"` });
    if (!teams.has(rule.team)) issues.push({ path: [...at, "team"], message: `unknown team "${rule.team}"` });
    const { regions, countries, productLines, tiers } = rule.when;
    if (!regions && !countries && !productLines && !tiers) {
      issues.push({ path: [...at, "when"], message: "a rule without conditions matches every lead: use defaultTeam instead" });
    }
    regions?.forEach((region, i) => {
      if (!Object.hasOwn(routing.regions, region)) issues.push({ path: [...at, "when", "regions", i], message: `unknown region "${region}"` });
    });
  });
  return issues;
}
