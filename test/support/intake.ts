import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type AppOptions, createApp } from "../../src/http/app";
import { ORIGIN } from "./requests";
import { DUMMY_TOKEN, siteverifyStub } from "../emulators/turnstile/siteverify";

/** A valid submission of the default policy's demo form (its Turnstile token is the test keys' dummy token). */
export const DEMO = {
  email: "jane.doe@northwind.example",
  firstName: "Jane",
  lastName: "Doe",
  company: "Northwind",
  jobTitle: "VP of Sales",
  phone: "+1 415 555 2671",
  message: "We would like to see the routing.",
  consent_privacy: "2026-01",
  _fill_ms: "8000",
  "cf-turnstile-response": DUMMY_TOKEN,
} as const;

let lastAddress = 0;
/** A fresh client address per request, so the per-address limit never gets in a test's way by accident. */
export const freshIp = () => `198.51.${100 + Math.floor(++lastAddress / 250)}.${lastAddress % 250}`;

export interface IntakeHarness {
  /** Ids the route sent to the submissions queue (the real queue gets them too). */
  sent: string[];
  fetch(request: Request): Promise<Response>;
  post(
    formKey: string,
    fields: Record<string, unknown>,
    init?: { headers?: Record<string, string>; form?: boolean; country?: string },
  ): Promise<Response>;
}

/**
 * The Worker's app with the intake route's outbound calls answered by the siteverify stand-in, run
 * against the test file's real D1, queues and rate limiters. The intake rate limits are off unless
 * `bindings` turns them on (the rate-limit tests do): the other tests send many submissions a minute.
 */
export function intakeHarness(options: AppOptions & { bindings?: Partial<Record<keyof Env, unknown>> } = {}): IntakeHarness {
  const app = createApp({ ...options, intake: { fetch: siteverifyStub, ...options.intake } });
  const sent: string[] = [];
  const queue = env.SUBMISSIONS;
  const recording = {
    send: async (body: { submissionId: string }, opts?: QueueSendOptions) => {
      sent.push(body.submissionId);
      return queue.send(body, opts);
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<{ submissionId: string }>>, opts?: QueueSendBatchOptions) => {
      for (const m of messages) sent.push(m.body.submissionId);
      return queue.sendBatch(messages, opts);
    },
  };
  const bindings = { ...env, SUBMISSIONS: recording, DISABLE_INTAKE_RATE_LIMITS: "true", ...options.bindings } as unknown as Env;
  const fetch = async (request: Request) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(request, bindings, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  return {
    sent,
    fetch,
    post: (formKey, fields, init = {}) => {
      const body = init.form ? new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString() : JSON.stringify(fields);
      return fetch(
        new Request(`${ORIGIN}/intake/${formKey}`, {
          method: "POST",
          body,
          headers: {
            "content-type": init.form ? "application/x-www-form-urlencoded" : "application/json",
            "cf-connecting-ip": freshIp(),
            "user-agent": "Mozilla/5.0 (intake test)",
            ...init.headers,
          },
          ...(init.country ? { cf: { country: init.country } as unknown as IncomingRequestCfProperties } : {}),
        }),
      );
    },
  };
}

/** Row counts of the intake tables: "changes nothing" is these staying the same. */
export async function intakeCounts(): Promise<Record<string, number>> {
  const tables = ["intake_submissions", "intake_submission_steps", "intake_idempotency", "intake_consents", "intake_lead_touches"];
  const results = await env.DB.batch(tables.map((t) => env.DB.prepare(`SELECT count(*) AS n FROM ${t}`)));
  return Object.fromEntries(tables.map((t, i) => [t, (results[i]!.results[0] as { n: number }).n]));
}

export const adminHeaders = { authorization: "Bearer test-admin-token-0123456789" };
