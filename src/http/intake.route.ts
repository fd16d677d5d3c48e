import { type Context, Hono } from "hono";
import { activePolicy } from "../db/policies";
import { consentStatements, givenConsentRows } from "../db/intake-consents";
import { type Claim, claimKey, finishClaimStatement, releaseClaim } from "../db/intake-idempotency";
import { type SubmissionContext, type SubmissionStep, storeSubmissionStatements } from "../db/intake-submissions";
import { leadTouches, touchStatement } from "../db/intake-touches";
import { parseDuration } from "../domain/calendar";
import { type Form, TURNSTILE_FIELD } from "../domain/forms-policy";
import { duplicateKey, outcomeOfExisting, parseIdempotencyKey, payloadFingerprint, type StoredAnswer } from "../domain/idempotency";
import { type FieldIssue, fieldsOfForm, fieldsOfJson, type IntakeSubmission, type RawFields, validateSubmission } from "../domain/intake-submission";
import { spamVerdict } from "../domain/spam";
import { clientKey, originAllowed, selfOrigin } from "../intake/request-origin";
import { sendSubmission } from "../intake/submission-queue";
import { verifyTurnstile } from "../intake/turnstile";
import { describeError } from "../platform/failure";
import type { AppEnv } from "./app-env";
import { decodeUtf8, parseJson, readRawBody } from "./body";
import { HttpError } from "./errors";

/*
 * POST /intake/{formKey}: a web form's submission, JSON or form-encoded. In order: CORS and the
 * origin check, the body limit, the rate limits (per client address, per form), parsing and
 * validation, the idempotency claim, Turnstile, the spam checks, then the submission is stored in
 * D1 (with its consents and attribution) and its id queued for processing, and only then answered:
 * 202 with the id, or 303 to the form's thank-you page for a form-encoded post.
 *
 * The idempotency claim comes before Turnstile: a Turnstile token verifies once, so a client
 * retrying after a lost answer carries a spent token and must get the stored answer, not a refusal.
 */

/** Forms are small; a body this large is not a person filling in a form. */
export const MAX_INTAKE_BODY_BYTES = 64 * 1024;
/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_KEY_TTL_MS = 86_400_000;
const DUPLICATE_WAIT_MS = 3_000;
const DUPLICATE_POLL_MS = 100;
const RATE_LIMIT_RETRY_AFTER_S = { ip: 60, form: 10 };

export interface IntakeDeps {
  /** Outbound calls (Turnstile's siteverify); tests give a stand-in. */
  fetch?: typeof fetch;
  /** Submission ids. */
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

type IntakeContext = Context<AppEnv, "/:formKey">;

function invalidSubmission(issues: FieldIssue[]): HttpError {
  const message = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  return new HttpError(400, "invalid_submission", message, { issues: issues.slice(0, 50) });
}

async function formOf(c: IntakeContext): Promise<{ form: Form; productLineField?: string }> {
  const key = c.req.param("formKey");
  const { policy } = await activePolicy(c.env.DB);
  const form = policy.forms.find((f) => f.key === key);
  if (!form) throw new HttpError(404, "unknown_form", `no form "${key}" in the policy`);
  return { form, productLineField: policy.routing?.productLineField };
}

/** The CORS headers for an allowed cross-origin caller; undefined without an Origin; 403 for another origin. */
function corsFor(c: IntakeContext, form: Form): Record<string, string> | undefined {
  const origin = c.req.header("origin");
  if (origin === undefined) return undefined;
  if (!originAllowed(form.allowedOrigins, origin, selfOrigin(c.req.url, c.var.config.PUBLIC_BASE_URL))) {
    throw new HttpError(
      403,
      "origin_not_allowed",
      `pages of ${origin} may not post form ${form.key}: add the origin to its allowedOrigins`,
      undefined,
      {
        vary: "Origin",
      },
    );
  }
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

function withHeaders(error: unknown, headers: Record<string, string> | undefined): unknown {
  if (!headers || !(error instanceof HttpError)) return error;
  return new HttpError(error.status, error.code, error.message, error.details, { ...error.headers, ...headers });
}

function answer(c: IntakeContext, stored: StoredAnswer, cors: Record<string, string> | undefined): Response {
  if (stored.status === 303) return new Response(null, { status: 303, headers: { location: stored.location!, ...cors } });
  return c.json({ submissionId: stored.submissionId, status: "accepted" }, 202, cors);
}

async function readFields(c: IntakeContext, body: Uint8Array): Promise<{ raw: RawFields; formEncoded: boolean }> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    const parsed = fieldsOfJson(parseJson(body));
    if (!parsed.ok) throw invalidSubmission(parsed.issues);
    return { raw: parsed.fields, formEncoded: false };
  }
  if (type === "application/x-www-form-urlencoded") {
    const parsed = fieldsOfForm(new URLSearchParams(decodeUtf8(body)));
    if (!parsed.ok) throw invalidSubmission(parsed.issues);
    return { raw: parsed.fields, formEncoded: true };
  }
  throw new HttpError(
    415,
    "unsupported_media_type",
    `expected Content-Type application/json or application/x-www-form-urlencoded, got ${type || "none"}`,
  );
}

