import { apiRoutes, bases, booleanParam, DATED_VERSION, objectBody, type ApiContext } from "./api.ts";
import { badRequest, HubSpotError } from "./errors.ts";
import { canonicalType } from "./object-types.ts";
import { publicProperty, type PropertyInput } from "./properties-store.ts";

const TYPES = new Set(["string", "number", "date", "datetime", "enumeration", "bool"]);

const PROPERTIES = bases("/crm/v3/properties", `/crm/properties/${DATED_VERSION}`);
const each = (suffix: string) => PROPERTIES.map((base) => base + suffix);

/** Properties (v3 and 2026-09): list, read one, create (409 when the name is taken). */
export function registerPropertyRoutes(ctx: ApiContext): void {
  apiRoutes(ctx, "GET", each("/:objectType"), (req) => {
    const archived = booleanParam(req.query, "archived");
    const results = [...ctx.state.properties.of(canonicalType(req.params.objectType!)).values()].filter((d) => d.archived === archived);
    return { status: 200, body: { results: results.map(publicProperty) } };
  });

  apiRoutes(ctx, "GET", each("/:objectType/:propertyName"), (req) => {
    const name = req.params.propertyName!;
    const definition = ctx.state.properties.get(canonicalType(req.params.objectType!), name);
    if (!definition) throw new HubSpotError(404, "OBJECT_NOT_FOUND", `Unable to find property ${name}`, { context: { propertyName: [name] } });
    return { status: 200, body: publicProperty(definition) };
  });

  apiRoutes(ctx, "POST", each("/:objectType"), (req) => {
    const type = canonicalType(req.params.objectType!);
    const input = objectBody(req) as unknown as PropertyInput;
    const missing = ["name", "label", "type", "fieldType", "groupName"].filter(
      (k) => typeof (input as unknown as Record<string, unknown>)[k] !== "string",
    );
    if (missing.length > 0)
      throw badRequest(`Missing required fields: ${missing.join(", ")}`, { errors: missing.map((m) => ({ message: "is required", in: m })) });
    if (!TYPES.has(input.type!)) throw badRequest(`Invalid property type: ${input.type}`);
    if (ctx.state.properties.get(type, input.name)) {
      throw new HubSpotError(409, "OBJECT_ALREADY_EXISTS", `Property named '${input.name}' already exists.`);
    }
    const { readOnlyValue: _r, required: _q, ...settable } = input;
    return { status: 201, body: publicProperty(ctx.state.properties.add(type, settable)) };
  });
}
