import { apiRoutes, bases, booleanParam, DATED_VERSION, limitParam, type ApiContext } from "./api.ts";
import { HubSpotError } from "./errors.ts";

const OWNERS = bases("/crm/v3/owners", `/crm/owners/${DATED_VERSION}`);

/** GET /crm/v3/owners (offset cursor, email filter) and GET /crm/v3/owners/{ownerId}, and their dated twins. */
export function registerOwnerRoutes(ctx: ApiContext): void {
  apiRoutes(ctx, "GET", OWNERS, (req) => {
    const email = req.query.get("email")?.toLowerCase();
    const owners = ctx.state.owners.list(booleanParam(req.query, "archived")).filter((o) => !email || o.email?.toLowerCase() === email);
    const limit = limitParam(req.query.get("limit"), 100, 500);
    const offset = Number(req.query.get("after") ?? 0) || 0;
    const body: Record<string, unknown> = { results: owners.slice(offset, offset + limit) };
    if (offset + limit < owners.length) body.paging = { next: { after: String(offset + limit), link: `?after=${offset + limit}` } };
    return { status: 200, body };
  });

  apiRoutes(
    ctx,
    "GET",
    OWNERS.map((base) => `${base}/:ownerId`),
    (req) => {
      const id = req.params.ownerId!;
      const owner = req.query.get("idProperty") === "userId" ? ctx.state.owners.byUserId(Number(id)) : ctx.state.owners.get(id);
      if (!owner || owner.archived !== booleanParam(req.query, "archived")) {
        throw new HubSpotError(404, "OBJECT_NOT_FOUND", `Owner ${id} not found`, { context: { id: [id] } });
      }
      return { status: 200, body: owner };
    },
  );
}
