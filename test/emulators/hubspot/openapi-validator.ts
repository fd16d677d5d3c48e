import { readFileSync } from "node:fs";

/**
 * A small validator for the JSON-Schema subset HubSpot's OpenAPI 3.0 documents use (type,
 * properties, required, items, enum, format, $ref, allOf/oneOf/anyOf, additionalProperties,
 * nullable), so the emulator can be checked against the published API without a dependency.
 */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  format?: string;
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean | Schema;
  nullable?: boolean;
}

interface MediaTypes {
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  operationId?: string;
  requestBody?: MediaTypes | { $ref: string };
  responses: Record<string, MediaTypes | { $ref: string }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, Schema>; responses?: Record<string, MediaTypes>; requestBodies?: Record<string, MediaTypes> };
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

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

export function validateSchema(doc: OpenApiDocument, schema: Schema, value: unknown, options: ValidateOptions = {}, path = "$"): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = doc.components.schemas[name];
    return target ? validateSchema(doc, target, value, options, path) : [`${path}: unresolved $ref ${schema.$ref}`];
  }
  const problems: string[] = [];
  for (const part of schema.allOf ?? []) problems.push(...validateSchema(doc, part, value, options, path));
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((s) => validateSchema(doc, s, value, options, path).length === 0).length;
    if (passing !== 1) problems.push(`${path}: matches ${passing} oneOf alternatives, expected exactly 1`);
  }
  if (schema.anyOf && !schema.anyOf.some((s) => validateSchema(doc, s, value, options, path).length === 0)) {
    problems.push(`${path}: matches no anyOf alternative`);
  }
  if (value === null) {
    if (schema.nullable || !schema.type) return problems;
    return [...problems, `${path}: expected ${schema.type}, got null`];
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  const actual = typeOf(value);
  if (schema.type) {
    const ok = schema.type === actual || (schema.type === "number" && actual === "integer");
    if (!ok) return [...problems, `${path}: expected ${schema.type}, got ${actual}`];
  }
  if (schema.format === "date-time" && typeof value === "string" && !ISO_DATE_TIME.test(value))
    problems.push(`${path}: ${value} is not an ISO date-time`);
  if (schema.format === "int32" && typeof value === "number" && (value > 2 ** 31 - 1 || value < -(2 ** 31)))
    problems.push(`${path}: ${value} exceeds int32`);

  if (actual === "array" && schema.items) {
    (value as unknown[]).forEach((item, i) => {
      problems.push(...validateSchema(doc, schema.items!, item, options, `${path}[${i}]`));
    });
  }
  if (actual === "object" && (schema.type === "object" || schema.properties || schema.additionalProperties !== undefined)) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in record)) problems.push(`${path}: missing required ${name}`);
    for (const [key, item] of Object.entries(record)) {
      const declared = schema.properties?.[key];
      if (declared) problems.push(...validateSchema(doc, declared, item, options, `${path}.${key}`));
      else if (typeof schema.additionalProperties === "object") {
        if (item === null && options.nullableMapValues) continue;
        problems.push(...validateSchema(doc, schema.additionalProperties, item, options, `${path}.${key}`));
      } else if (schema.additionalProperties === false || (options.strict && schema.properties && schema.additionalProperties === undefined)) {
        problems.push(`${path}: undeclared property ${key}`);
      }
    }
  }
  return problems;
}

export interface CallToCheck {
  method: string;
  path: string;
  status: number;
  requestBody?: unknown;
  responseBody?: unknown;
}

interface Loaded {
  name: string;
  doc: OpenApiDocument;
  /** Path rewrites before matching, e.g. deals.json spells /crm/v3/objects/deals as /0-3. */
  aliases: [RegExp, string][];
  templates: { template: string; regex: RegExp; literals: number }[];
}

export class OpenApiValidator {
  private readonly docs: Loaded[] = [];

  /** Documents are tried in order: put the object-specific ones before the generic objects.json. */
  add(name: string, doc: OpenApiDocument, aliases: [RegExp, string][] = []): this {
    const templates = Object.keys(doc.paths)
      .map((template) => ({
        template,
        regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
        literals: template.split("/").filter((s) => s && !s.startsWith("{")).length,
      }))
      .sort((a, b) => b.literals - a.literals);
    this.docs.push({ name, doc, aliases, templates });
    return this;
  }

  load(name: string, file: URL | string, aliases: [RegExp, string][] = []): this {
    return this.add(name, JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument, aliases);
  }

  find(method: string, rawPath: string): { document: string; template: string; operation: Operation; doc: OpenApiDocument } | undefined {
    for (const loaded of this.docs) {
      const path = loaded.aliases.reduce((p, [from, to]) => p.replace(from, to), rawPath);
      for (const t of loaded.templates) {
        const operation = loaded.doc.paths[t.template]?.[method.toLowerCase()] as Operation | undefined;
        if (operation?.responses && t.regex.test(path)) return { document: loaded.name, template: t.template, operation, doc: loaded.doc };
      }
    }
    return undefined;
  }

  /** Problems with one recorded call: unknown operation, undeclared 2xx status, or schema mismatches. */
  check(call: CallToCheck, options: ValidateOptions = {}): string[] {
    const found = this.find(call.method, call.path);
    if (!found) return [`${call.method} ${call.path}: no operation in the loaded documents`];
    const { doc, operation } = found;
    const where = `${call.method} ${found.template} (${found.document}) ${call.status}`;
    const problems: string[] = [];

    const requestSchema = this.schemaOf(doc, operation.requestBody);
    if (requestSchema && call.requestBody !== undefined) {
      problems.push(...validateSchema(doc, requestSchema, call.requestBody, options, "request"));
    }

    const declared = operation.responses[String(call.status)];
    if (!declared && call.status < 300) problems.push(`status ${call.status} is not declared`);
    const response = declared ?? operation.responses.default;
    const responseSchema = this.schemaOf(doc, response);
    // Error bodies carry HubSpot's undocumented `status: "error"`, so they are never strict.
    const responseOptions = call.status >= 400 ? { ...options, strict: false } : options;
    if (responseSchema) problems.push(...validateSchema(doc, responseSchema, call.responseBody, responseOptions, "response"));
    else if (call.responseBody !== undefined) problems.push("response: body present where the document declares none");
    return problems.map((p) => `${where}: ${p}`);
  }

  private schemaOf(doc: OpenApiDocument, part: MediaTypes | { $ref: string } | undefined): Schema | undefined {
    let media = part as MediaTypes | undefined;
    const ref = (part as { $ref?: string } | undefined)?.$ref;
    if (ref) {
      const [, , kind, name] = ref.split("/");
      media = (doc.components as Record<string, Record<string, MediaTypes> | undefined>)[kind!]?.[name!];
    }
    const content = media?.content;
    return content?.["application/json"]?.schema ?? content?.["*/*"]?.schema;
  }
}