async function rateLimit(c: IntakeContext, form: Form): Promise<void> {
  if (c.var.config.DISABLE_INTAKE_RATE_LIMITS) return;
  // One after the other: a flood from one address must not use up the form's allowance.
  const byClient = await c.env.INTAKE_IP_RATE_LIMIT.limit({ key: clientKey(c.req.header("cf-connecting-ip")) });
  if (!byClient.success) {
    throw new HttpError(429, "rate_limited", "too many submissions from this address; try again in a minute", undefined, {
      "retry-after": String(RATE_LIMIT_RETRY_AFTER_S.ip),
    });
  }
  const byForm = await c.env.INTAKE_FORM_RATE_LIMIT.limit({ key: `form:${form.key}` });
  if (!byForm.success) {
    throw new HttpError(429, "rate_limited", `too many submissions of form ${form.key} right now; try again shortly`, undefined, {
      "retry-after": String(RATE_LIMIT_RETRY_AFTER_S.form),
    });
  }
}

type ClaimResult = { kind: "claimed" } | { kind: "answered"; answer: StoredAnswer };

/**
 * Claims the submission's key. A keyed request whose key is held gets the stored answer, 422 or
 * 409, as the draft says. A keyless duplicate whose first request is still running waits for it
 * (a double click's second request replaces the first in the browser, and must show its answer).
 */
async function claimSubmission(c: IntakeContext, deps: Required<IntakeDeps>, claim: Claim, explicit: boolean, ttlMs: number): Promise<ClaimResult> {
  const deadline = c.var.now().getTime() + DUPLICATE_WAIT_MS;
  for (;;) {
    const result = await claimKey(c.env.DB, claim, c.var.now(), ttlMs);
    if (result.claimed) return { kind: "claimed" };
    const outcome = outcomeOfExisting(result.record, claim.fingerprint, explicit);
    if (outcome.kind === "replay") return { kind: "answered", answer: outcome.answer };
    if (outcome.kind === "mismatch") {
      throw new HttpError(422, "idempotency_key_reused", "this Idempotency-Key was used for another payload: send a new key for a new submission");
    }
    if (explicit || c.var.now().getTime() >= deadline) {
      throw new HttpError(409, "request_in_progress", "a request with this Idempotency-Key is still being handled; retry shortly", undefined, {
        "retry-after": "1",
      });
    }
    await deps.sleep(DUPLICATE_POLL_MS);
  }
}

