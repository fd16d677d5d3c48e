import { apiRoute, type GoogleContext, objectBody, resolveCalendar, SCOPES } from "./api.ts";
import { badRequest, timeRangeEmpty } from "./errors.ts";
import type { AccessGrant } from "./oauth.routes.ts";
import { formatInZone, isZone, parseDateTime, utcIso } from "./time.ts";

/** FreeBusyRequest.calendarExpansionMax: "Maximum value is 50." */
const MAX_CALENDARS = 50;

/**
 * Whether the token's user may see a calendar's free/busy: their own, or (acting as a domain
 * user) another domain user's who shares free/busy inside the domain, Workspace's default.
 * A service account acting as itself is no member of the domain and sees only its own.
 */
function visible(ctx: GoogleContext, grant: AccessGrant, calendarId: string): boolean {
  if (calendarId === grant.subject) return true;
  const owner = ctx.directory.user(calendarId);
  return grant.delegated && owner !== undefined && owner.shareFreeBusy !== false;
}

/**
 * POST /calendar/v3/freeBusy (freebusy.query): `{timeMin, timeMax, timeZone?, items: [{id}]}` →
 * `{kind: "calendar#freeBusy", timeMin, timeMax, calendars: {id: {busy: [{start, end}]}}}`, busy
 * periods merged, clipped to the window and written in timeZone (default UTC). A calendar the
 * caller cannot see answers `{errors: [{domain: "global", reason: "notFound"}], busy: []}`.
 */
export function registerFreeBusyRoutes(ctx: GoogleContext): void {
  apiRoute(ctx, "POST", "/calendar/v3/freeBusy", SCOPES.freeBusy, (req, grant) => {
    const body = objectBody(req);
    const bound = (name: "timeMin" | "timeMax") => {
      if (body[name] === undefined) throw badRequest("required", "Required", name);
      const ms = parseDateTime(body[name]);
      if (ms === undefined) throw badRequest("invalid", `Invalid value for: ${name}`, name);
      return ms;
    };
    const timeMin = bound("timeMin");
    const timeMax = bound("timeMax");
    if (timeMax <= timeMin) throw timeRangeEmpty("timeMax");
    const zone = body.timeZone ?? "UTC";
    if (!isZone(zone)) throw badRequest("invalid", "Invalid time zone definition.", "timeZone");
    if (body.items !== undefined && !Array.isArray(body.items)) throw badRequest("invalid", "Invalid value for: items", "items");
    const items = (body.items ?? []) as { id?: unknown }[];

    const calendars: Record<string, unknown> = {};
    items.forEach((item, index) => {
      const requested = String(item?.id ?? "");
      if (index >= MAX_CALENDARS) {
        calendars[requested] = { errors: [{ domain: "calendar", reason: "tooManyCalendarsRequested" }], busy: [] };
        return;
      }
      const calendar = resolveCalendar(ctx, grant, requested);
      if (!calendar || !visible(ctx, grant, calendar.id)) {
        calendars[requested] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
        return;
      }
      calendars[requested] = {
        busy: ctx.store.busy(calendar.id, timeMin, timeMax).map((b) => ({ start: formatInZone(b.start, zone), end: formatInZone(b.end, zone) })),
      };
    });
    return { status: 200, body: { kind: "calendar#freeBusy", timeMin: utcIso(timeMin), timeMax: utcIso(timeMax), calendars } };
  });
}
