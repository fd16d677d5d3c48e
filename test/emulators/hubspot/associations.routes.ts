import { apiRoute, apiRoutes, bases, DATED_VERSION, limitParam, objectBody, type ApiContext } from "./api.ts";
import type { AssociationCategory } from "./associations-store.ts";
import { badRequest, HubSpotError, standardError } from "./errors.ts";
import { canonicalType, kindById, typeInfo } from "./object-types.ts";

const CATEGORIES = new Set(["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"]);

const SINGLE = bases("/crm/v4/objects", `/crm/objects/${DATED_VERSION}`).map((b) => `${b}/:fromType/:fromId/associations`);
const each = (suffix: string) => SINGLE.map((base) => base + suffix);
const MAX_INPUTS = 100;

/**
 * Associations for single records (v4 and 2026-09: default association, labeled association,
 * list, remove) and the dated batch API (/crm/associations/2026-09/{from}/{to}/batch/create|read).
 */
export function registerAssociationRoutes(ctx: ApiContext, now: () => number): void {
  apiRoutes(ctx, "PUT", each("/default/:toType/:toId"), (req) => {
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

  apiRoutes(ctx, "PUT", each("/:toType/:toId"), (req) => {
    const fromType = canonicalType(req.params.fromType!);
    const toType = canonicalType(req.params.toType!);
    const from = ctx.crm.find(fromType, req.params.fromId!);
    const to = ctx.crm.find(toType, req.params.toId!);
    const specs = checkSpecs(fromType, toType, req.body);
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

  apiRoutes(ctx, "DELETE", each("/:toType/:toId"), (req) => {
    ctx.state.associations.unlink(canonicalType(req.params.fromType!), req.params.fromId!, canonicalType(req.params.toType!), req.params.toId!);
    return { status: 204 };
  });

  apiRoutes(ctx, "GET", each("/:toType"), (req) => {
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

  registerBatchAssociationRoutes(ctx, now);
}

type Spec = { associationCategory: AssociationCategory; associationTypeId: number };

function checkSpecs(fromType: string, toType: string, specs: unknown): Spec[] {
  if (!Array.isArray(specs) || specs.length === 0) throw badRequest("Invalid input JSON: expected a non-empty array of association specs");
  for (const spec of specs as Spec[]) {
    if (!CATEGORIES.has(spec.associationCategory)) throw badRequest(`Unknown associationCategory ${spec.associationCategory}`);
    if (spec.associationCategory === "HUBSPOT_DEFINED" && kindById(fromType, Number(spec.associationTypeId))?.to !== toType) {
      throw badRequest(`HUBSPOT_DEFINED association type ${spec.associationTypeId} is not valid from ${fromType} to ${toType}`);
    }
  }
  return specs as Spec[];
}

function batchInputs(body: Record<string, unknown>): Record<string, unknown>[] {
  if (!Array.isArray(body.inputs)) throw badRequest("Invalid input JSON: `inputs` must be an array");
  if (body.inputs.length > MAX_INPUTS) throw badRequest(`The maximum number of inputs supported in a batch request is ${MAX_INPUTS}`);
  return body.inputs.map((i) => (i && typeof i === "object" ? (i as Record<string, unknown>) : {}));
}

/** The dated batch associations API (2026-09): create labeled associations, read a batch of records' associations. */
function registerBatchAssociationRoutes(ctx: ApiContext, now: () => number): void {
  const base = `/crm/associations/${DATED_VERSION}/:fromType/:toType/batch`;
  const iso = () => new Date(now()).toISOString();

  apiRoute(ctx, "POST", `${base}/create`, (req) => {
    const startedAt = iso();
    const fromType = canonicalType(req.params.fromType!);
    const toType = canonicalType(req.params.toType!);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of batchInputs(objectBody(req))) {
      try {
        const fromId = String((input.from as { id?: unknown } | undefined)?.id ?? "");
        const toId = String((input.to as { id?: unknown } | undefined)?.id ?? "");
        const from = ctx.crm.find(fromType, fromId);
        const to = ctx.crm.find(toType, toId);
        for (const spec of checkSpecs(fromType, toType, input.types)) {
          ctx.state.associations.link({
            fromType,
            fromId: from.id,
            toType,
            toId: to.id,
            category: spec.associationCategory,
            typeId: Number(spec.associationTypeId),
          });
        }
        results.push({
          fromObjectTypeId: typeInfo(fromType).typeId,
          fromObjectId: from.id,
          toObjectTypeId: typeInfo(toType).typeId,
          toObjectId: to.id,
          labels: [],
        });
      } catch (error) {
        if (!(error instanceof HubSpotError)) throw error;
        errors.push(standardError(error));
      }
    }
    const body: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: iso() };
    if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
    return { status: errors.length > 0 ? 207 : 200, body };
  });

  apiRoute(ctx, "POST", `${base}/associate/default`, (req) => {
    const startedAt = iso();
    const fromType = canonicalType(req.params.fromType!);
    const toType = canonicalType(req.params.toType!);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of batchInputs(objectBody(req))) {
      try {
        const fromId = String((input.from as { id?: unknown } | undefined)?.id ?? "");
        const toId = String((input.to as { id?: unknown } | undefined)?.id ?? "");
        const [edge] = ctx.crm.associateDefault(fromType, fromId, toType, toId);
        results.push({
          from: { id: fromId },
          to: { id: toId },
          associationSpec: { associationCategory: edge!.category, associationTypeId: edge!.typeId },
        });
      } catch (error) {
        if (!(error instanceof HubSpotError)) throw error;
        errors.push(standardError(error));
      }
    }
    const body: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: iso() };
    if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
    return { status: errors.length > 0 ? 207 : 200, body };
  });

  apiRoute(ctx, "POST", `${base}/read`, (req) => {
    const startedAt = iso();
    const fromType = canonicalType(req.params.fromType!);
    const toType = canonicalType(req.params.toType!);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of batchInputs(objectBody(req))) {
      const id = String(input.id ?? "");
      const from = ctx.state.objects.get(fromType, id);
      if (!from || from.archived) {
        missing.push(id);
        continue;
      }
      const grouped = new Map<string, { category: string; typeId: number }[]>();
      for (const edge of ctx.state.associations.from(fromType, id, toType)) {
        if (ctx.state.objects.get(toType, edge.toId)?.archived !== false) continue;
        grouped.set(edge.toId, [...(grouped.get(edge.toId) ?? []), { category: edge.category, typeId: edge.typeId }]);
      }
      // HubSpot leaves out the records that have no association of the kind.
      if (grouped.size > 0)
        results.push({ from: { id }, to: [...grouped].map(([toObjectId, associationTypes]) => ({ toObjectId, associationTypes })) });
    }
    const body: Record<string, unknown> = { status: "COMPLETE", results, startedAt, completedAt: iso() };
    if (missing.length > 0) {
      const error = new HubSpotError(404, "OBJECT_NOT_FOUND", `No ${typeInfo(fromType).singular} with these ids`, { context: { ids: missing } });
      Object.assign(body, { numErrors: 1, errors: [standardError(error)] });
    }
    return { status: missing.length > 0 ? 207 : 200, body };
  });
}
