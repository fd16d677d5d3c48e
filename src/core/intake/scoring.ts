import { durationMillis } from "../calendar/calendar";
import type { Verdict } from "../email/verification";
import type { IntakeSubmission } from "./intake-submission";
import {
  type DataQualityRule,
  type EmailKind,
  GROUPS,
  type ScoringCondition,
  type ScoringGroup,
  type ScoringModel,
  type ScoringRule,
  TIERS,
  type Tier,
} from "../policy/scoring-policy";

/** What the model knows of a lead when it scores it. */
export interface ScoringInput {
  formKey: string;
  /** The submission's normalised field values by field name (absent when empty). */
  fields: Readonly<Record<string, string>>;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  emailKind: EmailKind;
  phone: "valid" | "invalid" | "missing";
  /** The address's verification at intake, when it was verified (its verdict and first reason). */
  emailVerdict?: { verdict: Verdict; reason?: string };
  /** The same person's previous submission, when there was one. */
  previousSubmissionAt?: string;
  /** When this submission was made. */
  at: Date;
}

/** A stored submission as the model sees it; `previousSubmissionAt` is the submission context's. */
export function scoringInputOf(
  submission: IntakeSubmission,
  previousSubmissionAt?: string,
  emailVerdict?: ScoringInput["emailVerdict"],
): ScoringInput {
  return {
    ...(emailVerdict ? { emailVerdict } : {}),
    formKey: submission.formKey,
    fields: submission.fields,
    ...(submission.country ? { country: submission.country.code } : {}),
    emailKind: submission.email.kind,
    phone: submission.phone ? (submission.phone.valid ? "valid" : "invalid") : "missing",
    ...(previousSubmissionAt ? { previousSubmissionAt } : {}),
    at: new Date(submission.receivedAt),
  };
}

/** One line of the breakdown: a rule that counted (or a cap that held a group or the total back). */
export interface ScoreLine {
  group: ScoringGroup | "total";
  rule: string;
  label: string;
  points: number;
  evidence: string;
}

export interface Score {
  /** The model's version: its id and a fingerprint of its rules. */
  model: string;
  score: number;
  tier: Tier;
  /** The tier the points alone would give, when a data-quality rule capped it. */
  uncappedTier?: Tier;
  /** Every rule that counted, and each cap that applied; the points add up to `score`. */
  breakdown: ScoreLine[];
  /** The largest contributions, for the CRM's reasons property ("+18 Senior role: jobTitle "VP of Sales" has "vp""). */
  reasons: string[];
}

const WORD = /[\p{L}\p{N}]+/gu;
const words = (text: string) => (text.toLowerCase().match(WORD) ?? []).join(" ");

