import { readFileSync } from "node:fs";

/**
 * A small validator for the JSON-Schema subset HubSpot's OpenAPI 3.0 documents use (type,
 * properties, required, items, enum, format, pattern, $ref, allOf/oneOf/anyOf,
 * additionalProperties, nullable) and for their path and query parameters, so the emulator can
 * hold requests and answers to the published API without a dependency.
 */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
}

interface MediaTypes {
  content?: Record<string, { schema?: Schema }>;
  required?: boolean;
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: MediaTypes | { $ref: string };
  responses: Record<string, MediaTypes | { $ref: string }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: {
    schemas: Record<string, Schema>;
    responses?: Record<string, MediaTypes>;
    requestBodies?: Record<string, MediaTypes>;
    parameters?: Record<string, Parameter>;
  };
}

export interface ValidateOptions {
  /** Flag keys an object schema does not declare (when it has no additionalProperties). */
  strict?: boolean;
  /**
   * Accept null as a value of string maps. HubSpot returns null for requested properties that
   * have no value, while its documents type `properties` as a map of non-nullable strings.
   */
  nullableMapValues?: boolean;
}

export type ProblemCode =
  | "INVALID_TYPE"
  | "REQUIRED"
  | "INVALID_ENUM"
  | "INVALID_FORMAT"
  | "INVALID_PATTERN"
  | "UNDECLARED"
  | "ALTERNATIVES"
  | "UNRESOLVED";

/** One mismatch: where (a JSON path, or a parameter's name), what kind, and in words. */
export interface Problem {
  at: string;
  code: ProblemCode;
  message: string;
}

export const describeProblem = (p: Problem): string => `${p.at}: ${p.message}`;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const patterns = new Map<string, RegExp>();

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const child = (at: string, key: string) => (at ? `${at}.${key}` : key);

function formatProblem(schema: Schema, value: unknown): string | undefined {
  if (typeof value === "string") {
    if (schema.format === "date-time" && !ISO_DATE_TIME.test(value)) return `${value} is not an ISO date-time`;
    if (schema.format === "uuid" && !UUID.test(value)) return `${value} is not a UUID`;
  } else if (typeof value === "number") {
    if (schema.format === "int32" && (value > 2 ** 31 - 1 || value < -(2 ** 31))) return `${value} exceeds int32`;
    if (schema.format === "int64" && !Number.isSafeInteger(value)) return `${value} is not an exact int64`;
  }
  return undefined;
}

/**
 * Appends to `out` every way `value` breaks `schema` and returns it. `at` is the value's path;
 * keys whose value is undefined are absent, as they are once the body is JSON.
 */
export function validateSchema(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  options: ValidateOptions = {},
  at = "$",
  out: Problem[] = [],
): Problem[] {
  if (schema.$ref) {
    const target = doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
    if (target) return validateSchema(doc, target, value, options, at, out);
    out.push({ at, code: "UNRESOLVED", message: `unresolved $ref ${schema.$ref}` });
    return out;
  }
  for (const part of schema.allOf ?? []) validateSchema(doc, part, value, options, at, out);
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s) => validateSchema(doc, s, value, options, at).length === 0).length;
    if (passing !== 1) out.push({ at, code: "ALTERNATIVES", message: `matches ${passing} oneOf alternatives, expected exactly 1` });
  }
  if (schema.anyOf && !schema.anyOf.some((s) => validateSchema(doc, s, value, options, at).length === 0)) {
    out.push({ at, code: "ALTERNATIVES", message: "matches no anyOf alternative" });
  }
  if (value === null) {
    if (!schema.nullable && schema.type) out.push({ at, code: "INVALID_TYPE", message: `expected ${schema.type}, got null` });
    return out;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push({ at, code: "INVALID_ENUM", message: `${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}` });
  }
  const actual = typeOf(value);
  if (schema.type && schema.type !== actual && !(schema.type === "number" && actual === "integer")) {
    out.push({ at, code: "INVALID_TYPE", message: `expected ${schema.type}, got ${actual}` });
    return out;
  }
  const badFormat = schema.format ? formatProblem(schema, value) : undefined;
  if (badFormat) out.push({ at, code: "INVALID_FORMAT", message: badFormat });
  if (schema.pattern && typeof value === "string") {
    let regex = patterns.get(schema.pattern);
    if (!regex) patterns.set(schema.pattern, (regex = new RegExp(schema.pattern, "u")));
    if (!regex.test(value)) out.push({ at, code: "INVALID_PATTERN", message: `${JSON.stringify(value)} does not match ${schema.pattern}` });
  }

  if (actual === "array" && schema.items) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) validateSchema(doc, schema.items, items[i], options, `${at}[${i}]`, out);
  }
  if (actual === "object" && (schema.type === "object" || schema.properties || schema.additionalProperties !== undefined)) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (record[name] === undefined) out.push({ at: child(at, name), code: "REQUIRED", message: "is required but missing" });
    }
    const extra = schema.additionalProperties;
    const flagUndeclared = extra === false || (options.strict === true && schema.properties !== undefined && extra === undefined);
    for (const key in record) {
      const item = record[key];
      if (item === undefined) continue;
      const declared = schema.properties?.[key];
      if (declared) validateSchema(doc, declared, item, options, child(at, key), out);
      else if (typeof extra === "object") {
        if (!(item === null && options.nullableMapValues)) validateSchema(doc, extra, item, options, child(at, key), out);
      } else if (flagUndeclared) out.push({ at: child(at, key), code: "UNDECLARED", message: "is not declared" });
    }
  }
  return out;
}

