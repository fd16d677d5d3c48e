import { z } from "zod";
import type { SlackMember } from "../core/policy/roster";
import { classify, failureOfStatus, parseRetryAfter, type Result, withTimeout } from "../platform/failure";

/**
 * The workspace's members, for the roster bootstrap: users.list, paged (scopes users:read and,
 * for the addresses, users:read.email). Chosen over users.lookupByEmail: its calls grow with the
 * workspace in pages of 200 (a 2,000-person workspace is 10 calls), where a lookup costs one call
 * per owner, and the CRMs' owners include every seat (admins, support, managers), not just reps.
 */

/** Slack's recommended page size. */
const PAGE = 200;

const Member = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  real_name: z.string().optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  tz: z.string().nullish(),
  profile: z.looseObject({ email: z.string().optional(), real_name: z.string().optional() }).optional(),
});
const UsersListResponse = z.looseObject({
  ok: z.boolean(),
  error: z.string().optional(),
  needed: z.string().optional(),
  members: z.array(Member).optional(),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

/** Errors worth another try; the rest (missing_scope, invalid_auth, …) need an admin. */
const TRANSIENT_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

export interface SlackUsersOptions {
  botToken: string;
  apiBase: string;
  beforeCall?: () => Promise<void>;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

export async function listSlackMembers(options: SlackUsersOptions): Promise<Result<SlackMember[]>> {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const members: SlackMember[] = [];
  const seen = new Set<string>();
  let cursor = "";
  do {
    let response: Response;
    try {
      await options.beforeCall?.();
      response = await withTimeout(
        send(`${options.apiBase}/api/users.list`, {
          method: "POST",
          headers: { authorization: `Bearer ${options.botToken}`, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ limit: String(PAGE), ...(cursor ? { cursor } : {}) }),
        }),
        options.timeoutMs ?? 10_000,
        "Slack users.list",
      );
    } catch (error) {
      return { ok: false, failure: classify(error, (m) => `Slack network error: ${m}`) };
    }
    if (response.status === 429) {
      return {
        ok: false,
        failure: failureOfStatus(429, "Slack users.list: 429 ratelimited", parseRetryAfter(response.headers.get("retry-after"), now()) ?? 1_000),
      };
    }
    if (response.status >= 500) return { ok: false, failure: failureOfStatus(response.status, `Slack users.list: ${response.status}`) };
    const body = UsersListResponse.safeParse(await response.json().catch(() => null));
    if (!body.success) return { ok: false, failure: { kind: "transient", message: `Slack users.list ${response.status}: unreadable response` } };
    if (!body.data.ok) {
      const error = body.data.error ?? "unknown_error";
      if (error === "ratelimited")
        return { ok: false, failure: { kind: "rateLimited", message: "Slack users.list: ratelimited", retryAfterMs: 1_000 } };
      const needed = error === "missing_scope" && body.data.needed ? ` (the app needs the ${body.data.needed} scope)` : "";
      return {
        ok: false,
        failure: { kind: TRANSIENT_ERRORS.has(error) ? "transient" : "permanent", message: `Slack users.list: ${error}${needed}` },
      };
    }
    for (const m of body.data.members ?? []) {
      members.push({
        id: m.id,
        name: m.real_name || m.profile?.real_name || m.name || m.id,
        deleted: m.deleted ?? false,
        bot: m.is_bot ?? false,
        ...(m.profile?.email ? { email: m.profile.email } : {}),
        ...(m.tz ? { timeZone: m.tz } : {}),
      });
    }
    cursor = body.data.response_metadata?.next_cursor ?? "";
    // A cursor seen before would page for ever.
    if (seen.has(cursor)) break;
    seen.add(cursor);
  } while (cursor);
  return { ok: true, value: members };
}
