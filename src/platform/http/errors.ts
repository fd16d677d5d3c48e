import { describeIssues } from "../zod-issues";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/** The one error type routes throw; app.onError turns it into a JSON response. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const unauthorized = (reason: string) => new HttpError(401, "unauthorized", reason);

export function invalidPayload(error: z.ZodError | Error): HttpError {
  if (error instanceof z.ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    return new HttpError(400, "invalid_payload", describeIssues(error), { issues: issues.slice(0, 50) });
  }
  return new HttpError(400, "invalid_payload", error.message);
}
