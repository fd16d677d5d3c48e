import { PRODUCT_FIELDS } from "../model/product-fields";
import type { IntakeSubmission } from "./intake-submission";
import { routeIntake } from "./intake-routing";
import type { Policy } from "../policy/policy";
import { type Score, type ScoringInput, scoreLead, scoringInputOf } from "./scoring";

/** Someone the CRM already has with the submission's email, or the account of its company. */
export interface KnownPerson {
  objectType: "contact" | "lead";
  id: string;
  ownerId: string | null;
}
export interface KnownAccount {
  domain: string;
  id: string;
  ownerId: string | null;
}

export interface IntakeDecision {
  match: { person?: KnownPerson; account?: KnownAccount };
  score?: Score;
  /** Who gets the lead: an owner already known (the lead's own, its account's), or a team whose rotation picks. */
  owner: { kind: "known"; ownerId: string; reason: string } | { kind: "team"; teamId: string; reason: string };
  /** The team intake routing picks for the lead, whoever owns it: its fallback owner stands in for an owner the CRM refuses. */
  teamId: string;
  /** What is written to the CRM record besides the owner and the routing reason. */
  properties: Record<string, string>;
}

/**
 * What becomes of a submission once the CRM has said whom it knows: pure, so the pipeline and the
 * dry run decide alike. A returning lead keeps its owner; a new one whose company's account has an
 * owner goes to that owner; anyone else goes to the team intake routing picks (by region or
 * country, product line and tier), whose fair rotation then picks the rep. The score, tier,
 * reasons and model version go on the record; the source only on a new one (the first touch stays).
 */
export function decideIntake(input: {
  policy: Policy;
  submission: { submission: IntakeSubmission; context: { previousSubmissionAt?: string } };
  person?: KnownPerson;
  account?: KnownAccount;
  /** The address's verification verdict (the score's data-quality group reads it). */
  emailVerdict?: ScoringInput["emailVerdict"];
}): IntakeDecision {
  const { policy, person, account } = input;
  const { submission, context } = input.submission;
  const fields = PRODUCT_FIELDS[submission.crm];
  const score = policy.scoring ? scoreLead(policy.scoring, scoringInputOf(submission, context.previousSubmissionAt, input.emailVerdict)) : undefined;
  const sourceProperty = policy.rules.cadences?.sourceProperty[submission.crm];
  const properties: Record<string, string> = {
    ...submission.properties,
    ...(sourceProperty && !person ? { [sourceProperty]: submission.source } : {}),
    ...(score
      ? { [fields.score]: String(score.score), [fields.tier]: score.tier, [fields.reasons]: score.reasons.join("\n"), [fields.model]: score.model }
      : {}),
  };
  const match = { ...(person ? { person } : {}), ...(account ? { account } : {}) };
  const route = policy.routing
    ? routeIntake(policy.routing, { country: submission.country?.code, productLine: submission.productLine, tier: score?.tier })
    : { teamId: policy.rules.cadences?.team ?? policy.teams[0]!.id, reason: "no intake routing in the policy → the cadence team" };
  const { teamId } = route;
  if (person?.ownerId)
    return {
      match,
      score,
      properties,
      teamId,
      owner: { kind: "known", ownerId: person.ownerId, reason: `returning lead: keeps its owner (${person.objectType} ${person.id})` },
    };
  if (account?.ownerId) {
    return {
      match,
      score,
      properties,
      teamId,
      owner: { kind: "known", ownerId: account.ownerId, reason: `the owner of account ${account.id} (${account.domain})` },
    };
  }
  return { match, score, properties, teamId, owner: { kind: "team", teamId, reason: route.reason } };
}
