import { z } from "zod";
import type { AccountMatch, CrmPort, PersonMatch } from "../crm/crm-port";
import type { Crm, CrmEvent } from "../core/model/crm-event";
import { TURNSTILE_FIELD } from "../core/policy/forms-policy";
import type { FieldIssue } from "../core/intake/intake-submission";
import { validateSubmission } from "../core/intake/intake-submission";
import { decideIntake } from "../core/intake/intake-decision";
import type { Policy } from "../core/policy/policy";
import { registrableDomain } from "../core/intake/registrable-domain";
import type { RoutingDecision, RoutingRequest } from "../core/routing/routing";
import type { Score } from "../core/intake/scoring";
import { spamVerdict } from "../core/intake/spam";
import { submittedEvent } from "../core/model/submitted-event";
import { leadWrite, ownerOf, preferredMatch } from "./process-submissions";

/** A submission as an admin writes it for a dry run: the fields the page would post, and where from. */
export const SimulatedSubmission = z.object({
  formKey: z.string().min(1),
  /** By the form's field names; the fill-time field too when the form has a minimum fill time. */
  fields: z.record(z.string(), z.string()),
  /** When it arrives; default now. */
  receivedAt: z.iso.datetime().optional(),
  /** The request's country (what Cloudflare would say), for phones without a country code. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  referer: z.url().optional(),
  /** Look the person and the company up in the CRM: reads only. Default true. */
  lookUp: z.boolean().default(true),
});
export type SimulatedSubmission = z.infer<typeof SimulatedSubmission>;

export interface SubmissionDryRunDeps {
  /** The account of a CRM's records (the portal, the org), when set. */
  accountId(crm: Crm): string | undefined;
  crm(crm: Crm, accountId: string): CrmPort | undefined;
  /** When this address last submitted a form (the behaviour group's "returning"). */
  previousSubmissionAt(canonicalEmail: string): Promise<string | undefined>;
  /** Whom the team's rotation would pick, without taking the slot. */
  previewRoute(teamId: string, request: Omit<RoutingRequest, "decisionKey">): Promise<RoutingDecision>;
}

interface Base {
  index: number;
  formKey: string;
}
/** Whom the CRM knows with the address, and the company's account; unchecked with the reason. */
export interface DryRunMatch {
  checked: boolean;
  reason?: string;
  person?: PersonMatch;
  account?: AccountMatch;
}
export type SubmissionDryRun =
  | (Base & { outcome: "refused"; error: string; issues?: FieldIssue[] })
  | (Base & { outcome: "spam"; reason: string })
  | (Base & {
      outcome: "lead";
      /** The record's key: the matched one, or `…:new-{n}` for one the CRM would create. */
      recordKey: string;
      submission: { crm: Crm; source: string; email: { address: string; kind: string }; warnings: string[]; ignoredFields: string[] } & Record<
        string,
        unknown
      >;
      score: Score | null;
      match: DryRunMatch;
      route: { ownerId: string | null; reason: string; teamId?: string; repId?: string; triage?: boolean };
      write: { crm: Crm; objectType: "contact" | "lead"; recordId?: string; properties: Record<string, string> };
    });

/**
 * What intake would do with these submissions, step by step as the pipeline does it (validate,
 * spam checks, match, score, route), storing and sending nothing: the CRM is only read, the
 * rotation is only looked at. Also answers the events the written records would receive, for
 * the rules' simulation to show the cadence each lead would get. Turnstile is not checked.
 */
