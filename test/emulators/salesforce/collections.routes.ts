import type { EmulatorRequest, EmulatorServer } from "../shared/server.ts";
import { apiActor, apiRoute, requireObjectBody, type SalesforceContext } from "./context.ts";
import { fail, type SaveError, type SaveResult, saveError } from "./errors.ts";
import { isIdShaped } from "./ids.ts";
import { field } from "./schema.ts";
import type { Transaction } from "./store.ts";
import { restRecord } from "./wire.ts";

/** sObject Collections take at most 200 records (or ids) per call. */
export const MAX_COLLECTION_SIZE = 200;

const ROLLED_BACK = saveError(
  "ALL_OR_NONE_OPERATION_ROLLED_BACK",
  "Record rolled back because not all records were valid and the request was using AllOrNone header",
);

function tooMany(): never {
  fail(400, "EXCEEDED_ID_LIMIT", `record limit reached. cannot submit more than ${MAX_COLLECTION_SIZE} records into this call`);
}

function readRecords(req: EmulatorRequest): { allOrNone: boolean; records: Record<string, unknown>[] } {
  const body = requireObjectBody(req);
  if (!Array.isArray(body.records) || body.records.some((r) => !r || typeof r !== "object" || Array.isArray(r))) {
    fail(400, "JSON_PARSER_ERROR", "records must be an array of sObjects");
  }
  if (body.records.length > MAX_COLLECTION_SIZE) tooMany();
  return { allOrNone: body.allOrNone === true, records: body.records as Record<string, unknown>[] };
}

function typeOf(record: Record<string, unknown>): string | undefined {
  const attributes = record.attributes as { type?: unknown } | undefined;
  return typeof attributes?.type === "string" ? attributes.type : undefined;
}

