import { apiRoute, limitParam, type ApiContext } from "./api.ts";
import type { AssociationCategory } from "./associations-store.ts";
import { badRequest } from "./errors.ts";
import { canonicalType, kindById, typeInfo } from "./object-types.ts";

const CATEGORIES = new Set(["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"]);

/** Associations v4 for single records: default association, labeled association, list, remove. */
export function registerAssociationRoutes(ctx: ApiContext, now: () => number): void {
  const base = "/crm/v4/objects/:fromType/:fromId/associations";

  apiRoute(ctx, "PUT", `${base}/default/:toType/:toId`, (req) => {
    const startedAt = new Date(now()).toISOString();
    const edges = ctx.crm.associateDefault(
      canonicalType(req.params.fromType!),
      req.params.fromId!,
      canonicalType(req.params.toType!),
      req.params.toId!,
    );
    return {
      status: 200,
      body: {
        status: "COMPLETE",
        results: edges.map((e) => ({
          from: { id: e.fromId },
          to: { id: e.toId },
          associationSpec: { associationCategory: e.category, associationTypeId: e.typeId },
        })),
        startedAt,
        completedAt: new Date(now()).toISOString(),
      },
    };
  });

  apiRoute(ctx, "PUT", `${base}/:toType/:toId`, (req) => {
    const fromType = canonicalType(req.params.fromType!);
    const toType = canonicalType(req.params.toType!);
    const from = ctx.crm.find(fromType, req.params.fromId!);
    const to = ctx.crm.find(toType, req.params.toId!);
    const specs = Array.isArray(req.body) ? (req.body as { associationCategory: AssociationCategory; associationTypeId: number }[]) : undefined;
    if (!specs || specs.length === 0) throw badRequest("Invalid input JSON: expected a non-empty array of association specs");
    for (const spec of specs) {
      if (!CATEGORIES.has(spec.associationCategory)) throw badRequest(`Unknown associationCategory ${spec.associationCategory}`);
      if (spec.associationCategory === "HUBSPOT_DEFINED" && kindById(fromType, Number(spec.associationTypeId))?.to !== toType) {
        throw badRequest(`HUBSPOT_DEFINED association type ${spec.associationTypeId} is not valid from ${fromType} to ${toType}`);
      }
    }
    for (const spec of specs) {
      ctx.state.associations.link({
        fromType,
        fromId: from.id,
        toType,
        toId: to.id,
        category: spec.associationCategory,
        typeId: Number(spec.associationTypeId),
      });
    }
    return {
      status: 201,
      body: {
        fromObjectTypeId: typeInfo(fromType).typeId,
        fromObjectId: from.id,
        toObjectTypeId: typeInfo(toType).typeId,
        toObjectId: to.id,
        labels: [],
      },
    };
  });

  apiRoute(ctx, "DELETE", `${base}/:toType/:toId`, (req) => {
    ctx.state.associations.unlink(canonicalType(req.params.fromType!), req.params.fromId!, canonicalType(req.params.toType!), req.params.toId!);
    return { status: 204 };
  });

  apiRoute(ctx, "GET", `${base}/:toType`, (req) => {
    const fromType = canonicalType(req.params.fromType!);
    const toType = canonicalType(req.params.toType!);
    const from = ctx.crm.find(fromType, req.params.fromId!);
    const grouped = new Map<string, { category: string; typeId: number }[]>();
    for (const edge of ctx.state.associations.from(fromType, from.id, toType)) {
      if (ctx.state.objects.get(toType, edge.toId)?.archived !== false) continue;
      const types = grouped.get(edge.toId) ?? [];
      types.push({ category: edge.category, typeId: edge.typeId });
      grouped.set(edge.toId, types);
    }
    const all = [...grouped].map(([toObjectId, associationTypes]) => ({ toObjectId, associationTypes }));
    const limit = limitParam(req.query.get("limit"), 500, 500);
    const offset = Number(req.query.get("after") ?? 0) || 0;
    const body: Record<string, unknown> = { results: all.slice(offset, offset + limit) };
    if (offset + limit < all.length) body.paging = { next: { after: String(offset + limit) } };
    return { status: 200, body };
  });
}
