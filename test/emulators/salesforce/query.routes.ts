import type { EmulatorRequest, EmulatorServer } from "../shared/server.ts";
import { apiRoute, type SalesforceContext } from "./context.ts";
import { fail } from "./errors.ts";
import { runQuery } from "./query.ts";

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;
/** Open cursors kept for queryMore; older ones expire, as Salesforce's do. */
const MAX_CURSORS = 50;

interface Cursor {
  records: Record<string, unknown>[];
}

/** `Sforce-Query-Options: batchSize=n` asks for pages of n (200–2000) records. */
function batchSize(req: EmulatorRequest): number {
  const match = /batchSize=(\d+)/i.exec(String(req.headers["sforce-query-options"] ?? ""));
  if (!match) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(match[1])));
}

export function registerQueryRoutes(server: EmulatorServer, ctx: SalesforceContext): void {
  const cursors = new Map<string, Cursor>();
  let cursorSerial = 0;

  const page = (version: string, resource: string, cursorId: string, cursor: Cursor, offset: number, size: number) => {
    const records = cursor.records.slice(offset, offset + size);
    const next = offset + size;
    const done = next >= cursor.records.length;
    if (done) cursors.delete(cursorId);
    return {
      status: 200,
      body: {
        totalSize: cursor.records.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/${resource}/${cursorId}-${next}` }),
        records,
      },
    };
  };

  const query = (resource: "query" | "queryAll") => (req: EmulatorRequest, version: string) => {
    const soql = req.query.get("q");
    if (!soql) fail(400, "MALFORMED_QUERY", "A query string has to be specified");
    const outcome = runQuery(ctx.store, soql, { includeDeleted: resource === "queryAll", version });
    const size = batchSize(req);
    if (outcome.records.length <= size) return { status: 200, body: { totalSize: outcome.totalSize, done: true, records: outcome.records } };
    const cursorId = `01g5g0000${String(++cursorSerial).padStart(6, "0")}`;
    cursors.set(cursorId, { records: outcome.records });
    if (cursors.size > MAX_CURSORS) cursors.delete(cursors.keys().next().value!);
    return page(version, resource, cursorId, cursors.get(cursorId)!, 0, size);
  };

  const queryMore = (resource: "query" | "queryAll") => (req: EmulatorRequest, version: string) => {
    const match = /^(.+)-(\d+)$/.exec(req.params.locator ?? "");
    const cursor = match ? cursors.get(match[1]!) : undefined;
    if (!match || !cursor) fail(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    return page(version, resource, match[1]!, cursor, Number(match[2]), batchSize(req));
  };

  apiRoute(server, ctx, "GET", "/query", query("query"));
  apiRoute(server, ctx, "GET", "/queryAll", query("queryAll"));
  apiRoute(server, ctx, "GET", "/query/:locator", queryMore("query"));
  apiRoute(server, ctx, "GET", "/queryAll/:locator", queryMore("queryAll"));
}