export async function dryRunSubmissions(
  inputs: readonly SimulatedSubmission[],
  policy: Policy,
  deps: SubmissionDryRunDeps,
  now: Date,
): Promise<{ results: SubmissionDryRun[]; events: CrmEvent[] }> {
  const results: SubmissionDryRun[] = [];
  const events: CrmEvent[] = [];
  for (const [index, input] of inputs.entries()) {
    const base = { index, formKey: input.formKey };
    const form = policy.forms.find((f) => f.key === input.formKey);
    if (!form) {
      results.push({ ...base, outcome: "refused", error: `the policy has no form ${input.formKey} (POST /intake/${input.formKey} answers 404)` });
      continue;
    }
    const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
    // Turnstile is not part of a dry run: a token the widget would have given stands in.
    const raw = form.spam.turnstile?.enabled ? { [TURNSTILE_FIELD]: "dry-run", ...input.fields } : input.fields;
    const validated = validateSubmission(
      form,
      raw,
      { country: input.country, referer: input.referer, receivedAt },
      { productLineField: policy.routing?.productLineField },
    );
    if (!validated.ok) {
      results.push({ ...base, outcome: "refused", error: "the endpoint would answer 400", issues: validated.issues });
      continue;
    }
    const verdict = spamVerdict(form.spam, input.fields);
    if (verdict.spam) {
      results.push({ ...base, outcome: "spam", reason: `stored as spam and answered as usual: ${verdict.reason}` });
      continue;
    }
    const { submission } = validated;
    const accountId = deps.accountId(submission.crm);
    const found = input.lookUp ? await lookUp(submission.crm, accountId, deps, submission.email) : { checked: false, reason: "lookUp was false" };
    const previousSubmissionAt = await deps.previousSubmissionAt(submission.email.canonical);
    const decision = decideIntake({
      policy,
      submission: { submission, context: previousSubmissionAt ? { previousSubmissionAt } : {} },
      person: found.person,
      account: found.account,
    });
    const { owner } = decision;
    const route =
      owner.kind === "team"
        ? await deps.previewRoute(owner.teamId, { policy, teamId: owner.teamId, crm: submission.crm, now: receivedAt })
        : undefined;
    const { ownerId, routingReason } = ownerOf(decision, route);
    const id = `dry-run-${index + 1}`;
    const account = accountId ?? "unset";
    const write = leadWrite(decision, { id, formKey: form.key, submission }, ownerId, routingReason, account);
    const { effect } = write;
    const written = { objectType: effect.objectType, id: effect.recordId ?? `new-${index + 1}`, created: !effect.recordId };
    const arrived = submittedEvent(effect, written, effect.properties);
    // The record as our write leaves it, then the submission: the order the record hears them in.
    const echo = {
      dedupeKey: `${id}:written`,
      recordKey: arrived.recordKey,
      crm: submission.crm,
      accountId: account,
      objectType: written.objectType,
      objectId: written.id,
      occurredAt: submission.receivedAt,
      changedBy: { source: "intake" },
      fromThisIntegration: true,
      via: "intake" as const,
      properties: effect.properties,
    };
    events.push(written.created ? { ...echo, kind: "created" } : { ...echo, kind: "propertyChanged", snapshot: false }, arrived);
    const { email, warnings, ignoredFields, properties: _properties, fields: _fields, ...facts } = submission;
    results.push({
      ...base,
      outcome: "lead",
      recordKey: arrived.recordKey,
      submission: { ...facts, email: { address: email.address, kind: email.kind }, warnings, ignoredFields },
      score: decision.score ?? null,
      match: found,
      route: {
        ownerId: ownerId ?? null,
        reason: routingReason,
        ...(owner.kind === "team" ? { teamId: owner.teamId } : {}),
        ...(route?.kind === "rep" ? { repId: route.repId } : {}),
        ...(route?.kind === "fallback" ? { triage: true } : {}),
      },
      write: {
        crm: effect.crm,
        objectType: effect.objectType,
        ...(effect.recordId ? { recordId: effect.recordId } : {}),
        properties: effect.properties,
      },
    });
  }
  return { results, events };
}

/** The CRM's person and company for the address: reads only, and a failed read is said, not thrown. */
async function lookUp(
  crmName: Crm,
  accountId: string | undefined,
  deps: SubmissionDryRunDeps,
  email: { address: string; kind: string; domain: string },
): Promise<DryRunMatch> {
  const crm = accountId ? deps.crm(crmName, accountId) : undefined;
  if (!crm) return { checked: false, reason: `${crmName} is not connected (its account id and credentials): matched against nobody` };
  const people = await crm.findPeople([email.address]);
  if (!people.ok) return { checked: false, reason: `the ${crmName} read failed: ${people.failure.message}` };
  const person = preferredMatch(people.value);
  const domain = email.kind === "business" ? registrableDomain(email.domain) : null;
  const accounts = domain ? await crm.findAccounts([domain]) : undefined;
  if (accounts && !accounts.ok) return { checked: false, reason: `the ${crmName} read failed: ${accounts.failure.message}` };
  const account = accounts?.value[0];
  return { checked: true, ...(person ? { person } : {}), ...(account ? { account } : {}) };
}
