import { type Context, Hono } from "hono";
import { consentStatements, givenConsentRows } from "../storage/intake-consents";
import { type Claim, claimGuard, claimOutcome, claimStatement, holderOf, spentTokenStatement } from "../storage/intake-idempotency";
import { type SubmissionContext, type SubmissionStep, storeSubmissionStatements } from "../storage/intake-submissions";
import { touchStatement } from "../storage/intake-touches";
import { lastReadPolicy, policyIsCurrentCondition, type ReadPolicy, readActivePolicy } from "../storage/policies";
import { durationMillis } from "../core/calendar/calendar";
import { bookingLink } from "../core/booking/booking-links";
import { bookingFormOf } from "../core/policy/booking-policy";
import { type Form, TURNSTILE_FIELD } from "../core/policy/forms-policy";
import {
  duplicateKey,
  type IdempotencyRecord,
  outcomeOfExisting,
  parseIdempotencyKey,
  payloadFingerprint,
  type StoredAnswer,
} from "../core/intake/idempotency";
import {
  type FieldIssue,
  fieldsOfForm,
  fieldsOfJson,
  type IntakeSubmission,
  keptRawFields,
  type RawFields,
  validateSubmission,
} from "../core/intake/intake-submission";
import { type SpamVerdict, spamVerdict } from "../core/intake/spam";
import { clientKey, hostnameAllowed, originAllowed, selfOrigin } from "./request-origin";
import { sendSubmission } from "./submission-queue";
import { isDummySecret, tokenHash, verifyTurnstile } from "../turnstile/turnstile";
import type { AppEnv } from "../env/app-env";
import { formFields, parseJson, readRawBody } from "../platform/http/body";
import { HttpError } from "../platform/http/errors";

/*
 * POST /intake/{formKey}: a web form's submission, JSON or form-encoded. In order: CORS and the
 * origin check, the body limit, the rate limits (per client address, per form), parsing and
 * validation (with the Idempotency-Key's syntax), Turnstile, the spam checks, then the idempotency
 * claim and the submission are stored in D1 (with its consents and attribution) and its id queued
 * for processing, and only then answered: 202 with the id, or 303 to the form's thank-you page
 * for a form-encoded post. A submission judged spam claims its key as spam: one that passes the
 * checks takes the key over (src/storage/intake-idempotency.ts), never getting the spam one's answer.
 *
 * One D1 round trip per submission: a single batch claims the idempotency key (only while the
 * policy this isolate remembers is still the active one; if not, the request starts over on a
 * fresh read) and stores the submission, its consents and touch only if the claim is ours. Of two
 * requests with one key, the one whose batch runs first stores; the other learns the holder from
 * its own claim statement and gets the stored answer (or 422), so nothing is stored twice and
 * nothing is ever half stored. Locally each D1 round trip costs the Worker's thread about four
 * milliseconds (measured by leaving one out), more than anything else the route does.
 *
 * Turnstile is verified before the batch, and before anything that could answer with a
 * submission's id: a forged or spent token gets 403, whoever's fields it comes with. A token is
 * spent on one claim (src/turnstile/turnstile.ts): the same submission sent again with it (a double
 * click, a retry after a lost answer) passes siteverify again and gets the stored answer from the
 * batch; a token siteverify calls spent is answered from the claim it was spent on, found by the
 * token's hash, which only the client holding the token can name. The hostname (and the action,
 * when the form sets one) siteverify says the widget was solved on must be one of the form's.
 * The route reads c.get("now") rather than c.var.now: Hono builds c.var anew on every access.
 */

/** Forms are small; a body this large is not a person filling in a form. */
export const MAX_INTAKE_BODY_BYTES = 64 * 1024;
/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_KEY_TTL_MS = 86_400_000;
const RATE_LIMIT_RETRY_AFTER_S = { ip: 60, form: 10 };

