import { z } from "zod";
import { IsoDuration } from "./calendar";

/** Field types shared by the parts of the policy document. */
export const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, - and _");
export const SlackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user id (U…)");
export const SlackChannel = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, "a Slack channel id (C…)");
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD");
export const PerCrm = <T extends z.ZodType>(value: T) => z.object({ hubspot: value.optional(), salesforce: value.optional() });

/** A duration, optionally counted in business hours: "P14D" or { duration: "PT4H", businessHours: true }. */
export const Threshold = z.union([
  IsoDuration.transform((duration) => ({ duration, businessHours: false })),
  z.object({ duration: IsoDuration, businessHours: z.boolean().default(false) }),
]);
export type Threshold = z.infer<typeof Threshold>;
