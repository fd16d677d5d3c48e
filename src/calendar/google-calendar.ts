import { importPKCS8, SignJWT } from "jose";
import { z } from "zod";
import type { Interval } from "../core/booking/slots";
import { systemClock } from "../platform/clock";
import { type Failure, failureOfStatus, type Result } from "../platform/failure";
import type { CalendarAvailability, CalendarEvent, CalendarPort, EventInput } from "./calendar-port";
import { failed, failureText, type HttpAnswer, ok, send } from "./calendar-http";

/**
 * Google Calendar through a service account with domain-wide delegation: a JWT signed with the
 * account's key (RS256, `sub` = the rep) is exchanged for the rep's access token at the key file's
 * token_uri ("Using OAuth 2.0 for Server to Server Applications"); free time is freeBusy.query, a
 * meeting is events.insert with the visitor as attendee and a Meet link (conferenceData,
 * conferenceDataVersion=1), invitations sent (sendUpdates=all). The event id is the booking's id,
 * so a retried insert is refused as a duplicate (409) and the adapter reads the event instead.
 */

export const GOOGLE_CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Tokens live an hour (expires_in 3599); one is renewed this long before it ends. */
const RENEW_BEFORE_MS = 120_000;

/** The fields of Google's JSON key file the adapter reads. */
export const ServiceAccountKey = z.looseObject({
  client_email: z.email(),
  private_key: z.string().includes("PRIVATE KEY"),
  private_key_id: z.string().optional(),
  token_uri: z.url({ protocol: /^https?$/ }),
});
export type ServiceAccountKey = z.infer<typeof ServiceAccountKey>;

