import { Hono } from "hono";
import { consentsOf, currentConsents } from "../storage/intake-consents";
import { loadSubmission, setSubmissionStatus } from "../storage/intake-submissions";
import { leadTouches } from "../storage/intake-touches";
import { canonicalAddress } from "../core/model/email-address";
import { sendSubmission } from "./submission-queue";
import type { AppEnv } from "../env/app-env";
import { HttpError } from "../platform/http/errors";

/** GET /admin/submissions/{id}: a submission with its steps; POST …/retry sends a dead one to processing again. */
export const adminSubmissionsRoutes = new Hono<AppEnv>()
  .get("/:id", async (c) => {
    const submission = await loadSubmission(c.env.DB, c.req.param("id"));
    if (!submission) throw new HttpError(404, "not_found", `no submission ${c.req.param("id")}`);
    return c.json(submission);
  })
  .post("/:id/retry", async (c) => {
    const id = c.req.param("id");
    const now = c.var.now();
    const moved = await setSubmissionStatus(c.env.DB, id, "received", now, {
      from: ["dead", "failed"],
      step: { step: `retried ${now.toISOString()}`, at: now.toISOString() },
    });
    if (!moved) {
      const submission = await loadSubmission(c.env.DB, id);
      if (!submission) throw new HttpError(404, "not_found", `no submission ${id}`);
      throw new HttpError(409, "not_retryable", `submission ${id} is ${submission.status}: only dead or failed ones are retried`);
    }
    const sent = await sendSubmission(c.env.SUBMISSIONS, id);
    return c.json({ submissionId: id, status: "received", queued: sent });
  });

/** GET /admin/consents?email=: every consent row of a person, oldest first, their current state and touches. */
export const adminConsentsRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const given = c.req.query("email");
  const email = given ? canonicalAddress(given) : null;
  if (!email)
    throw new HttpError(400, "invalid_payload", "email: give ?email= with an email address", {
      issues: [{ path: "email", message: "an email address" }],
    });
  const [records, touches] = await Promise.all([consentsOf(c.env.DB, email), leadTouches(c.env.DB, email)]);
  return c.json({ email, current: currentConsents(records), records, touches });
});
