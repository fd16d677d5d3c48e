import type { Interval } from "../core/booking/slots";
import { systemClock } from "../platform/clock";
import { type Failure, failureOfStatus, parseRetryAfter, type Result } from "../platform/failure";
import type { CalendarAvailability, CalendarEvent, CalendarPort, EventInput } from "./calendar-port";
import { failed, failureText, type HttpAnswer, ok, send } from "./calendar-http";

/**
 * Microsoft 365 through Microsoft Graph with application permissions (Calendars.ReadWrite): the
 * client credentials grant at the tenant's token endpoint, `calendar/getSchedule` for free time,
 * `POST /users/{id}/events` with the visitor as attendee and a Teams meeting (isOnlineMeeting,
 * teamsForBusiness). Graph's `transactionId` ("to avoid redundant POST operations in case of
 * client retries") is the booking's id and the start, so a retried create returns the event the
 * first made. Throttling (429) carries Retry-After, which the failure keeps.
 */

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const RENEW_BEFORE_MS = 120_000;

export interface MicrosoftCalendarOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https://graph.microsoft.com; the emulator's URL in dev and tests. */
  graphBase: string;
  /** https://login.microsoftonline.com; the emulator's URL in dev and tests. */
  loginBase: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
}

/** Graph's error as a Failure: 429 and 503 with their Retry-After; a refused token or an access policy is the credentials'. */
export function graphFailure(what: string, answer: HttpAnswer, now: number): Failure {
  const body = (answer.body ?? {}) as { error?: { code?: string; message?: string } | string; error_description?: string };
  const error = typeof body.error === "object" ? body.error : undefined;
  const code = error?.code ?? (typeof body.error === "string" ? body.error : undefined);
  // The identity platform's description ends with trace and correlation ids: the first line says it.
  const detail = error?.message ?? body.error_description?.split("\r\n")[0];
  const message = failureText(what, answer.status, [code, detail].filter(Boolean).join(": "));
  const failure = failureOfStatus(answer.status, message, parseRetryAfter(answer.headers["retry-after"], now));
  const refused = answer.status === 401 || answer.status === 403 || code === "invalid_client" || code === "unauthorized_client";
  return { ...failure, ...(code ? { code } : {}), ...(refused && failure.kind === "permanent" ? { credentials: true as const } : {}) };
}

/** "2026-03-09T14:00:00" for `timeZone: "UTC"` (Graph's dateTimeTimeZone holds a local time and its zone). */
const utcLocal = (d: Date) => d.toISOString().slice(0, 19);

interface GraphEvent {
  id: string;
  webLink?: string;
  onlineMeeting?: { joinUrl?: string } | null;
}

export class MicrosoftCalendar implements CalendarPort {
  readonly provider = "microsoft" as const;
  readonly logsCrmMeeting = false;
  private readonly options: MicrosoftCalendarOptions;
  private readonly fetcher: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private cached: { token: string; until: number } | undefined;
  private exchange: Promise<Result<string>> | undefined;

