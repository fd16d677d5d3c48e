import { z } from "zod";
import { durationMillis, parseDuration } from "../calendar/calendar";

/** Field types shared by the parts of the policy document. */
export const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _");
export const SlackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user id (U…)");
export const SlackChannel = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, "a Slack channel id (C…)");
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD");
export const PerCrm = <T extends z.ZodType>(value: T) => z.object({ hubspot: value.optional(), salesforce: value.optional() });

/*
 * Every duration in the policy has a range (docs/rules-and-policy.md lists them). A duration
 * the calendar cannot add ("P300000Y" ends past the year 275760) would fail every rule run that
 * reaches it, long after the policy was accepted; one of zero ("PT0S" as a stale threshold)
 * would fire at once, forever. So each field says how short and how long it may be, and the
 * schema refuses anything outside with the value and the range. Months and years count as 30
 * and 365 days here, as luxon converts them.
 */

/** Why `text` is not a duration from `min` to `max` (ISO texts, both included), or null when it is. */
export function durationProblem(text: string, min: string, max: string): string | null {
  try {
    parseDuration(text);
  } catch (error) {
    return (error as Error).message;
  }
  return rangeProblem(text, min, max);
}

/**
 * Why the duration `text` is outside `min` to `max`, or null: in range, or no duration at all
 * (the field's own schema says that once).
 */
export function rangeProblem(text: string, min: string, max: string): string | null {
  let ms: number;
  try {
    ms = durationMillis(text);
  } catch {
    return null;
  }
  if (ms >= durationMillis(min) && ms <= durationMillis(max)) return null;
  return `${JSON.stringify(text)} is outside ${rangeText(min, max)}`;
}

/** "PT5M to P90D (5 minutes to 90 days)". */
export const rangeText = (min: string, max: string) => `${min} to ${max} (${spelled(min)} to ${spelled(max)})`;

const spelled = (text: string) => (durationMillis(text) === 0 ? "0 seconds" : parseDuration(text).toHuman({ unitDisplay: "long" }));

/** An ISO 8601 duration from `min` to `max` (both included); `why` says what the bound protects, for the message. */
export const DurationWithin = (min: string, max: string, why?: string) =>
  z
    .string()
    .superRefine((text, ctx) => {
      const problem = durationProblem(text, min, max);
      if (problem) ctx.addIssue({ code: "custom", message: why ? `${problem}: ${why}` : problem });
    })
    .describe(`An ISO 8601 duration, ${rangeText(min, max)}`);

/**
 * A duration from `min` to `max`, optionally counted in business hours: "P14D" or
 * { duration: "PT4H", businessHours: true }. The range applies to the duration as written, in
 * working time when businessHours is set.
 */
export const ThresholdWithin = (min: string, max: string) =>
  z
    .union([z.string(), z.object({ duration: z.string(), businessHours: z.boolean().default(false) })])
    .transform((value) => (typeof value === "string" ? { duration: value, businessHours: false } : value))
    .superRefine((threshold, ctx) => {
      const problem = durationProblem(threshold.duration, min, max);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(`An ISO 8601 duration, ${rangeText(min, max)}, or { duration, businessHours }`);

export type Threshold = { duration: string; businessHours: boolean };
