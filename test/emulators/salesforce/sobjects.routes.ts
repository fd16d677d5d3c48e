import type { EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import { apiActor, apiRoute, requireObjectBody, type SalesforceContext } from "./context.ts";
import { fail, notFound, type SaveResult, saveErrorsAsRest } from "./errors.ts";
import { isIdShaped } from "./ids.ts";
import { type SObjectDef, field } from "./schema.ts";
import type { StoredRecord } from "./store.ts";
import { restRecord } from "./wire.ts";

function describeField(f: SObjectDef["fields"][number]) {
  return {
    name: f.name,
    label: f.name,
    type: f.type,
    nillable: !f.required && f.type !== "boolean",
    createable: f.createable,
    updateable: f.updateable,
    externalId: f.externalId ?? false,
    unique: f.unique ?? false,
    defaultValue: f.defaultValue ?? null,
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.relationshipName ?? null,
    picklistValues: (f.picklist ?? []).map((value) => ({ value, label: value, active: true, defaultValue: value === f.defaultValue })),
    restrictedPicklist: f.restricted ?? false,
  };
}

function describeObject(def: SObjectDef, version: string) {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return {
    name: def.name,
    label: def.label,
    keyPrefix: def.keyPrefix,
    custom: false,
    queryable: true,
    createable: def.createable,
    updateable: def.updateable,
    deletable: def.deletable,
    retrieveable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** A single-record save answers its errors as an array; missing or deleted records are 404. */
function saveResponse(result: SaveResult, okStatus: number, okBody?: unknown): EmulatorResponse {
  if (result.success) return okBody === undefined ? { status: okStatus } : { status: okStatus, body: okBody };
  const status = result.errors.some((e) => e.statusCode === "NOT_FOUND" || e.statusCode === "ENTITY_IS_DELETED") ? 404 : 400;
  return saveErrorsAsRest(status, result.errors);
}

export function registerSObjectRoutes(server: EmulatorServer, ctx: SalesforceContext): void {
  const { store, schema } = ctx;
  const requireType = (type: string | undefined): SObjectDef =>
    schema.get(type ?? "") ?? fail(404, "NOT_FOUND", "The requested resource does not exist");
  const fieldList = (def: SObjectDef, raw: string | null): string[] | undefined => {
    if (raw === null) return undefined;
    const names = raw
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean);
    for (const name of names) {
      if (!field(def, name))
        fail(
          400,
          "INVALID_FIELD",
          `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
    }
    return names;
  };
  const live = (def: SObjectDef, record: StoredRecord | undefined): StoredRecord | undefined =>
    record && record.type === def.name && record.fields.IsDeleted !== true ? record : undefined;
  const write = <T>(req: Parameters<typeof apiActor>[1], version: string, work: (tx: ReturnType<typeof store.begin>) => T): T => {
    const tx = store.begin(apiActor(ctx, req, version));
    const result = work(tx);
    store.commit(tx);
    return result;
  };

  apiRoute(server, ctx, "GET", "/sobjects", (_req, version) => ({
    status: 200,
    body: { encoding: "UTF-8", maxBatchSize: 200, sobjects: schema.all().map((d) => describeObject(d, version)) },
  }));
  apiRoute(server, ctx, "GET", "/sobjects/:type/describe", (req, version) => {
    const def = requireType(req.params.type);
    return { status: 200, body: { ...describeObject(def, version), fields: def.fields.map(describeField) } };
  });
  apiRoute(server, ctx, "GET", "/sobjects/:type", (req, version) => {
    const def = requireType(req.params.type);
    return { status: 200, body: { objectDescribe: describeObject(def, version), recentItems: [] } };
  });

  apiRoute(server, ctx, "POST", "/sobjects/:type", (req, version) => {
    const def = requireType(req.params.type);
    const body = requireObjectBody(req);
    const result = write(req, version, (tx) => store.create(tx, def.name, body));
    return saveResponse(result, 201, result);
  });

  apiRoute(server, ctx, "GET", "/sobjects/:type/:id", (req, version) => {
    const def = requireType(req.params.type);
    const id = req.params.id!;
    if (!isIdShaped(id)) fail(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${id}`);
    const record = live(def, store.get(id));
    if (!record) return notFound();
    return { status: 200, body: restRecord(def, record.fields, version, fieldList(def, req.query.get("fields"))) };
  });

  apiRoute(server, ctx, "PATCH", "/sobjects/:type/:id", (req, version) => {
    const def = requireType(req.params.type);
    const id = req.params.id!;
    if (!isIdShaped(id)) fail(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${id}`);
    const body = requireObjectBody(req);
    return saveResponse(
      write(req, version, (tx) => store.update(tx, def.name, id, body)),
      204,
    );
  });

  apiRoute(server, ctx, "DELETE", "/sobjects/:type/:id", (req, version) => {
    const def = requireType(req.params.type);
    const id = req.params.id!;
    if (!isIdShaped(id)) fail(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${id}`);
    return saveResponse(
      write(req, version, (tx) => store.remove(tx, def.name, id)),
      204,
    );
  });

  const externalIdField = (def: SObjectDef, name: string) => {
    const f = field(def, name);
    if (!f || !(f.externalId || f.name === "Id")) fail(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${name}`);
    return f;
  };

  apiRoute(server, ctx, "GET", "/sobjects/:type/:field/:value", (req, version) => {
    const def = requireType(req.params.type);
    const f = externalIdField(def, req.params.field!);
    const record = live(def, f.name === "Id" ? store.get(req.params.value!) : store.findByUnique(def.name, f.name, req.params.value!));
    if (!record) return notFound();
    return { status: 200, body: restRecord(def, record.fields, version, fieldList(def, req.query.get("fields"))) };
  });

  // Since API 46.0 an upsert answers 201 {created:true} or 200 {created:false}, never 204.
  apiRoute(server, ctx, "PATCH", "/sobjects/:type/:field/:value", (req, version) => {
    const def = requireType(req.params.type);
    const f = externalIdField(def, req.params.field!);
    const body = requireObjectBody(req);
    const result = write(req, version, (tx) => store.upsert(tx, def.name, f.name, req.params.value!, body))!;
    return saveResponse(result, result.created ? 201 : 200, result);
  });
}