async function checkTurnstile(c: IntakeContext, deps: Required<IntakeDeps>, token: string): Promise<SubmissionStep> {
  const verdict = await verifyTurnstile({
    secret: c.var.config.TURNSTILE_SECRET_KEY!,
    token,
    remoteIp: c.req.header("cf-connecting-ip"),
    url: c.var.config.TURNSTILE_SITEVERIFY_URL,
    fetch: deps.fetch,
  });
  if (verdict.ok)
    return {
      step: "verified",
      at: c.var.now().toISOString(),
      detail: { turnstile: { hostname: verdict.hostname, challengeTs: verdict.challengeTs } },
    };
  if (verdict.kind === "refused") {
    throw new HttpError(
      403,
      "turnstile_failed",
      `the Turnstile check failed (${verdict.codes.join(", ") || "no reason given"}): complete the challenge again`,
      {
        issues: [{ field: TURNSTILE_FIELD, message: verdict.codes.join(", ") }],
      },
    );
  }
  console.error(`Turnstile siteverify unavailable: ${verdict.failure.message}`);
  throw new HttpError(503, "turnstile_unavailable", "the Turnstile check could not be made; retry in a few seconds", undefined, {
    "retry-after": "5",
  });
}

interface Accepted {
  submission: IntakeSubmission;
  raw: RawFields;
  formEncoded: boolean;
  idempotencyKey?: string;
}

/** Everything after the claim: Turnstile, the spam checks, the store and the queue. */
async function storeClaimed(
  c: IntakeContext,
  deps: Required<IntakeDeps>,
  form: Form,
  claim: Claim,
  accepted: Accepted,
  steps: SubmissionStep[],
): Promise<StoredAnswer> {
  const { submission, raw } = accepted;
  const db = c.env.DB;
  const verdict = spamVerdict(form.spam, raw);
  const email = submission.email.canonical;
  // Turnstile's round trip and the read of earlier touches overlap: the answer waits for the longer one only.
  const [verified, previous] = await Promise.all([
    form.spam.turnstile?.enabled ? checkTurnstile(c, deps, raw[TURNSTILE_FIELD]!) : undefined,
    verdict.spam ? null : leadTouches(db, email),
  ]);
  if (verified) steps.push(verified);
  const at = () => c.var.now().toISOString();
  if (verdict.spam) steps.push({ step: "spam", at: at(), detail: { reason: verdict.reason } });

  const id = claim.submissionId;
  const stored: StoredAnswer =
    form.redirect && accepted.formEncoded ? { status: 303, submissionId: id, location: form.redirect } : { status: 202, submissionId: id };
  const context: SubmissionContext = {
    ...headerFacts(c),
    ...(accepted.idempotencyKey ? { idempotencyKey: accepted.idempotencyKey } : {}),
    ...(previous ? { previousSubmissionAt: previous.last.at, previousSubmissions: previous.submissions } : {}),
  };
  const { [TURNSTILE_FIELD]: _token, ...rawKept } = raw;
  steps.push({ step: "stored", at: at(), detail: { status: verdict.spam ? "spam" : "received" } });
  const consentRows = verdict.spam
    ? []
    : await givenConsentRows(submission.consents, {
        email,
        address: submission.email.address,
        formKey: form.key,
        submissionId: id,
        pageUrl: submission.touch.page,
        ip: context.ip,
        userAgent: context.userAgent,
        at: submission.receivedAt,
      });
  await db.batch([
    ...storeSubmissionStatements(db, {
      id,
      status: verdict.spam ? "spam" : "received",
      raw: rawKept,
      submission,
      context,
      ...(verdict.spam ? { spamReason: verdict.reason } : {}),
      steps,
    }),
    ...consentStatements(db, consentRows),
    ...(verdict.spam ? [] : [touchStatement(db, email, submission.touch, id)]),
    finishClaimStatement(db, claim, stored),
  ]);
  // Spam is stored and answered like any submission, and goes no further.
  if (!verdict.spam) await sendSubmission(c.env.SUBMISSIONS, id);
  return stored;
}

