import type { Context } from "hono";
import { describeIssues } from "../zod-issues";
import { loggablePath } from "./public-url";
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

/** The app's one error handler: an HttpError as its JSON answer; anything else logged, and a 503 that says only to retry. */
export function errorAnswer(error: Error, c: Context): Response {
  if (error instanceof HttpError) {
    return c.json({ error: error.code, message: error.message, ...(error.details ?? {}) }, error.status, error.headers);
  }
  console.error(`${c.req.method} ${loggablePath(c.req.url)} failed`, error);
  return c.json({ error: "internal_error", message: "the request could not be processed; retry later" }, 503);
}