export interface IntakeDeps {
  /** Outbound calls (Turnstile's siteverify); tests give a stand-in. */
  fetch?: typeof fetch;
  /** Submission ids. */
  newId?: () => string;
}

type IntakeContext = Context<AppEnv, "/:formKey">;

function invalidSubmission(issues: FieldIssue[]): HttpError {
  const message = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  return new HttpError(400, "invalid_submission", message, { issues: issues.slice(0, 50) });
}

interface FormOfPolicy {
  form: Form;
  productLineField?: string;
  cors: Record<string, string> | undefined;
  read: ReadPolicy;
  /** Read from D1 for this request, rather than remembered from an earlier one (to be checked with the claim). */
  fresh: boolean;
}

/** The policy was saved anew since this isolate read it: the request starts over on a fresh read. */
class StalePolicy extends Error {}

/** The form and its CORS headers, from the policy this isolate last read; a refusal (404, 403) is only given on a fresh read. */
async function formOf(c: IntakeContext, fresh: boolean): Promise<FormOfPolicy> {
  const key = c.req.param("formKey");
  const known = fresh ? undefined : lastReadPolicy();
  const read = known ?? (await readActivePolicy(c.env.DB));
  try {
    const form = read.policy.forms.find((f) => f.key === key);
    if (!form) throw new HttpError(404, "unknown_form", `no form "${key}" in the policy`);
    return { form, productLineField: read.policy.routing?.productLineField, cors: corsFor(c, form), read, fresh: !known };
  } catch (error) {
    if (known && error instanceof HttpError) return formOf(c, true);
    throw error;
  }
}