/**
 * A query or path parameter's text as the value its schema describes: integers and booleans
 * are parsed (text that is neither stays text, so the type check reports it); arrays are the
 * repeated values, each also split at commas, as the SDK sends them.
 */
function parameterValue(schema: Schema, values: string[]): unknown {
  if (schema.type === "array") return values.flatMap((v) => v.split(",")).map((v) => scalar(schema.items ?? {}, v));
  return scalar(schema, values[values.length - 1]!);
}

function scalar(schema: Schema, text: string): unknown {
  if ((schema.type === "integer" || schema.type === "number") && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (schema.type === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

export interface CallToCheck {
  method: string;
  path: string;
  status: number;
  requestBody?: unknown;
  responseBody?: unknown;
}

export interface RequestToCheck {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body; undefined when there is none. */
  body: unknown;
}

interface Template {
  template: string;
  regex: RegExp;
  names: string[];
  literals: number;
}
interface Loaded {
  name: string;
  doc: OpenApiDocument;
  /** Path rewrites before matching, e.g. deals.json spells /crm/v3/objects/deals as /0-3. */
  aliases: [RegExp, string][];
  templates: Template[];
}
export interface Found {
  document: string;
  template: string;
  operation: Operation;
  doc: OpenApiDocument;
  /** The path parameters' values, by name. */
  params: Record<string, string>;
}

function successOf(operation: Operation): MediaTypes | { $ref: string } | undefined {
  return operation.responses["200"] ?? operation.responses["201"];
}

/** Looked-up paths are few (ids aside), so operations are remembered by method and path, up to this many. */
const FIND_CACHE_SIZE = 2_000;

export class OpenApiValidator {
  private readonly docs: Loaded[] = [];
  private readonly found = new Map<string, Found | null>();

  /** Documents are tried in order: put the object-specific ones before the generic objects.json. */
  add(name: string, doc: OpenApiDocument, aliases: [RegExp, string][] = []): this {
    const templates = Object.keys(doc.paths)
      .map((template) => {
        const names: string[] = [];
        const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, name: string) => {
          names.push(name);
          return "([^/]+)";
        });
        return { template, regex: new RegExp(`^${source}/?$`), names, literals: template.split("/").filter((s) => s && !s.startsWith("{")).length };
      })
      .sort((a, b) => b.literals - a.literals);
    this.docs.push({ name, doc, aliases, templates });
    this.found.clear();
    return this;
  }

  load(name: string, file: URL | string, aliases: [RegExp, string][] = []): this {
    return this.add(name, JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument, aliases);
  }

  /** The documented operation for a method and path, or undefined when no loaded document has one. */
  find(method: string, rawPath: string): Found | undefined {
    const key = `${method} ${rawPath}`;
    const cached = this.found.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.lookup(method.toLowerCase(), rawPath);
    if (this.found.size >= FIND_CACHE_SIZE) this.found.clear();
    this.found.set(key, found ?? null);
    return found;
  }

  private lookup(method: string, rawPath: string): Found | undefined {
    for (const loaded of this.docs) {
      const path = loaded.aliases.reduce((p, [from, to]) => p.replace(from, to), rawPath);
      for (const t of loaded.templates) {
        const operation = loaded.doc.paths[t.template]?.[method] as Operation | undefined;
        if (!operation?.responses) continue;
        const match = t.regex.exec(path);
        if (!match) continue;
        const params: Record<string, string> = {};
        t.names.forEach((name, i) => {
          params[name] = decodeURIComponent(match[i + 1]!);
        });
        return { document: loaded.name, template: t.template, operation, doc: loaded.doc, params };
      }
    }
    return undefined;
  }

  /**
   * How a request breaks its operation: path and query parameters (`at` is the parameter's
   * name) and the JSON body (`at` is a path inside it, "" for the body itself). Undefined when
   * no loaded document has the operation: such requests are not this validator's to judge.
   */
  checkRequest(request: RequestToCheck, options: ValidateOptions = {}): Problem[] | undefined {
    const found = this.find(request.method, request.path);
    if (!found) return undefined;
    const { doc, operation } = found;
    const problems: Problem[] = [];
    for (const ref of operation.parameters ?? []) {
      const parameter = this.resolve<Parameter>(doc, ref);
      if (!parameter?.schema || (parameter.in !== "query" && parameter.in !== "path")) continue;
      const values =
        parameter.in === "path"
          ? found.params[parameter.name] === undefined
            ? []
            : [found.params[parameter.name]!]
          : request.query.getAll(parameter.name);
      if (values.length === 0) {
        if (parameter.required) problems.push({ at: parameter.name, code: "REQUIRED", message: `${parameter.in} parameter is required but missing` });
        continue;
      }
      validateSchema(doc, parameter.schema, parameterValue(parameter.schema, values), options, parameter.name, problems);
    }
    const body = this.resolve<MediaTypes>(doc, operation.requestBody);
    const schema = this.schemaOf(body);
    if (request.body === undefined) {
      if (body?.required) problems.push({ at: "", code: "REQUIRED", message: "request body is required" });
    } else if (schema) validateSchema(doc, schema, request.body, options, "", problems);
    return problems;
  }

  /** Problems with one recorded call: unknown operation, undeclared 2xx status, or schema mismatches. */
  check(call: CallToCheck, options: ValidateOptions = {}): string[] {
    return this.checkCall(call, options).map(describeProblem);
  }

  /** check(), as Problems; `at` starts with "request" or "response", or is the call itself. */
  checkCall(call: CallToCheck, options: ValidateOptions = {}): Problem[] {
    const found = this.find(call.method, call.path);
    const where = `${call.method} ${found?.template ?? call.path}${found ? ` (${found.document})` : ""} ${call.status}`;
    if (!found) return [{ at: where, code: "UNRESOLVED", message: "no operation in the loaded documents" }];
    const { doc, operation } = found;
    const problems: Problem[] = [];

    const requestSchema = this.schemaOf(this.resolve<MediaTypes>(doc, operation.requestBody));
    if (requestSchema && call.requestBody !== undefined) validateSchema(doc, requestSchema, call.requestBody, options, "request", problems);

    // HubSpot answers a batch with some failed inputs 207 Multi-Status (its error-handling guide);
    // the dated documents declare only the success status, whose schema carries `errors`.
    const declared = operation.responses[String(call.status)] ?? (call.status === 207 ? successOf(operation) : undefined);
    if (!declared && call.status < 300) problems.push({ at: "status", code: "UNDECLARED", message: `${call.status} is not declared` });
    const responseSchema = this.schemaOf(this.resolve<MediaTypes>(doc, declared ?? operation.responses.default));
    // Error bodies carry HubSpot's undocumented `status: "error"`, so they are never strict.
    const responseOptions = call.status >= 400 ? { ...options, strict: false } : options;
    if (responseSchema) validateSchema(doc, responseSchema, call.responseBody, responseOptions, "response", problems);
    else if (call.responseBody !== undefined)
      problems.push({ at: "response", code: "UNDECLARED", message: "body present where the document declares none" });
    return problems.map((p) => ({ ...p, at: `${where}: ${p.at}` }));
  }

  private resolve<T>(doc: OpenApiDocument, part: T | { $ref: string } | undefined): T | undefined {
    const ref = (part as { $ref?: string } | undefined)?.$ref;
    if (!ref) return part as T | undefined;
    const [, , kind, name] = ref.split("/");
    return (doc.components as unknown as Record<string, Record<string, T> | undefined>)[kind!]?.[name!];
  }

  private schemaOf(media: MediaTypes | undefined): Schema | undefined {
    const content = media?.content;
    return content?.["application/json"]?.schema ?? content?.["*/*"]?.schema;
  }
}
