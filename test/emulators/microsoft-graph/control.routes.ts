import type { EmulatorResponse, Handler } from "../shared/server.ts";
import type { GraphContext } from "./api.ts";
import { GraphError } from "./errors.ts";
import { createEvent } from "./events.routes.ts";
import { presentEvent } from "./mailbox-store.ts";
import type { GraphApp, GraphUserInput } from "./tenant.ts";

const list = (body: unknown): Record<string, unknown>[] => (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];

/**
 * /_emulator/… routes: a mailbox's busy blocks and events (with their zones), the events as a
 * person would inspect them, and the tenant's users and app registrations.
 */
export function registerControlRoutes(ctx: GraphContext): void {
  const control = (method: string, pattern: string, handler: Handler) => ctx.server.route({ method, pattern, handler, control: true });
  const seed = (user: string, bodies: Record<string, unknown>[]): EmulatorResponse => {
    const mailbox = ctx.tenant.user(user);
    if (!mailbox) return { status: 404, body: { error: `no mailbox ${user}: add the user first (POST /_emulator/users)` } };
    try {
      const created = bodies.map((body) => createEvent(ctx, mailbox, body, "control").event);
      return { status: 201, body: created.map((e) => presentEvent(e, { iana: mailbox.zone, name: mailbox.timeZone }, mailbox.userPrincipalName)) };
    } catch (error) {
      if (error instanceof GraphError) return { status: 400, body: error.response(ctx.now()).body };
      throw error;
    }
  };

  // {start, end, timeZone?, showAs?, subject?}: local times in timeZone (Windows or IANA), or with an offset.
  control("POST", "/_emulator/users/:user/busy", (req) =>
    seed(
      req.params.user!,
      list(req.body).map((b) => ({
        subject: b?.subject ?? "Busy",
        showAs: b?.showAs ?? "busy",
        start: { dateTime: b?.start, timeZone: b?.timeZone ?? "UTC" },
        end: { dateTime: b?.end, timeZone: b?.timeZone ?? "UTC" },
      })),
    ),
  );

  // Whole event resources, as if the user had them (an `organizer` other than the user: an invitation they received).
  control("POST", "/_emulator/users/:user/events", (req) => seed(req.params.user!, list(req.body)));

  control("GET", "/_emulator/events", (req) => {
    const wanted = req.query.get("user");
    const mailbox = wanted ? ctx.tenant.user(wanted) : undefined;
    const events = ctx.store.all().filter((e) => !wanted || e.mailbox === mailbox?.id);
    return {
      status: 200,
      body: events.map((e) => {
        const owner = ctx.tenant.user(e.mailbox)!;
        return {
          mailbox: owner.userPrincipalName,
          origin: e.origin,
          removed: e.removed,
          notifications: e.notifications,
          event: presentEvent(e, { iana: owner.zone, name: owner.timeZone }, owner.userPrincipalName),
        };
      }),
    };
  });

  control("POST", "/_emulator/users", (req) => {
    try {
      return { status: 201, body: list(req.body).map((u) => ctx.tenant.addUser(u as unknown as GraphUserInput)) };
    } catch (error) {
      return { status: 400, body: { error: (error as Error).message } };
    }
  });

  control("POST", "/_emulator/apps", (req) => {
    try {
      return { status: 201, body: list(req.body).map((a) => ctx.tenant.addApp(a as unknown as GraphApp)) };
    } catch (error) {
      return { status: 400, body: { error: (error as Error).message } };
    }
  });
}