/** The CORS headers for an allowed cross-origin caller; undefined without an Origin; 403 for another origin. */
function corsFor(c: IntakeContext, form: Form): Record<string, string> | undefined {
  const origin = c.req.header("origin");
  if (origin === undefined) return undefined;
  if (!originAllowed(form.allowedOrigins, origin, selfOrigin(c.req.url, c.get("config").PUBLIC_BASE_URL))) {
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

/**
 * The booking link of a submission whose form offers a meeting (src/booking), made for the answer
 * and never stored: a duplicate answered with an earlier submission's id gets that submission's
 * link, so whoever sends the same fields again reaches the same booking. It books; changing a
 * booked meeting takes the manage link only the booking page's own answer gives (docs/booking.md).
 */
async function bookingLinkFor(c: IntakeContext, request: FormOfPolicy, submissionId: string) {
  const booking = request.read.policy.booking;
  const secret = c.get("config").BOOKING_TOKEN_SECRET;
  if (!secret || !bookingFormOf(booking, request.form.key)) return undefined;
  const expires = new Date(c.get("now")().getTime() + durationMillis(booking!.linkLifetime));
  return bookingLink(secret, submissionId, expires, selfOrigin(c.req.url, c.get("config").PUBLIC_BASE_URL));
}

async function answer(c: IntakeContext, request: FormOfPolicy, stored: StoredAnswer, cors: Record<string, string> | undefined): Promise<Response> {
  const link = await bookingLinkFor(c, request, stored.submissionId);
  if (stored.status === 303) {
    // The thank-you page gets the link as ?booking=…, where the embed script finds it.
    const location = new URL(stored.location!);
    if (link) location.searchParams.set("booking", link.url);
    return new Response(null, { status: 303, headers: { location: link ? location.toString() : stored.location!, ...cors } });
  }
  const booking = link ? { bookingToken: link.token, bookingUrl: link.url } : {};
  // The runtime's own Response.json: Hono's c.json builds its headers anew, a visible share of the answer under load.
  return Response.json({ submissionId: stored.submissionId, status: "accepted", ...booking }, { status: 202, headers: cors });
}

async function readFields(c: IntakeContext, body: Uint8Array): Promise<{ raw: RawFields; formEncoded: boolean }> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    const parsed = fieldsOfJson(parseJson(body));
    if (!parsed.ok) throw invalidSubmission(parsed.issues);
    return { raw: parsed.fields, formEncoded: false };
  }
  if (type === "application/x-www-form-urlencoded") {
    const parsed = fieldsOfForm(formFields(body));
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
  if (c.get("config").DISABLE_INTAKE_RATE_LIMITS) return;
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

/** The draft's answer for a key someone else holds: its stored answer, 422 for another payload, or 409 while in progress. */
function heldKeyAnswer(record: IdempotencyRecord, claim: Claim, explicit: boolean): StoredAnswer {
  const outcome = outcomeOfExisting(record, claim.fingerprint, explicit);
  if (outcome.kind === "replay") return outcome.answer;
  if (outcome.kind === "mismatch") {
    throw new HttpError(422, "idempotency_key_reused", "this Idempotency-Key was used for another payload: send a new key for a new submission");
  }
  throw new HttpError(409, "request_in_progress", "a request with this Idempotency-Key is still being handled; retry shortly", undefined, {
    "retry-after": "1",
  });
}

const turnstileFailed = (codes: readonly string[], why?: string) =>
  new HttpError(
    403,
    "turnstile_failed",
    `the Turnstile check failed (${codes.join(", ") || "no reason given"}${why ? `: ${why}` : ""}): complete the challenge again`,
    {
      issues: [{ field: TURNSTILE_FIELD, message: codes.join(", ") }],
    },
  );

/**
 * The token's check: the "verified" step, or the stored answer of the claim a spent token was
 * spent on (its own retry); anything else is 403 (503 when siteverify cannot be asked).
 */
async function checkTurnstile(
  c: IntakeContext,
  deps: Required<IntakeDeps>,
  form: Form,
  token: string,
  claim: Claim,
  explicit: boolean,
  spam: boolean,
): Promise<{ step: SubmissionStep } | { replay: StoredAnswer }> {
  const secret = c.get("config").TURNSTILE_SECRET_KEY!;
  const verdict = await verifyTurnstile({
    secret,
    token,
    scope: `${claim.formKey}\n${claim.key}`,
    remoteIp: c.req.header("cf-connecting-ip"),
    url: c.get("config").TURNSTILE_SITEVERIFY_URL,
    fetch: deps.fetch,
  });
  if (verdict.ok) {
    if (!isDummySecret(secret)) {
      const self = selfOrigin(c.req.url, c.get("config").PUBLIC_BASE_URL);
      if (!verdict.hostname || !hostnameAllowed(form.allowedOrigins, verdict.hostname, self)) {
        throw turnstileFailed(
          ["hostname-mismatch"],
          `the widget was solved on ${verdict.hostname ?? "no named host"}, not on a page of form ${form.key}`,
        );
      }
      const action = form.spam.turnstile?.action;
      if (action !== undefined && verdict.action !== action) {
        throw turnstileFailed(["action-mismatch"], `the widget's action is ${verdict.action ?? "none"}, form ${form.key} expects ${action}`);
      }
    }
    return {
      step: {
        step: "verified",
        at: c.get("now")().toISOString(),
        detail: { turnstile: { hostname: verdict.hostname, challengeTs: verdict.challengeTs } },
      },
    };
  }
  if (verdict.kind === "refused") {
    // Spent (or expired): the retry of a submission whose answer was lost, if this very token made
    // its claim; not when that one was judged spam and this one passes (a fresh token takes it over).
    if (verdict.codes.includes("timeout-or-duplicate") && claim.tokenHash) {
      const record = holderOf(await spentTokenStatement(c.env.DB, claim, claim.tokenHash).all());
      if (record?.state === "done" && !(record.spam && !spam)) return { replay: heldKeyAnswer(record, claim, explicit) };
    }
    throw turnstileFailed(verdict.codes);
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
  requestCountry?: string;
}

/**
 * The one batch: the claim (done, with its answer) if the policy the request was read with is
 * still the active one, then the submission (with the person's earlier touches), its consents and
 * its touch, each only if the claim is ours. Returns the holder's answer when another request got
 * there first (see heldKeyAnswer); throws StalePolicy when the policy changed (nothing was written).
 */
async function store(
  c: IntakeContext,
  request: FormOfPolicy,
  claim: Claim,
  stored: StoredAnswer,
  ttlMs: number,
  accepted: Accepted,
  steps: SubmissionStep[],
  verdict: SpamVerdict,
): Promise<StoredAnswer> {
  const { submission, raw } = accepted;
  const { form } = request;
  const db = c.env.DB;
  const email = submission.email.canonical;
  const at = () => c.get("now")().toISOString();
  if (verdict.spam) steps.push({ step: "spam", at: at(), detail: { reason: verdict.reason } });

  const id = claim.submissionId;
  const context: SubmissionContext = {
    ...headerFacts(c, accepted.requestCountry),
    ...(accepted.idempotencyKey ? { idempotencyKey: accepted.idempotencyKey } : {}),
  };
  // As large as the form allows, whatever was posted: unknown fields and the token are not kept.
  const rawKept = keptRawFields(form, raw);
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
  const ours = claimGuard(claim);
  const [claimed] = await db.batch([
    claimStatement(db, claim, stored, c.get("now")(), ttlMs, request.fresh ? undefined : policyIsCurrentCondition(request.read)),
    ...storeSubmissionStatements(
      db,
      {
        id,
        status: verdict.spam ? "spam" : "received",
        raw: rawKept,
        // Spam keeps what was posted, not the consent texts it would have agreed to (they are the policy's).
        submission: verdict.spam ? { ...submission, consents: [] } : submission,
        context,
        ...(verdict.spam ? { spamReason: verdict.reason } : {}),
        steps,
      },
      { when: ours, withPreviousTouches: !verdict.spam },
    ),
    ...consentStatements(db, consentRows, ours),
    ...(verdict.spam ? [] : [touchStatement(db, email, submission.touch, id, ours)]),
  ]);
  const outcome = claimOutcome(claim, claimed!);
  if (!outcome) throw new StalePolicy();
  if (!outcome.claimed) return heldKeyAnswer(outcome.record, claim, accepted.idempotencyKey !== undefined);
  // Spam is stored and answered like any submission, and goes no further.
  if (!verdict.spam) await sendSubmission(c.env.SUBMISSIONS, id);
  return stored;
}

function headerFacts(
  c: IntakeContext,
  requestCountry: string | undefined,
): Pick<SubmissionContext, "ip" | "userAgent" | "origin" | "referer" | "requestCountry"> {
  const headers = c.req.raw.headers;
  const facts: Pick<SubmissionContext, "ip" | "userAgent" | "origin" | "referer" | "requestCountry"> = {};
  // Only the facts there are, by plain checks rather than building an object and filtering it: this runs for every submission.
  const ip = headers.get("cf-connecting-ip");
  if (ip !== null) facts.ip = ip;
  const userAgent = headers.get("user-agent");
  if (userAgent !== null) facts.userAgent = userAgent.slice(0, 512);
  const origin = headers.get("origin");
  if (origin !== null) facts.origin = origin;
  const referer = headers.get("referer");
  if (referer !== null) facts.referer = referer.slice(0, 2_000);
  if (requestCountry !== undefined) facts.requestCountry = requestCountry;
  return facts;
}

function requestCountry(c: IntakeContext): string | undefined {
  const country = (c.req.raw.cf as { country?: unknown } | undefined)?.country;
  // "XX" is Cloudflare's "unknown", "T1" Tor: neither is a place.
  return typeof country === "string" && /^[A-Z]{2}$/.test(country) && country !== "XX" && country !== "T1" ? country : undefined;
}

async function submit(c: IntakeContext, deps: Required<IntakeDeps>, request: FormOfPolicy, body: Uint8Array, receivedAt: Date) {
  const { form, cors } = request;
  const { raw, formEncoded } = await readFields(c, body);
  const country = requestCountry(c);
  const validated = validateSubmission(
    form,
    raw,
    { country, referer: c.req.header("referer"), receivedAt },
    { productLineField: request.productLineField },
  );
  if (!validated.ok) throw invalidSubmission(validated.issues);
  const { submission } = validated;
  const header = parseIdempotencyKey(c.req.header("idempotency-key"));
  if (!header.ok)
    throw new HttpError(400, "invalid_idempotency_key", header.message, { issues: [{ field: "Idempotency-Key", message: header.message }] });
  const turnstile = c.get("config").report.features.turnstile;
  if (form.spam.turnstile?.enabled && turnstile.state !== "on") {
    throw new HttpError(503, "not_configured", `form ${form.key} asks for Turnstile: ${turnstile.reason}`);
  }
  const steps: SubmissionStep[] = [
    { step: "received", at: receivedAt.toISOString() },
    {
      step: "validated",
      at: c.get("now")().toISOString(),
      detail: {
        emailKind: submission.email.kind,
        ...(submission.warnings.length ? { warnings: submission.warnings } : {}),
        ...(submission.ignoredFields.length ? { ignoredFields: submission.ignoredFields } : {}),
      },
    },
  ];

  const explicit = header.key !== undefined;
  const token = form.spam.turnstile?.enabled ? raw[TURNSTILE_FIELD]! : undefined;
  const [key, fingerprint, spentWith] = await Promise.all([
    explicit ? `key:${header.key}` : duplicateKey(submission).then((hash) => `dup:${hash}`),
    payloadFingerprint(form.key, raw, form.spam.fillTimeField),
    token === undefined ? undefined : tokenHash(token),
  ]);
  const claim: Claim = { formKey: form.key, key, fingerprint, submissionId: deps.newId(), ...(spentWith ? { tokenHash: spentWith } : {}) };
  const ttl = explicit ? IDEMPOTENCY_KEY_TTL_MS : durationMillis(form.duplicateWindow);
  const id = claim.submissionId;
  const stored: StoredAnswer =
    form.redirect && formEncoded ? { status: 303, submissionId: id, location: form.redirect } : { status: 202, submissionId: id };
  const verdict = spamVerdict(form.spam, raw);
  if (token !== undefined) {
    const checked = await checkTurnstile(c, deps, form, token, claim, explicit, verdict.spam);
    if ("replay" in checked) return answer(c, request, checked.replay, cors);
    steps.push(checked.step);
  }
  if (verdict.spam) claim.spam = true;
  const result = await store(
    c,
    request,
    claim,
    stored,
    ttl,
    { submission, raw, formEncoded, requestCountry: country, ...(explicit ? { idempotencyKey: header.key } : {}) },
    steps,
    verdict,
  );
  return answer(c, request, result, cors);
}

export function intakeRoutes(options: IntakeDeps = {}) {
  const deps: Required<IntakeDeps> = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    newId: options.newId ?? (() => crypto.randomUUID()),
  };
  return new Hono<AppEnv>()
    .options("/:formKey", async (c) => {
      const { cors } = await formOf(c, false);
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
      const receivedAt = c.get("now")();
      let request = await formOf(c, false);
      try {
        const body = await readRawBody(c.req.raw, MAX_INTAKE_BODY_BYTES);
        await rateLimit(c, request.form);
        try {
          return await submit(c, deps, request, body, receivedAt);
        } catch (error) {
          if (!(error instanceof StalePolicy)) throw error;
        }
        request = await formOf(c, true);
        return await submit(c, deps, request, body, receivedAt);
      } catch (error) {
        // The page's script reads error answers too: they carry the CORS headers.
        throw withHeaders(error, request.cors);
      }
    })
    .all("/:formKey", () => {
      throw new HttpError(405, "method_not_allowed", "forms are submitted with POST", undefined, { allow: "POST, OPTIONS" });
    });
}
