import { shortId } from "./ids.ts";
import { type FieldDef, type SObjectDef, field } from "./schema.ts";
import { type Condition, type Literal, parseSoql, SoqlError } from "./soql.ts";
import type { RecordStore, StoredRecord } from "./store.ts";
import { formatRecord, recordUrl } from "./wire.ts";

export interface QueryOutcome {
  totalSize: number;
  records: Record<string, unknown>[];
}

/** A resolved field path: the reference hops, then the field read on the last record. */
interface ResolvedPath {
  hops: FieldDef[];
  target: FieldDef | "Type";
  /** Canonical spelling, for the response keys. */
  names: string[];
}

const POLYMORPHIC_NAME_FIELDS = new Set(["id", "name", "type"]);

function noSuchColumn(name: string, def: SObjectDef): SoqlError {
  return new SoqlError(
    `No such column '${name}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    "INVALID_FIELD",
  );
}

function resolvePath(store: RecordStore, def: SObjectDef, path: string[]): ResolvedPath {
  const hops: FieldDef[] = [];
  const names: string[] = [];
  let current: SObjectDef = def;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    const hop = current.fields.find((f) => f.relationshipName?.toLowerCase() === segment.toLowerCase());
    if (!hop)
      throw new SoqlError(
        `Didn't understand relationship '${segment}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`,
        "INVALID_FIELD",
      );
    hops.push(hop);
    names.push(hop.relationshipName!);
    const targets = hop.referenceTo ?? [];
    if (targets.length !== 1) {
      // Polymorphic lookups (Who, What) expose only the Name object's few fields.
      const last = path[path.length - 1]!;
      if (i !== path.length - 2 || !POLYMORPHIC_NAME_FIELDS.has(last.toLowerCase())) throw noSuchColumn(last, current);
      const canonical = last.toLowerCase() === "type" ? "Type" : last.toLowerCase() === "id" ? "Id" : "Name";
      names.push(canonical);
      return { hops, target: canonical === "Type" ? "Type" : { name: canonical, type: "string", createable: false, updateable: false }, names };
    }
    current = store.schema.get(targets[0]!)!;
  }
  const last = path[path.length - 1]!;
  const target = field(current, last);
  if (!target) throw noSuchColumn(last, current);
  names.push(target.name);
  return { hops, target, names };
}

function readPath(store: RecordStore, record: StoredRecord, path: ResolvedPath): unknown {
  let current: StoredRecord | undefined = record;
  for (const hop of path.hops) {
    const id: unknown = current?.fields[hop.name];
    current = typeof id === "string" ? store.get(id) : undefined;
    if (!current) return null;
  }
  if (path.target === "Type") return current.type;
  return current.fields[path.target.name] ?? null;
}

function typeMismatch(f: FieldDef, expected: string, quoted: boolean): SoqlError {
  return new SoqlError(
    `value of filter criterion for field '${f.name}' must be of type ${expected} and should ${quoted ? "" : "not "}be enclosed in quotes`,
    "INVALID_FIELD",
  );
}

/** SOQL refuses a literal of the wrong type rather than converting it. */
function checkLiteral(f: FieldDef | "Type", literal: Literal): void {
  if (literal.kind === "null" || f === "Type") return;
  switch (f.type) {
    case "boolean":
      if (literal.kind !== "boolean") throw typeMismatch(f, "boolean", false);
      break;
    case "date":
      if (literal.kind !== "date") throw typeMismatch(f, "date", false);
      break;
    case "datetime":
      if (literal.kind !== "datetime") throw typeMismatch(f, "dateTime", false);
      break;
    case "double":
    case "currency":
    case "percent":
      if (literal.kind !== "number") throw typeMismatch(f, "double", false);
      break;
    case "anyType":
      break;
    default:
      if (literal.kind !== "string") throw typeMismatch(f, "string", true);
  }
}

function literalValue(literal: Literal): unknown {
  switch (literal.kind) {
    case "null":
      return null;
    case "datetime":
      return literal.ms;
    default:
      return literal.value;
  }
}

function comparable(f: FieldDef | "Type", value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (f !== "Type" && f.type === "datetime") return typeof value === "number" ? value : Date.parse(String(value));
  if (f !== "Type" && (f.type === "id" || f.type === "reference")) return shortId(String(value));
  // Text comparisons in SOQL ignore case.
  if (typeof value === "string") return value.toLowerCase();
  return value;
}

function likeToRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && (pattern[i + 1] === "%" || pattern[i + 1] === "_")) source += `\\${pattern[++i]}`;
    else if (c === "%") source += ".*";
    else if (c === "_") source += ".";
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "is");
}

type Predicate = (record: StoredRecord) => boolean;

function compile(store: RecordStore, def: SObjectDef, condition: Condition): Predicate {
  switch (condition.op) {
    case "AND": {
      const [l, r] = [compile(store, def, condition.left), compile(store, def, condition.right)];
      return (rec) => l(rec) && r(rec);
    }
    case "OR": {
      const [l, r] = [compile(store, def, condition.left), compile(store, def, condition.right)];
      return (rec) => l(rec) || r(rec);
    }
    case "NOT": {
      const inner = compile(store, def, condition.operand);
      return (rec) => !inner(rec);
    }
    default:
      break;
  }
  const path = resolvePath(store, def, condition.path);
  const literals = Array.isArray(condition.value) ? condition.value : [condition.value];
  for (const literal of literals) checkLiteral(path.target, literal);
  const wanted = literals.map((l) => comparable(path.target, literalValue(l)));
  const read = (rec: StoredRecord) => comparable(path.target, readPath(store, rec, path));
  const [one] = wanted;
  switch (condition.operator) {
    case "=":
      return (rec) => read(rec) === one;
    case "!=":
      return (rec) => read(rec) !== one;
    case "IN":
      return (rec) => wanted.includes(read(rec));
    case "NOT IN":
      return (rec) => !wanted.includes(read(rec));
    case "LIKE": {
      const regex = likeToRegex(String(literalValue(literals[0]!)));
      return (rec) => {
        const value = readPath(store, rec, path);
        return typeof value === "string" && regex.test(value);
      };
    }
    default: {
      const operator = condition.operator;
      return (rec) => {
        const value = read(rec);
        if (value === null || one === null) return false;
        const a = value as number | string;
        const b = one as number | string;
        switch (operator) {
          case "<":
            return a < b;
          case "<=":
            return a <= b;
          case ">":
            return a > b;
          default:
            return a >= b;
        }
      };
    }
  }
}

function compareValues(a: unknown, b: unknown, descending: boolean, nullsLast: boolean): number {
  if (a === null && b === null) return 0;
  if (a === null) return nullsLast ? 1 : -1;
  if (b === null) return nullsLast ? -1 : 1;
  const order = (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
  return descending ? -order : order;
}

/** Sets the value at a nested path, creating relationship objects with their attributes. */
function place(store: RecordStore, out: Record<string, unknown>, record: StoredRecord, path: ResolvedPath, version: string): void {
  let target = out;
  let current: StoredRecord | undefined = record;
  for (let i = 0; i < path.hops.length; i++) {
    const hop = path.hops[i]!;
    const key = path.names[i]!;
    const id: unknown = current?.fields[hop.name];
    current = typeof id === "string" ? store.get(id) : undefined;
    if (!current) {
      target[key] = null;
      return;
    }
    let nested = target[key] as Record<string, unknown> | null | undefined;
    if (!nested) {
      const isPolymorphic = (hop.referenceTo ?? []).length !== 1;
      const type = isPolymorphic ? "Name" : current.type;
      nested = { attributes: { type, url: recordUrl(version, current.type, String(current.fields.Id)) } };
      target[key] = nested;
    }
    target = nested;
  }
  const value =
    path.target === "Type" ? current!.type : formatRecord(store.schema.get(current!.type)!, current!.fields, [path.target.name])[path.target.name];
  target[path.names[path.names.length - 1]!] = value ?? null;
}

export function runQuery(store: RecordStore, soql: string, options: { includeDeleted: boolean; version: string }): QueryOutcome {
  const query = parseSoql(soql);
  const def = store.schema.get(query.from);
  if (!def) {
    throw new SoqlError(
      `sObject type '${query.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      "INVALID_TYPE",
    );
  }
  const predicate = query.where ? compile(store, def, query.where) : () => true;
  const order = query.orderBy.map((o) => ({ ...o, resolved: resolvePath(store, def, o.path) }));
  const selected = query.select === "count" ? [] : query.select.map((p) => resolvePath(store, def, p));

  let rows = store.list(def.name, options.includeDeleted).filter(predicate);
  const firstDescending = order[0]?.descending ?? false;
  rows.sort((a, b) => {
    for (const o of order) {
      const result = compareValues(
        comparable(o.resolved.target, readPath(store, a, o.resolved)),
        comparable(o.resolved.target, readPath(store, b, o.resolved)),
        o.descending,
        o.nullsLast,
      );
      if (result !== 0) return result;
    }
    // Ties keep insertion order, reversed under DESC, so "latest first" holds within one millisecond.
    return firstDescending ? b.seq - a.seq : a.seq - b.seq;
  });
  if (query.offset !== undefined) rows = rows.slice(query.offset);
  if (query.limit !== undefined) rows = rows.slice(0, query.limit);
  if (query.select === "count") return { totalSize: rows.length, records: [] };

  const records = rows.map((rec) => {
    const out: Record<string, unknown> = { attributes: { type: def.name, url: recordUrl(options.version, def.name, String(rec.fields.Id)) } };
    for (const path of selected) place(store, out, rec, path, options.version);
    return out;
  });
  return { totalSize: records.length, records };
}