function headerFacts(c: IntakeContext): Pick<SubmissionContext, "ip" | "userAgent" | "origin" | "referer" | "requestCountry"> {
  const facts = {
    ip: c.req.header("cf-connecting-ip"),
    userAgent: c.req.header("user-agent")?.slice(0, 512),
    origin: c.req.header("origin"),
    referer: c.req.header("referer")?.slice(0, 2_000),
    requestCountry: requestCountry(c),
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
}

function requestCountry(c: IntakeContext): string | undefined {
  const country = (c.req.raw.cf as { country?: unknown } | undefined)?.country;
  // "XX" is Cloudflare's "unknown", "T1" Tor: neither is a place.
  return typeof country === "string" && /^[A-Z]{2}$/.test(country) && country !== "XX" && country !== "T1" ? country : undefined;
}

async function submit(
  c: IntakeContext,
  deps: Required<IntakeDeps>,
  form: Form,
  productLineField: string | undefined,
  cors: Record<string, string> | undefined,
) {
  const receivedAt = c.var.now();
  const body = await readRawBody(c.req.raw, MAX_INTAKE_BODY_BYTES);
  await rateLimit(c, form);
  const { raw, formEncoded } = await readFields(c, body);
  const validated = validateSubmission(form, raw, { country: requestCountry(c), referer: c.req.header("referer"), receivedAt }, { productLineField });
  if (!validated.ok) throw invalidSubmission(validated.issues);
  const { submission } = validated;
  const header = parseIdempotencyKey(c.req.header("idempotency-key"));
  if (!header.ok)
    throw new HttpError(400, "invalid_idempotency_key", header.message, { issues: [{ field: "Idempotency-Key", message: header.message }] });
  const turnstile = c.var.config.report.features.turnstile;
  if (form.spam.turnstile?.enabled && turnstile.state !== "on") {
    throw new HttpError(503, "not_configured", `form ${form.key} asks for Turnstile: ${turnstile.reason}`);
  }
  const steps: SubmissionStep[] = [
    { step: "received", at: receivedAt.toISOString() },
    {
      step: "validated",
      at: c.var.now().toISOString(),
      detail: {
        emailKind: submission.email.kind,
        ...(submission.warnings.length ? { warnings: submission.warnings } : {}),
        ...(submission.ignoredFields.length ? { ignoredFields: submission.ignoredFields } : {}),
      },
    },
  ];

  const explicit = header.key !== undefined;
  const claim: Claim = {
    formKey: form.key,
    key: explicit ? `key:${header.key}` : `dup:${await duplicateKey(submission)}`,
    fingerprint: await payloadFingerprint(form.key, raw, form.spam.fillTimeField),
    submissionId: deps.newId(),
  };
  const ttl = explicit ? IDEMPOTENCY_KEY_TTL_MS : parseDuration(form.duplicateWindow).as("milliseconds");
  const claimed = await claimSubmission(c, deps, claim, explicit, ttl);
  if (claimed.kind === "answered") return answer(c, claimed.answer, cors);
  try {
    const stored = await storeClaimed(
      c,
      deps,
      form,
      claim,
      { submission, raw, formEncoded, ...(explicit ? { idempotencyKey: header.key } : {}) },
      steps,
    );
    return answer(c, stored, cors);
  } catch (error) {
    // Nothing was stored: give the key back, so the client can try again with it.
    await releaseClaim(c.env.DB, claim).catch((e) => console.error(`releasing idempotency claim ${claim.key}: ${describeError(e)}`));
    throw error;
  }
}

export function intakeRoutes(options: IntakeDeps = {}) {
  const deps: Required<IntakeDeps> = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    newId: options.newId ?? (() => crypto.randomUUID()),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
  return new Hono<AppEnv>()
    .options("/:formKey", async (c) => {
      const { form } = await formOf(c);
      const cors = corsFor(c, form);
      if (!cors) throw new HttpError(400, "not_a_preflight", "a CORS preflight carries an Origin header");
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": "POST",
          "access-control-allow-headers": "content-type, idempotency-key",
          "access-control-max-age": "600",
        },
      });
    })
    .post("/:formKey", async (c) => {
      const { form, productLineField } = await formOf(c);
      const cors = corsFor(c, form);
      try {
        return await submit(c, deps, form, productLineField, cors);
      } catch (error) {
        // The page's script reads error answers too: they carry the CORS headers.
        throw withHeaders(error, cors);
      }
    })
    .all("/:formKey", () => {
      throw new HttpError(405, "method_not_allowed", "forms are submitted with POST", undefined, { allow: "POST, OPTIONS" });
    });
}
