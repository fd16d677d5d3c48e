import type { IntakeRouting, IntakeRoutingRule } from "../policy/intake-routing-policy";
import type { Tier } from "../policy/scoring-policy";

export interface IntakeRoutingInput {
  /** ISO 3166-1 alpha-2. */
  country?: string;
  productLine?: string;
  tier?: Tier;
}

export interface IntakeRoute {
  teamId: string;
  /** The rule that matched; absent when the lead went to the default team. */
  ruleId?: string;
  /** For routing_reason: which rule and which of the lead's facts chose the team. */
  reason: string;
}

/** The facts that satisfy the rule, or null when one of its conditions does not hold. */
function matches(rule: IntakeRoutingRule, routing: IntakeRouting, input: IntakeRoutingInput): string[] | null {
  const facts: string[] = [];
  const { regions, countries, productLines, tiers } = rule.when;
  if (regions) {
    const region = input.country && regions.find((r) => routing.regions[r]?.includes(input.country!));
    if (!region) return null;
    facts.push(`region ${region} (${input.country})`);
  }
  if (countries) {
    if (!input.country || !countries.includes(input.country)) return null;
    facts.push(`country ${input.country}`);
  }
  if (productLines) {
    const line = input.productLine?.toLowerCase();
    const hit = line && productLines.find((p) => p.toLowerCase() === line);
    if (!hit) return null;
    facts.push(`product line ${hit}`);
  }
  if (tiers) {
    if (!input.tier || !tiers.includes(input.tier)) return null;
    facts.push(`tier ${input.tier}`);
  }
  return facts;
}

/** The team a new lead goes to: the first rule whose conditions all hold, else the default team. */
export function routeIntake(routing: IntakeRouting, input: IntakeRoutingInput): IntakeRoute {
  for (const rule of routing.rules) {
    const facts = matches(rule, routing, input);
    if (facts) return { teamId: rule.team, ruleId: rule.id, reason: `intake rule ${rule.id} (${facts.join(", ")}) → team ${rule.team}` };
  }
  const known = [
    input.country && `country ${input.country}`,
    input.productLine && `product line ${input.productLine}`,
    input.tier && `tier ${input.tier}`,
  ].filter(Boolean);
  return {
    teamId: routing.defaultTeam,
    reason: `no intake rule matched (${known.join(", ") || "no country, product line or tier"}) → default team ${routing.defaultTeam}`,
  };
}
