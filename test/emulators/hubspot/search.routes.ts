import { apiRoutes, objectBody, type ApiContext } from "./api.ts";
import { badRequest } from "./errors.ts";
import { canonicalType } from "./object-types.ts";
import { matchesSearch, SEARCH_LIMITS, searchComparator, validateSearch, type SearchRequest } from "./search.ts";
import { toPublicObject } from "./serialize.ts";
import { OBJECTS_BASES } from "./objects.routes.ts";

/** POST /crm/v3/objects/{objectType}/search (and /crm/objects/2026-09/…): live objects only, offset cursor, `total` of all matches. */
export function registerSearchRoutes(ctx: ApiContext, strict: boolean): void {
  apiRoutes(
    ctx,
    "POST",
    OBJECTS_BASES.map((base) => `${base}/:objectType/search`),
    (req) => {
      const type = canonicalType(req.params.objectType!);
      const request = objectBody(req) as SearchRequest;
      const known = ctx.state.properties.of(type);
      validateSearch(request, known, strict);
      const limit = request.limit ?? 10;
      const offset = request.after === undefined || request.after === "" ? 0 : Number(request.after);
      if (!Number.isInteger(offset) || offset < 0) throw badRequest(`Invalid after: ${request.after}`);
      if (offset + limit > SEARCH_LIMITS.maxResults)
        throw badRequest(`Search results are limited to ${SEARCH_LIMITS.maxResults}; narrow the filters`);
      const matching = ctx.state.objects
        .all(type)
        .filter((o) => !o.archived && matchesSearch(o, request, known))
        .sort(searchComparator(request, known));
      const read = { properties: Array.isArray(request.properties) && request.properties.length > 0 ? request.properties : undefined };
      const body: Record<string, unknown> = {
        total: matching.length,
        results: matching.slice(offset, offset + limit).map((o) => toPublicObject(ctx.state, o, read)),
      };
      if (offset + limit < matching.length) body.paging = { next: { after: String(offset + limit), link: `?after=${offset + limit}` } };
      return { status: 200, body };
    },
  );
}