/** The key file as `wrangler secret put` takes it (its JSON), or base64 of it (one line in .dev.vars); null when neither. */
export function parseServiceAccountKey(text: string): ServiceAccountKey | null {
  const trimmed = text.trim();
  let json = trimmed;
  if (!trimmed.startsWith("{")) {
    try {
      json = new TextDecoder().decode(Uint8Array.from(atob(trimmed), (c) => c.charCodeAt(0)));
    } catch {
      return null;
    }
  }
  try {
    const parsed = ServiceAccountKey.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface GoogleCalendarOptions {
  key: ServiceAccountKey;
  /** https://www.googleapis.com; the emulator's URL in dev and tests. */
  apiBase: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
}

interface GoogleError {
  error?: { code?: number; message?: string; errors?: { reason?: string; message?: string }[] } | string;
  error_description?: string;
}

const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);

/** Google's answer as a Failure: the quotas answer 403 or 429 (no Retry-After: back off), refused tokens 401. */
export function googleFailure(what: string, answer: HttpAnswer): Failure {
  const body = (answer.body ?? {}) as GoogleError;
  const error = typeof body.error === "object" ? body.error : undefined;
  const reason = error?.errors?.[0]?.reason ?? (typeof body.error === "string" ? body.error : undefined);
  const message = failureText(what, answer.status, [reason, error?.message ?? body.error_description].filter(Boolean).join(": "));
  if (answer.status === 403 && reason && RATE_REASONS.has(reason)) return { kind: "rateLimited", message, status: 403, code: reason };
  const failure = failureOfStatus(answer.status, message);
  // The token endpoint refuses a key or a delegation with 400/401: nothing a retry fixes, an admin does.
  if (reason === "invalid_grant" || reason === "unauthorized_client" || reason === "invalid_client") return { ...failure, credentials: true };
  return reason ? { ...failure, code: reason } : failure;
}

interface GoogleEvent {
  id: string;
  status?: string;
  start?: { dateTime?: string };
  end?: { dateTime?: string };
  htmlLink?: string;
  hangoutLink?: string;
  conferenceData?: { entryPoints?: { entryPointType?: string; uri?: string }[] };
}

function eventOf(event: GoogleEvent): CalendarEvent {
  const joinUrl = event.hangoutLink ?? event.conferenceData?.entryPoints?.find((e) => e.entryPointType === "video")?.uri;
  return {
    eventId: event.id,
    start: new Date(event.start?.dateTime ?? 0),
    end: new Date(event.end?.dateTime ?? 0),
    ...(joinUrl ? { joinUrl } : {}),
    ...(event.htmlLink ? { htmlLink: event.htmlLink } : {}),
  };
}

export class GoogleCalendar implements CalendarPort {
  readonly provider = "google" as const;
  readonly logsCrmMeeting = false;
  private readonly key: ServiceAccountKey;
  private readonly apiBase: string;
  private readonly fetcher: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  /** Access tokens by the user they act as, and the exchanges in flight (one per user at a time). */
  private readonly tokens = new Map<string, { token: string; until: number }>();
  private readonly exchanges = new Map<string, Promise<Result<string>>>();

  constructor(options: GoogleCalendarOptions) {
    this.key = options.key;
    this.apiBase = options.apiBase.replace(/\/+$/, "");
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? systemClock.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The rep's token: a JWT for them (domain-wide delegation) exchanged at the key's token_uri. */
  private async token(user: string): Promise<Result<string>> {
    const known = this.tokens.get(user);
    if (known && known.until > this.now()) return ok(known.token);
    let exchange = this.exchanges.get(user);
    if (!exchange) {
      exchange = this.exchange(user).finally(() => this.exchanges.delete(user));
      this.exchanges.set(user, exchange);
    }
    return exchange;
  }

  private async exchange(user: string): Promise<Result<string>> {
    let assertion: string;
    try {
      const iat = Math.floor(this.now() / 1000);
      const key = await importPKCS8(this.key.private_key, "RS256");
      assertion = await new SignJWT({ scope: GOOGLE_CALENDAR_SCOPE })
        .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(this.key.private_key_id ? { kid: this.key.private_key_id } : {}) })
        .setIssuer(this.key.client_email)
        .setSubject(user)
        .setAudience(this.key.token_uri)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(key);
    } catch {
      // The key's text is never repeated: only that it could not sign.
      return failed({
        kind: "permanent",
        credentials: true,
        message: "Google: the service account's private key cannot sign (GOOGLE_SERVICE_ACCOUNT_KEY)",
      });
    }
    const answer = await send(
      this.fetcher,
      { method: "POST", url: this.key.token_uri, body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }) },
      "Google token",
      this.timeoutMs,
    );
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(googleFailure(`Google token for ${user}`, answer.value));
    const body = answer.value.body as { access_token?: string; expires_in?: number };
    if (!body?.access_token) return failed({ kind: "transient", message: "Google token: the answer has no access_token" });
    const lifetime = (body.expires_in ?? 3599) * 1000;
    this.tokens.set(user, { token: body.access_token, until: this.now() + Math.max(0, lifetime - RENEW_BEFORE_MS) });
    return ok(body.access_token);
  }

  /** A Calendar API call as the rep; a 401 drops the cached token, so the next call signs in again. */
  private async api(user: string, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, what: string, body?: unknown) {
    const token = await this.token(user);
    if (!token.ok) return token;
    const answer = await send(
      this.fetcher,
      { method, url: `${this.apiBase}${path}`, headers: { authorization: `Bearer ${token.value}` }, body },
      what,
      this.timeoutMs,
    );
    if (answer.ok && answer.value.status === 401) this.tokens.delete(user);
    return answer;
  }

  async availability(calendar: string, window: Interval): Promise<Result<CalendarAvailability>> {
    const what = "Google freeBusy";
    const answer = await this.api(calendar, "POST", "/calendar/v3/freeBusy", what, {
      timeMin: new Date(window.start).toISOString(),
      timeMax: new Date(window.end).toISOString(),
      items: [{ id: calendar }],
    });
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(googleFailure(what, answer.value));
    const calendars = (
      answer.value.body as { calendars?: Record<string, { busy?: { start: string; end: string }[]; errors?: { reason?: string }[] }> }
    ).calendars;
    const entry = calendars?.[calendar];
    if (!entry) return failed({ kind: "transient", message: `${what}: the answer has no entry for the calendar` });
    if (entry.errors?.length) {
      return failed({
        kind: "permanent",
        credentials: true,
        message: `${what}: ${entry.errors.map((e) => e.reason).join(", ")} (is ${calendar} a user of the domain?)`,
      });
    }
    return ok({ busy: (entry.busy ?? []).map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) })) });
  }

  async createEvent(input: EventInput): Promise<Result<CalendarEvent>> {
    const what = "Google events.insert";
    const path = `/calendar/v3/calendars/${encodeURIComponent(input.calendar)}/events`;
    const answer = await this.api(input.calendar, "POST", `${path}?conferenceDataVersion=1&sendUpdates=all`, what, {
      id: input.key,
      summary: input.title,
      description: input.description,
      start: { dateTime: input.start.toISOString(), timeZone: input.zone },
      end: { dateTime: input.end.toISOString(), timeZone: input.zone },
      attendees: [{ email: input.visitor.email, displayName: input.visitor.name }],
      conferenceData: { createRequest: { requestId: input.key, conferenceSolutionKey: { type: "hangoutsMeet" } } },
      extendedProperties: { private: { leadFollowUpBooking: input.key } },
    });
    if (!answer.ok) return answer;
    if (answer.value.status === 200) return ok(eventOf(answer.value.body as GoogleEvent));
    if (answer.value.status !== 409) return failed(googleFailure(what, answer.value));
    // Our id is taken: an earlier try made the event (its answer lost). It is put where asked.
    const found = await this.getEvent(input.calendar, input.key);
    if (!found.ok) return found;
    const event = found.value;
    if (
      event.status !== "cancelled" &&
      Date.parse(event.start?.dateTime ?? "") === input.start.getTime() &&
      Date.parse(event.end?.dateTime ?? "") === input.end.getTime()
    ) {
      return ok(eventOf(event));
    }
    return this.patch(input, { status: "confirmed" });
  }

  private async getEvent(calendar: string, eventId: string): Promise<Result<GoogleEvent>> {
    const what = "Google events.get";
    const answer = await this.api(
      calendar,
      "GET",
      `/calendar/v3/calendars/${encodeURIComponent(calendar)}/events/${encodeURIComponent(eventId)}`,
      what,
    );
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(googleFailure(what, answer.value));
    return ok(answer.value.body as GoogleEvent);
  }

  private async patch(input: EventInput, extra: Record<string, unknown> = {}): Promise<Result<CalendarEvent>> {
    const what = "Google events.patch";
    const path = `/calendar/v3/calendars/${encodeURIComponent(input.calendar)}/events/${encodeURIComponent(input.key)}`;
    const answer = await this.api(input.calendar, "PATCH", `${path}?conferenceDataVersion=1&sendUpdates=all`, what, {
      start: { dateTime: input.start.toISOString(), timeZone: input.zone },
      end: { dateTime: input.end.toISOString(), timeZone: input.zone },
      ...extra,
    });
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(googleFailure(what, answer.value));
    return ok(eventOf(answer.value.body as GoogleEvent));
  }

  moveEvent(input: EventInput): Promise<Result<CalendarEvent>> {
    return this.patch(input);
  }

  async cancelEvent(calendar: string, current: CalendarEvent): Promise<Result<void>> {
    const what = "Google events.delete";
    const path = `/calendar/v3/calendars/${encodeURIComponent(calendar)}/events/${encodeURIComponent(current.eventId)}?sendUpdates=all`;
    const answer = await this.api(calendar, "DELETE", path, what);
    if (!answer.ok) return answer;
    // 410: deleted already (an earlier try whose answer was lost).
    if (answer.value.status === 204 || answer.value.status === 200 || answer.value.status === 410) return ok(undefined);
    return failed(googleFailure(what, answer.value));
  }
}
