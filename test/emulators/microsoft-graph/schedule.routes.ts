import { answerZone, type GraphContext, mailboxRoute, objectBody, ROLES, zoneOf } from "./api.ts";
import { badRequest } from "./errors.ts";
import type { ShowAs, StoredEvent } from "./mailbox-store.ts";
import { graphDateTime, readDateTime } from "./time-zones.ts";

/** availabilityView digits (scheduleInformation): 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere. */
const DIGIT: Record<ShowAs, string> = { free: "0", tentative: "1", busy: "2", oof: "3", workingElsewhere: "4", unknown: "0" };
/** Which status a slot shows when items overlap in it: the strongest claim on the time. */
const RANK: Record<ShowAs, number> = { free: 0, unknown: 0, workingElsewhere: 1, tentative: 2, busy: 3, oof: 4 };

function availabilityView(items: StoredEvent[], start: number, end: number, intervalMs: number): string {
  let view = "";
  for (let slot = start; slot < end; slot += intervalMs) {
    const slotEnd = slot + intervalMs;
    let shown: ShowAs = "free";
    for (const item of items) if (item.startMs < slotEnd && item.endMs > slot && RANK[item.showAs] > RANK[shown]) shown = item.showAs;
    view += DIGIT[shown];
  }
  return view;
}

const time = (hhmm: string) => `${hhmm.length === 5 ? `${hhmm}:00` : hhmm}.0000000`;

/**
 * POST /v1.0/users/{id | userPrincipalName}/calendar/getSchedule ("calendar: getSchedule"):
 * `{schedules, startTime, endTime, availabilityViewInterval}` → `{value: [{scheduleId,
 * availabilityView, scheduleItems, workingHours}]}`. Item times are written in the `Prefer:
 * outlook.timezone` zone, "If not specified, those time values are returned in UTC." The view's
 * slots are real intervals from startTime, so a day with a DST change has 23 or 25 hours of them.
 */
export function registerScheduleRoutes(ctx: GraphContext): void {
  mailboxRoute(ctx, "POST", "/v1.0/users/:user/calendar/getSchedule", ROLES.schedule, (req) => {
    const body = objectBody(req);
    const zone = answerZone(req);
    if (!Array.isArray(body.schedules) || body.schedules.length === 0 || body.schedules.some((s) => typeof s !== "string")) {
      throw badRequest("The parameter 'schedules' must be a non-empty collection of SMTP addresses.", "ErrorInvalidParameter");
    }
    const bound = (name: "startTime" | "endTime") => {
      const value = body[name] as { dateTime?: unknown } | undefined;
      if (!value || typeof value !== "object") throw badRequest(`The parameter '${name}' is required.`, "ErrorInvalidParameter");
      const ms = readDateTime(value.dateTime, zoneOf(value, name).iana);
      if (ms === undefined) throw badRequest(`The parameter '${name}' is invalid.`, "ErrorInvalidParameter");
      return ms;
    };
    const start = bound("startTime");
    const end = bound("endTime");
    if (end <= start) throw badRequest("The parameter 'endTime' must be later than 'startTime'.", "ErrorInvalidParameter");
    const interval = body.availabilityViewInterval === undefined ? 30 : Number(body.availabilityViewInterval);
    // "The default is 30 minutes, minimum is 5, maximum is 1440."
    if (!Number.isInteger(interval) || interval < 5 || interval > 1440) {
      throw badRequest("The parameter 'availabilityViewInterval' must be an integer from 5 to 1440.", "ErrorInvalidParameter");
    }

    const value = (body.schedules as string[]).map((scheduleId) => {
      const user = ctx.tenant.user(scheduleId);
      if (!user) {
        return {
          scheduleId,
          availabilityView: "",
          scheduleItems: [],
          error: { message: `The mailbox ${scheduleId} could not be found.`, responseCode: "ErrorMailRecipientNotFound" },
        };
      }
      const items = ctx.store.overlapping(user.id, start, end).filter((e) => e.showAs !== "free" && !e.isCancelled);
      return {
        scheduleId,
        availabilityView: availabilityView(items, start, end, interval * 60_000),
        scheduleItems: items.map((e) => ({
          isPrivate: e.sensitivity === "private",
          status: e.showAs,
          // A private item's details stay hidden from anyone but its owner.
          ...(e.sensitivity === "private" ? {} : { subject: e.subject, location: e.location ?? "" }),
          start: { dateTime: graphDateTime(e.startMs, zone.iana), timeZone: zone.name },
          end: { dateTime: graphDateTime(e.endMs, zone.iana), timeZone: zone.name },
        })),
        workingHours: {
          daysOfWeek: user.workingHours.daysOfWeek,
          startTime: time(user.workingHours.startTime),
          endTime: time(user.workingHours.endTime),
          timeZone: { name: user.timeZone },
        },
      };
    });
    return {
      status: 200,
      body: { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", value },
    };
  });
}