  constructor(options: MicrosoftCalendarOptions) {
    this.options = { ...options, graphBase: options.graphBase.replace(/\/+$/, ""), loginBase: options.loginBase.replace(/\/+$/, "") };
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? systemClock.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The app's token (one for every mailbox: application permissions), renewed before it ends. */
  private token(): Promise<Result<string>> {
    if (this.cached && this.cached.until > this.now()) return Promise.resolve(ok(this.cached.token));
    this.exchange ??= this.requestToken().finally(() => {
      this.exchange = undefined;
    });
    return this.exchange;
  }

  private async requestToken(): Promise<Result<string>> {
    const { tenantId, clientId, clientSecret, loginBase } = this.options;
    const what = "Microsoft token";
    const answer = await send(
      this.fetcher,
      {
        method: "POST",
        url: `${loginBase}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`,
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, scope: GRAPH_SCOPE, grant_type: "client_credentials" }),
      },
      what,
      this.timeoutMs,
    );
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(graphFailure(what, answer.value, this.now()));
    const body = answer.value.body as { access_token?: string; expires_in?: number };
    if (!body?.access_token) return failed({ kind: "transient", message: `${what}: the answer has no access_token` });
    this.cached = { token: body.access_token, until: this.now() + Math.max(0, (body.expires_in ?? 3599) * 1000 - RENEW_BEFORE_MS) };
    return ok(body.access_token);
  }

  private async api(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, what: string, body?: unknown): Promise<Result<HttpAnswer>> {
    const token = await this.token();
    if (!token.ok) return token;
    const answer = await send(
      this.fetcher,
      {
        method,
        url: `${this.options.graphBase}${path}`,
        // Times in answers in UTC, whatever the mailbox's zone.
        headers: { authorization: `Bearer ${token.value}`, prefer: 'outlook.timezone="UTC"' },
        body,
      },
      what,
      this.timeoutMs,
    );
    if (answer.ok && answer.value.status === 401) this.cached = undefined;
    return answer;
  }

  private userPath(user: string) {
    return `/v1.0/users/${encodeURIComponent(user)}`;
  }

  async availability(calendar: string, window: Interval): Promise<Result<CalendarAvailability>> {
    const what = "Graph getSchedule";
    const answer = await this.api("POST", `${this.userPath(calendar)}/calendar/getSchedule`, what, {
      schedules: [calendar],
      startTime: { dateTime: utcLocal(new Date(window.start)), timeZone: "UTC" },
      endTime: { dateTime: utcLocal(new Date(window.end)), timeZone: "UTC" },
      availabilityViewInterval: 15,
    });
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(graphFailure(what, answer.value, this.now()));
    const schedule = (
      answer.value.body as {
        value?: {
          scheduleItems?: { status?: string; start?: { dateTime?: string }; end?: { dateTime?: string } }[];
          error?: { message?: string; responseCode?: string };
        }[];
      }
    ).value?.[0];
    if (!schedule) return failed({ kind: "transient", message: `${what}: the answer has no schedule` });
    if (schedule.error) {
      return failed({ kind: "permanent", credentials: true, message: `${what}: ${schedule.error.responseCode ?? "error"} for ${calendar}` });
    }
    // Free time and "working elsewhere" can take a meeting; tentative, busy and out of office cannot.
    const busy = (schedule.scheduleItems ?? [])
      .filter((item) => item.status !== "free" && item.status !== "workingElsewhere")
      .map((item) => ({ start: Date.parse(`${item.start?.dateTime}Z`), end: Date.parse(`${item.end?.dateTime}Z`) }))
      .filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end));
    return ok({ busy });
  }

  async createEvent(input: EventInput): Promise<Result<CalendarEvent>> {
    const what = "Graph create event";
    const answer = await this.api("POST", `${this.userPath(input.calendar)}/events`, what, {
      subject: input.title,
      body: { contentType: "text", content: input.description },
      start: { dateTime: utcLocal(input.start), timeZone: "UTC" },
      end: { dateTime: utcLocal(input.end), timeZone: "UTC" },
      attendees: [{ emailAddress: { address: input.visitor.email, name: input.visitor.name }, type: "required" }],
      isOnlineMeeting: true,
      onlineMeetingProvider: "teamsForBusiness",
      // A retry of this booking at this time is the same event; another time is another create.
      transactionId: `${input.key}-${input.start.getTime()}`,
    });
    if (!answer.ok) return answer;
    if (answer.value.status !== 201 && answer.value.status !== 200) return failed(graphFailure(what, answer.value, this.now()));
    return ok(this.eventOf(answer.value.body as GraphEvent, input));
  }

  private eventOf(event: GraphEvent, input: EventInput): CalendarEvent {
    const joinUrl = event.onlineMeeting?.joinUrl;
    return {
      eventId: event.id,
      start: input.start,
      end: input.end,
      ...(joinUrl ? { joinUrl } : {}),
      ...(event.webLink ? { htmlLink: event.webLink } : {}),
    };
  }

  async moveEvent(input: EventInput, current: CalendarEvent): Promise<Result<CalendarEvent>> {
    const what = "Graph update event";
    const answer = await this.api("PATCH", `${this.userPath(input.calendar)}/events/${encodeURIComponent(current.eventId)}`, what, {
      start: { dateTime: utcLocal(input.start), timeZone: "UTC" },
      end: { dateTime: utcLocal(input.end), timeZone: "UTC" },
    });
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return failed(graphFailure(what, answer.value, this.now()));
    return ok({ ...current, ...this.eventOf(answer.value.body as GraphEvent, input), joinUrl: current.joinUrl ?? undefined });
  }

  async cancelEvent(calendar: string, current: CalendarEvent, reason: string): Promise<Result<void>> {
    const what = "Graph cancel event";
    const answer = await this.api("POST", `${this.userPath(calendar)}/events/${encodeURIComponent(current.eventId)}/cancel`, what, {
      comment: reason,
    });
    if (!answer.ok) return answer;
    // 404: cancelled already (an earlier try whose answer was lost).
    if (answer.value.status === 202 || answer.value.status === 204 || answer.value.status === 404) return ok(undefined);
    return failed(graphFailure(what, answer.value, this.now()));
  }
}