/** Why the condition holds for this lead, or null when it does not. */
function evidence(when: ScoringCondition, input: ScoringInput): string | null {
  switch (when.kind) {
    case "fieldHasWord": {
      const value = input.fields[when.field];
      if (!value) return null;
      // Padding with spaces makes "vp" match the word "vp" in "vp of sales" but not "svp".
      const haystack = ` ${words(value)} `;
      const word = when.words.find((w) => haystack.includes(` ${w} `));
      return word ? `${when.field} "${value}" has "${word}"` : null;
    }
    case "fieldIn": {
      const value = input.fields[when.field];
      const hit = value && when.values.find((v) => v.toLowerCase() === value.toLowerCase());
      return hit ? `${when.field} is "${value}"` : null;
    }
    case "fieldAtLeast": {
      const value = Number(input.fields[when.field]);
      return input.fields[when.field] !== undefined && Number.isFinite(value) && value >= when.value
        ? `${when.field} ${value} is at least ${when.value}`
        : null;
    }
    case "country":
      return input.country && when.countries.includes(input.country) ? `country ${input.country}` : null;
    case "form":
      return when.forms.includes(input.formKey) ? `form ${input.formKey}` : null;
    case "returningWithin": {
      if (!input.previousSubmissionAt) return null;
      const since = input.at.getTime() - Date.parse(input.previousSubmissionAt);
      if (!(since >= 0 && since <= durationMillis(when.within))) return null;
      const hours = since / 3_600_000;
      const ago = hours < 48 ? `${Math.max(0, Math.round(hours))} h` : `${Math.round(hours / 24)} days`;
      return `submitted before, ${ago} ago (${input.previousSubmissionAt})`;
    }
    case "emailKind":
      return when.kinds.includes(input.emailKind) ? `${input.emailKind} email address` : null;
    case "phone":
      return input.phone === when.is ? `phone ${when.is}` : null;
    case "emailVerdict":
      return input.emailVerdict && when.verdicts.includes(input.emailVerdict.verdict)
        ? `address ${input.emailVerdict.verdict}${input.emailVerdict.reason ? ` (${input.emailVerdict.reason})` : ""}`
        : null;
  }
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const signed = (points: number) => (points > 0 ? `+${points}` : String(points));

/**
 * Scores a lead. Pure: the same model and input always give the same score, breakdown and
 * version, so a score in the CRM can be explained (and recomputed) later.
 */
export function scoreLead(model: ScoringModel, input: ScoringInput): Score {
  const breakdown: ScoreLine[] = [];
  let maxTier: { tier: Tier; rule: string } | undefined;
  let total = 0;
  for (const group of GROUPS) {
    const { cap, rules } = model.groups[group];
    const factorsTaken = new Set<string>();
    let raw = 0;
    for (const rule of rules as readonly (ScoringRule & Partial<Pick<DataQualityRule, "maxTier">>)[]) {
      if (rule.factor && factorsTaken.has(rule.factor)) continue;
      const why = evidence(rule.when, input);
      if (why === null) continue;
      if (rule.factor) factorsTaken.add(rule.factor);
      raw += rule.points;
      breakdown.push({ group, rule: rule.id, label: rule.label, points: rule.points, evidence: why });
      if (rule.maxTier && (!maxTier || TIERS.indexOf(rule.maxTier) < TIERS.indexOf(maxTier.tier))) maxTier = { tier: rule.maxTier, rule: rule.id };
    }
    const capped = clamp(raw, -cap, cap);
    if (capped !== raw) {
      breakdown.push({
        group,
        rule: `${group}-cap`,
        label: `${group} cap`,
        points: capped - raw,
        evidence: `${group} counts at most ${cap} points either way (${raw} before the cap)`,
      });
    }
    total += capped;
  }
  const score = clamp(total, 0, 100);
  if (score !== total) {
    breakdown.push({
      group: "total",
      rule: "total-range",
      label: "score range",
      points: score - total,
      evidence: `scores run from 0 to 100 (${total} before)`,
    });
  }
  const byPoints = tierOf(model, score);
  const tier = maxTier && TIERS.indexOf(maxTier.tier) < TIERS.indexOf(byPoints) ? maxTier.tier : byPoints;
  if (tier !== byPoints) {
    breakdown.push({
      group: "dataQuality",
      rule: maxTier!.rule,
      label: "tier cap",
      points: 0,
      evidence: `${maxTier!.rule} holds the tier at ${tier} (the points give ${byPoints})`,
    });
  }
  const reasons = breakdown
    .filter((line) => line.points !== 0 && !line.rule.endsWith("-cap") && line.group !== "total")
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, model.topReasons)
    .map((line) => `${signed(line.points)} ${line.label}: ${line.evidence}`);
  if (tier !== byPoints) reasons.push(`tier held at ${tier} by ${maxTier!.rule}`);
  return { model: modelVersion(model), score, tier, ...(tier !== byPoints ? { uncappedTier: byPoints } : {}), breakdown, reasons };
}

export function tierOf(model: ScoringModel, score: number): Tier {
  if (score >= model.thresholds.hot) return "hot";
  if (score >= model.thresholds.warm) return "warm";
  return "cold";
}

/** `{id}@{8 hex digits}`: the fingerprint changes whenever anything in the model does. */
export function modelVersion(model: ScoringModel): string {
  return `${model.id}@${fnv1a(canonicalJson(model))}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a, 32 bits: a stable fingerprint, not a security measure. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
