import type { z } from "zod";

/** Names the field at fault, so a rejected payload says what to fix rather than "invalid input". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.join(".") || "payload";
      if (issue.code === "invalid_type" && issue.input === undefined) return `${path} is missing`;
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}
