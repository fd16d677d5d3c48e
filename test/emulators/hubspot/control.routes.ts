import { controlRoute, objectBody, type ApiContext } from "./api.ts";
import type { AssociationInput } from "./crm.ts";
import { canonicalType } from "./object-types.ts";
import type { OwnerInput } from "./owners-store.ts";
import { toInspection } from "./serialize.ts";
import type { ResponseChecks } from "./openapi-checks.ts";
import type { HubSpotUi } from "./ui.ts";
import type { Retirement } from "./retirement.ts";
import { badRequest } from "./errors.ts";

function userIdOf(body: Record<string, unknown> | undefined, query: URLSearchParams): number | undefined {
  const raw = body?.userId ?? query.get("userId") ?? undefined;
  return raw === undefined ? undefined : Number(raw);
}

/**
 * /_emulator routes beyond the core's: a simulated human in the UI, the webhook drain, state
 * inspection, the OpenAPI answer checks and owner seeding. They skip auth, faults, rate limits and the call log.
 */
export function registerControlRoutes(ctx: ApiContext, ui: HubSpotUi, responseChecks: ResponseChecks | undefined, retirement: Retirement): void {
  controlRoute(ctx, "POST", "/_emulator/ui/:objectType", (req) => {
    const body = objectBody(req);
    const object = ui.create(req.params.objectType!, (body.properties ?? {}) as Record<string, string>, {
      userId: userIdOf(body, req.query),
      associations: body.associations as AssociationInput[] | undefined,
    });
    return { status: 201, body: toInspection(ctx.state, object) };
  });

  controlRoute(ctx, "PATCH", "/_emulator/ui/:objectType/:objectId", (req) => {
    const body = objectBody(req);
    const object = ui.update(req.params.objectType!, req.params.objectId!, (body.properties ?? {}) as Record<string, string>, {
      userId: userIdOf(body, req.query),
    });
    return { status: 200, body: toInspection(ctx.state, object) };
  });

  controlRoute(ctx, "DELETE", "/_emulator/ui/:objectType/:objectId", (req) => {
    ui.archive(req.params.objectType!, req.params.objectId!, { userId: userIdOf(undefined, req.query) });
    return { status: 204 };
  });

  controlRoute(ctx, "GET", "/_emulator/webhooks", () => ({ status: 200, body: ctx.state.webhooks.drain() }));

  controlRoute(ctx, "GET", "/_emulator/objects/:objectType", (req) => {
    const type = canonicalType(req.params.objectType!);
    return { status: 200, body: ctx.state.objects.all(type).map((o) => toInspection(ctx.state, o)) };
  });

  // Answers that broke HubSpot's OpenAPI documents: emulator bugs. A check that is off says so
  // rather than answering an empty list that would pass for a clean run.
  controlRoute(ctx, "GET", "/_emulator/openapi", () =>
    responseChecks
      ? { status: 200, body: responseChecks.drain() }
      : { status: 409, body: { status: "error", message: "start the emulator with checkResponses: true", category: "NOT_CONFIGURED" } },
  );

  controlRoute(ctx, "POST", "/_emulator/owners", (req) => {
    const inputs = (Array.isArray(req.body) ? req.body : [objectBody(req)]) as OwnerInput[];
    return { status: 201, body: inputs.map((o) => ctx.state.owners.add(o)) };
  });

  // When the numeric (v3/v4) paths stop being served: {"at": "2027-09-01T00:00:00Z" | epoch ms | null}.
  const cutOff = () => ({ at: retirement.cutOff === null ? null : new Date(retirement.cutOff).toISOString() });
  controlRoute(ctx, "GET", "/_emulator/retirement", () => ({ status: 200, body: cutOff() }));
  controlRoute(ctx, "PUT", "/_emulator/retirement", (req) => {
    const at = objectBody(req).at;
    const ms = at === null ? null : typeof at === "number" ? at : typeof at === "string" ? Date.parse(at) : Number.NaN;
    if (ms !== null && !Number.isFinite(ms)) throw badRequest("`at` must be an ISO 8601 instant, epoch milliseconds or null");
    retirement.set(ms);
    return { status: 200, body: cutOff() };
  });
}