/** Collections report a missing record as a bad reference, not as 404. */
function collectionErrors(errors: SaveError[]): SaveError[] {
  return errors.map((e) => (e.statusCode === "NOT_FOUND" ? saveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") : e));
}

export function registerCollectionRoutes(server: EmulatorServer, ctx: SalesforceContext): void {
  const { store, schema } = ctx;

  /**
   * Runs each item in one transaction, in order. With allOrNone, one failure rolls all back and
   * the records that would have succeeded say so.
   */
  const inTransaction = (
    req: EmulatorRequest,
    version: string,
    allOrNone: boolean,
    count: number,
    work: (tx: Transaction, index: number) => SaveResult,
    keepsId: (result: SaveResult) => boolean,
  ): SaveResult[] => {
    const tx = store.begin(apiActor(ctx, req, version));
    const results: SaveResult[] = [];
    for (let i = 0; i < count; i++) {
      const result = work(tx, i);
      results.push(result.success ? result : { ...result, errors: collectionErrors(result.errors) });
    }
    if (allOrNone && results.some((r) => !r.success)) {
      store.rollback(tx);
      return results.map((r) => (r.success ? rolledBack(r, keepsId(r)) : r));
    }
    store.commit(tx);
    return results;
  };

  apiRoute(server, ctx, "POST", "/composite/sobjects", (req, version) => {
    const { allOrNone, records } = readRecords(req);
    const results = inTransaction(
      req,
      version,
      allOrNone,
      records.length,
      (tx, i) => {
        const record = records[i]!;
        const type = typeOf(record);
        if (!type || !schema.get(type))
          return { success: false, errors: [saveError("INVALID_TYPE", `sObject type '${type ?? ""}' is not supported.`)] };
        return store.create(tx, type, record);
      },
      () => false,
    );
    return { status: 200, body: results };
  });

  apiRoute(server, ctx, "PATCH", "/composite/sobjects", (req, version) => {
    const { allOrNone, records } = readRecords(req);
    const results = inTransaction(
      req,
      version,
      allOrNone,
      records.length,
      (tx, i) => {
        const { attributes: _attributes, ...rest } = records[i]!;
        const idKey = Object.keys(rest).find((k) => k.toLowerCase() === "id");
        const id = idKey ? rest[idKey] : undefined;
        if (typeof id !== "string" || !isIdShaped(id)) {
          return { success: false, errors: [saveError("MALFORMED_ID", `Id in upsert is not valid: ${String(id ?? "")}`, ["Id"])] };
        }
        delete rest[idKey!];
        const result = store.update(tx, typeOf(records[i]!), id, rest);
        return { id: result.id ?? id, success: result.success, errors: result.errors };
      },
      () => true,
    );
    return { status: 200, body: results };
  });

  apiRoute(server, ctx, "PATCH", "/composite/sobjects/:type/:field", (req, version) => {
    const def = schema.get(req.params.type!) ?? fail(404, "NOT_FOUND", "The requested resource does not exist");
    const ext = field(def, req.params.field!);
    if (!ext?.externalId)
      fail(400, "INVALID_FIELD", `Field name provided, ${req.params.field} is not an External ID or indexed field for ${def.name}`);
    const { allOrNone, records } = readRecords(req);
    const results = inTransaction(
      req,
      version,
      allOrNone,
      records.length,
      (tx, i) => {
        const record = records[i]!;
        const key = Object.keys(record).find((k) => k.toLowerCase() === ext.name.toLowerCase());
        const value = key ? record[key] : undefined;
        if (value === undefined || value === null || value === "") {
          return { success: false, errors: [saveError("MISSING_ARGUMENT", `${ext.name} not specified`, [ext.name])], created: false };
        }
        return store.upsert(tx, def.name, ext.name, String(value), record)!;
      },
      (r) => r.created === false,
    );
    return { status: 200, body: results };
  });

  apiRoute(server, ctx, "DELETE", "/composite/sobjects", (req, version) => {
    const ids = (req.query.get("ids") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0) fail(400, "MISSING_ARGUMENT", "ids parameter is required");
    if (ids.length > MAX_COLLECTION_SIZE) tooMany();
    const allOrNone = req.query.get("allOrNone")?.toLowerCase() === "true";
    const results = inTransaction(
      req,
      version,
      allOrNone,
      ids.length,
      (tx, i) => {
        const result = store.remove(tx, undefined, ids[i]!);
        return { id: result.id ?? ids[i]!, success: result.success, errors: result.errors };
      },
      () => true,
    );
    return { status: 200, body: results };
  });

  /** Retrieve many by id; missing records answer null in their place. */
  const retrieve = (req: EmulatorRequest, version: string, ids: string[], fields: string[]) => {
    const def = schema.get(req.params.type!) ?? fail(404, "NOT_FOUND", "The requested resource does not exist");
    if (ids.length > 2000) tooMany();
    for (const name of fields) if (!field(def, name)) fail(400, "INVALID_FIELD", `No such column '${name}' on entity '${def.name}'.`);
    const body = ids.map((id) => {
      const record = store.get(id);
      return record && record.type === def.name && record.fields.IsDeleted !== true ? restRecord(def, record.fields, version, fields) : null;
    });
    return { status: 200, body };
  };
  apiRoute(server, ctx, "POST", "/composite/sobjects/:type", (req, version) => {
    const body = requireObjectBody(req);
    const ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
    const fields = Array.isArray(body.fields) ? body.fields.map(String) : [];
    if (ids.length === 0 || fields.length === 0) fail(400, "MISSING_ARGUMENT", "ids and fields are required");
    return retrieve(req, version, ids, fields);
  });
  apiRoute(server, ctx, "GET", "/composite/sobjects/:type", (req, version) => {
    const split = (name: string) =>
      (req.query.get(name) ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (split("ids").length === 0 || split("fields").length === 0) fail(400, "MISSING_ARGUMENT", "ids and fields are required");
    return retrieve(req, version, split("ids"), split("fields"));
  });
}

/** A rolled-back create has no id; a rolled-back update keeps the id it named. */
function rolledBack(result: SaveResult, keepId: boolean): SaveResult {
  return {
    ...(keepId && result.id ? { id: result.id } : {}),
    success: false,
    errors: [ROLLED_BACK],
    ...(result.created === undefined ? {} : { created: false }),
  };
}
