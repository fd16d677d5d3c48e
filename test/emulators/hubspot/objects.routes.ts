import { apiRoutes, bases, booleanParam, DATED_VERSION, limitParam, objectBody, type ApiContext } from "./api.ts";
import type { AssociationInput } from "./crm.ts";
import { canonicalType } from "./object-types.ts";
import { readOptionsFrom, toPublicObject } from "./serialize.ts";

/** What a write answers: the properties just written plus HubSpot's always-returned ones. */
export function writtenView(ctx: ApiContext, object: Parameters<typeof toPublicObject>[1], input: unknown) {
  const names = input && typeof input === "object" ? Object.keys(input) : [];
  return toPublicObject(ctx.state, object, { properties: names });
}

/** The objects API's numeric and dated bases: /crm/v3/objects and /crm/objects/2026-09. */
export const OBJECTS_BASES = bases("/crm/v3/objects", `/crm/objects/${DATED_VERSION}`);
const each = (suffix: string) => OBJECTS_BASES.map((base) => base + suffix);

/** CRM basic API: /crm/v3/objects/{objectType}[/{objectId}] and its dated twin, for any object type. */
export function registerObjectRoutes(ctx: ApiContext): void {
  apiRoutes(ctx, "POST", each("/:objectType"), (req) => {
    const type = canonicalType(req.params.objectType!);
    const body = objectBody(req);
    const object = ctx.crm.create(
      type,
      { properties: body.properties, associations: body.associations as AssociationInput[] | undefined },
      ctx.integration,
    );
    return { status: 201, body: writtenView(ctx, object, body.properties) };
  });

  apiRoutes(ctx, "GET", each("/:objectType/:objectId"), (req) => {
    const type = canonicalType(req.params.objectType!);
    const object = ctx.crm.find(type, req.params.objectId!, req.query.get("idProperty") ?? undefined, booleanParam(req.query, "archived"));
    return { status: 200, body: toPublicObject(ctx.state, object, readOptionsFrom(req.query)) };
  });

  apiRoutes(ctx, "PATCH", each("/:objectType/:objectId"), (req) => {
    const type = canonicalType(req.params.objectType!);
    const body = objectBody(req);
    const object = ctx.crm.update(type, req.params.objectId!, body.properties, ctx.integration, req.query.get("idProperty") ?? undefined);
    return { status: 200, body: writtenView(ctx, object, body.properties) };
  });

  apiRoutes(ctx, "DELETE", each("/:objectType/:objectId"), (req) => {
    ctx.crm.archive(canonicalType(req.params.objectType!), req.params.objectId!, ctx.integration);
    return { status: 204 };
  });

  // The cursor is the id of the next object, so pages stay stable while objects are added.
  apiRoutes(ctx, "GET", each("/:objectType"), (req) => {
    const type = canonicalType(req.params.objectType!);
    const limit = limitParam(req.query.get("limit"), 10, 100);
    const after = Number(req.query.get("after") ?? 0) || 0;
    const archived = booleanParam(req.query, "archived");
    const matching = ctx.state.objects.all(type).filter((o) => o.archived === archived && Number(o.id) >= after);
    const page = matching.slice(0, limit);
    const read = readOptionsFrom(req.query);
    const body: Record<string, unknown> = { results: page.map((o) => toPublicObject(ctx.state, o, read)) };
    const next = matching[limit];
    if (next) body.paging = { next: { after: next.id, link: `?after=${next.id}` } };
    return { status: 200, body };
  });
}
