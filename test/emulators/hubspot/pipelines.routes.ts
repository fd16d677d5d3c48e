import { apiRoute, type ApiContext } from "./api.ts";
import { HubSpotError } from "./errors.ts";
import { canonicalType } from "./object-types.ts";
import { publicProperty } from "./properties-store.ts";

/** The dated versions the emulator answers besides v3 (HubSpot's date-based API versions). */
const VERSIONS = new Set(["2026-03", "2026-09"]);

function version(params: Record<string, string | undefined>): void {
  if (!VERSIONS.has(params.version!)) throw new HubSpotError(404, "NOT_FOUND", `Unknown API version ${params.version}`);
}

/**
 * Pipelines (GET /crm/pipelines/{version}/{objectType}): HubSpot's shape (id, label,
 * displayOrder, archived, stages with id, label, displayOrder and metadata), built from the
 * `pipeline` and `dealstage` properties' options, so a test that adds a custom stage through
 * `properties` sees it here too. Deals have the one default pipeline; other objects none. And the
 * dated read of one property (GET /crm/properties/{version}/{objectType}/{propertyName}).
 */
export function registerPipelineRoutes(ctx: ApiContext): void {
  apiRoute(ctx, "GET", "/crm/pipelines/:version/:objectType", (req) => {
    version(req.params);
    const type = canonicalType(req.params.objectType!);
    if (type !== "deals") return { status: 200, body: { results: [] } };
    const pipeline = ctx.state.properties.get(type, "pipeline")?.options[0];
    const stages = ctx.state.properties.get(type, "dealstage")?.options ?? [];
    const at = "2026-01-01T00:00:00.000Z";
    return {
      status: 200,
      body: {
        results: [
          {
            id: pipeline?.value ?? "default",
            label: pipeline?.label ?? "Sales Pipeline",
            displayOrder: 0,
            archived: false,
            createdAt: at,
            updatedAt: at,
            stages: stages.map((s) => ({
              id: s.value,
              label: s.label,
              displayOrder: s.displayOrder,
              archived: false,
              writePermissions: "CRM_PERMISSIONS_ENFORCEMENT",
              createdAt: at,
              updatedAt: at,
              metadata: {
                isClosed: String(s.value.startsWith("closed")),
                probability: s.value === "closedwon" ? "1.0" : s.value === "closedlost" ? "0.0" : "0.5",
              },
            })),
          },
        ],
      },
    };
  });

  apiRoute(ctx, "GET", "/crm/properties/:version/:objectType/:propertyName", (req) => {
    version(req.params);
    const name = req.params.propertyName!;
    const definition = ctx.state.properties.get(canonicalType(req.params.objectType!), name);
    if (!definition) throw new HubSpotError(404, "OBJECT_NOT_FOUND", `Unable to find property ${name}`, { context: { propertyName: [name] } });
    return { status: 200, body: publicProperty(definition) };
  });
}
