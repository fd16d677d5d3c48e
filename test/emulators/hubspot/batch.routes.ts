import type { EmulatorResponse } from "../shared/server.ts";
import { apiRoutes, booleanParam, objectBody, type ApiContext } from "./api.ts";
import type { AssociationInput } from "./crm.ts";
import { badRequest, HubSpotError, standardError } from "./errors.ts";
import { canonicalType, typeInfo, type ObjectType } from "./object-types.ts";
import type { CrmObject } from "./objects-store.ts";
import { toPublicObject } from "./serialize.ts";
import { OBJECTS_BASES, writtenView } from "./objects.routes.ts";

const MAX_INPUTS = 100;
const MAX_INPUTS_WITH_HISTORY = 50;

type Input = Record<string, unknown>;

function inputsOf(body: Record<string, unknown>, max = MAX_INPUTS): Input[] {
  if (!Array.isArray(body.inputs)) throw badRequest("Invalid input JSON: `inputs` must be an array");
  if (body.inputs.length > max) {
    throw badRequest(`The maximum number of inputs supported in a batch request is ${max}. Please reduce the number of items and try again`, {
      errors: [{ message: `size must be between 0 and ${max}`, in: "inputs" }],
    });
  }
  return body.inputs.map((i) => (i && typeof i === "object" ? (i as Input) : {}));
}

function rejectDuplicateIds(inputs: Input[]): void {
  const ids = inputs.map((i) => String(i.id));
  const duplicates = [...new Set(ids.filter((id, n) => ids.indexOf(id) !== n))];
  if (duplicates.length > 0) throw badRequest(`Duplicate IDs found in batch input: [${duplicates.join(", ")}]. IDs must be unique`);
}

/** Runs `work` per input; HubSpotErrors become per-input errors, missing ids are grouped like HubSpot's. */
function perInput<T>(type: ObjectType, inputs: Input[], work: (input: Input) => T) {
  const results: T[] = [];
  const errors: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const input of inputs) {
    try {
      results.push(work(input));
    } catch (error) {
      if (!(error instanceof HubSpotError)) throw error;
      if (error.category === "OBJECT_NOT_FOUND") missing.push(String(input.id));
      else errors.push(standardError(error));
    }
  }
  if (missing.length > 0) {
    const label = typeInfo(type).singular.toUpperCase();
    errors.unshift(
      standardError(
        new HubSpotError(
          404,
          "OBJECT_NOT_FOUND",
          `Could not get some ${label} objects, they may be deleted or not exist. Check that ids are valid.`,
          { context: { ids: missing } },
        ),
      ),
    );
  }
  return { results, errors };
}

function answer(startedAt: string, completedAt: string, outcome: { results: unknown[]; errors: unknown[] }, okStatus: number): EmulatorResponse {
  const body: Record<string, unknown> = { status: "COMPLETE", results: outcome.results };
  if (outcome.errors.length > 0) {
    body.numErrors = outcome.errors.length;
    body.errors = outcome.errors;
  }
  body.startedAt = startedAt;
  body.completedAt = completedAt;
  return { status: outcome.errors.length > 0 ? 207 : okStatus, body };
}

function traced(view: Record<string, unknown>, input: Input): Record<string, unknown> {
  return typeof input.objectWriteTraceId === "string" ? { ...view, objectWriteTraceId: input.objectWriteTraceId } : view;
}

/** CRM batch API (numeric and dated paths): create, read, update, upsert, archive; at most 100 inputs each. */
export function registerBatchRoutes(ctx: ApiContext, now: () => number): void {
  const started = () => new Date(now()).toISOString();
  const route = (op: string, handler: (type: ObjectType, body: Record<string, unknown>, query: URLSearchParams) => EmulatorResponse) =>
    apiRoutes(
      ctx,
      "POST",
      OBJECTS_BASES.map((base) => `${base}/:objectType/batch/${op}`),
      (req) => handler(canonicalType(req.params.objectType!), objectBody(req), req.query),
    );

  route("create", (type, body) => {
    const startedAt = started();
    const outcome = perInput(type, inputsOf(body), (input) => {
      const object = ctx.crm.create(
        type,
        { properties: input.properties, associations: input.associations as AssociationInput[] | undefined },
        ctx.integration,
      );
      return traced(writtenView(ctx, object, input.properties), input);
    });
    return answer(startedAt, started(), outcome, 201);
  });

  route("read", (type, body, query) => {
    const startedAt = started();
    const propertiesWithHistory =
      Array.isArray(body.propertiesWithHistory) && body.propertiesWithHistory.length > 0 ? (body.propertiesWithHistory as string[]) : undefined;
    if (propertiesWithHistory) inputsOf(body, MAX_INPUTS_WITH_HISTORY);
    const inputs = inputsOf(body);
    const idProperty = typeof body.idProperty === "string" ? body.idProperty : undefined;
    const read = {
      properties: Array.isArray(body.properties) && body.properties.length > 0 ? (body.properties as string[]) : undefined,
      propertiesWithHistory,
    };
    const outcome = perInput(type, inputs, (input) =>
      toPublicObject(ctx.state, ctx.crm.find(type, String(input.id), idProperty, booleanParam(query, "archived")), read),
    );
    return answer(startedAt, started(), outcome, 200);
  });

  route("update", (type, body) => {
    const startedAt = started();
    const inputs = inputsOf(body);
    rejectDuplicateIds(inputs);
    const outcome = perInput(type, inputs, (input) => {
      const idProperty = typeof input.idProperty === "string" ? input.idProperty : undefined;
      return traced(writtenView(ctx, ctx.crm.update(type, String(input.id), input.properties, ctx.integration, idProperty), input.properties), input);
    });
    return answer(startedAt, started(), outcome, 200);
  });

  // HubSpot's spec and the SDK know only 200 and 207 here: a 201 would make the SDK throw.
  route("upsert", (type, body) => {
    const startedAt = started();
    const inputs = inputsOf(body);
    rejectDuplicateIds(inputs);
    for (const input of inputs) {
      if (typeof input.idProperty !== "string") throw badRequest("idProperty is required for batch upsert");
      ctx.crm.uniqueProperty(type, input.idProperty);
    }
    const outcome = perInput(type, inputs, (input) => {
      const idProperty = input.idProperty as string;
      const id = String(input.id);
      const existing = ctx.state.objects.findBy(type, idProperty, id);
      let object: CrmObject;
      if (existing) object = ctx.crm.update(type, existing.id, input.properties, ctx.integration);
      else {
        const properties = { ...(input.properties as Record<string, unknown> | undefined), [idProperty]: id };
        object = ctx.crm.create(type, { properties }, ctx.integration);
      }
      return traced({ ...writtenView(ctx, object, { ...(input.properties as object | undefined), [idProperty]: id }), new: !existing }, input);
    });
    return answer(startedAt, started(), outcome, 200);
  });

  route("archive", (type, body) => {
    for (const input of inputsOf(body)) ctx.crm.archive(type, String(input.id), ctx.integration);
    return { status: 204 };
  });
}
