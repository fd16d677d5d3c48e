import type { EmulatorResponse, Handler } from "../shared/server.ts";
import type { GoogleContext } from "./api.ts";
import { presentEvent, type StoredEvent } from "./calendar-store.ts";
import type { GoogleUser } from "./directory.ts";
import { GoogleApiError } from "./errors.ts";
import { insertEvent } from "./events.routes.ts";
import type { ServiceAccountInput } from "./service-account.ts";

const list = (body: unknown): Record<string, unknown>[] => (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
const refused = (message: string): EmulatorResponse => ({ status: 400, body: { error: message } });

/**
 * /_emulator/… routes: a calendar's busy blocks and events (with their zones), the events as a
 * person would inspect them, and the domain's users and service accounts.
 */
export function registerControlRoutes(ctx: GoogleContext): void {
  const control = (method: string, pattern: string, handler: Handler) => ctx.server.route({ method, pattern, handler, control: true });
  const calendarOf = (raw: string) => {
    const id = raw.toLowerCase();
    const user = ctx.directory.user(id);
    if (user) return { id, zone: user.timeZone };
    if (ctx.directory.serviceAccount(id)) return { id, zone: "UTC" };
    return undefined;
  };
  const seed = (raw: string, bodies: Record<string, unknown>[]): EmulatorResponse => {
    const calendar = calendarOf(raw);
    if (!calendar) return { status: 404, body: { error: `no calendar ${raw}: add the user first (POST /_emulator/users)` } };
    try {
      const created = bodies.map((body) =>
        insertEvent(
          ctx.store,
          ctx.directory,
          { calendar, body, creator: calendar.id, origin: "control", sendUpdates: "none", conferenceDataVersion: 1, attendeesForbidden: false },
          ctx.now(),
        ),
      );
      return { status: 201, body: created.map((e) => presentEvent(e, calendar.zone)) };
    } catch (error) {
      if (error instanceof GoogleApiError) return { status: 400, body: error.response().body };
      throw error;
    }
  };

  // Busy time: {start, end, timeZone?, summary?}, start/end with an offset or local in timeZone.
  control("POST", "/_emulator/calendars/:calendarId/busy", (req) =>
    seed(
      req.params.calendarId!,
      list(req.body).map((b) => ({
        summary: b?.summary ?? "Busy",
        start: { dateTime: b?.start, ...(b?.timeZone ? { timeZone: b.timeZone } : {}) },
        end: { dateTime: b?.end, ...(b?.timeZone ? { timeZone: b.timeZone } : {}) },
      })),
    ),
  );

  // Whole Event resources (attendees, transparency, status, all-day dates…), as if the user made them.
  control("POST", "/_emulator/calendars/:calendarId/events", (req) => seed(req.params.calendarId!, list(req.body)));

  // Every event, newest last, with the emails Google would have sent and who made it.
  control("GET", "/_emulator/events", (req) => {
    const wanted = req.query.get("calendarId")?.toLowerCase();
    const events = ctx.store.all().filter((e) => !wanted || e.calendarId === wanted);
    const zone = (e: StoredEvent) => calendarOf(e.calendarId)?.zone ?? "UTC";
    return {
      status: 200,
      body: events.map((e) => ({ calendarId: e.calendarId, origin: e.origin, notifications: e.notifications, event: presentEvent(e, zone(e)) })),
    };
  });

  control("POST", "/_emulator/users", (req) => {
    try {
      return { status: 201, body: list(req.body).map((u) => ctx.directory.addUser(u as unknown as GoogleUser)) };
    } catch (error) {
      return refused((error as Error).message);
    }
  });

  control("POST", "/_emulator/service-accounts", (req) => {
    try {
      return { status: 201, body: list(req.body).map((a) => ctx.directory.addServiceAccount(a as unknown as ServiceAccountInput)) };
    } catch (error) {
      return refused((error as Error).message);
    }
  });
}
