import { readFileSync } from "node:fs";
import type { CallRecord, EmulatorRequest, EmulatorResponse } from "../shared/server.ts";
import { badRequest, errorResponse, invalidJson } from "./errors.ts";
import { describeProblem, type OpenApiDocument, OpenApiValidator, type Problem, type Schema, type ValidateOptions } from "./openapi-validator.ts";

/**
 * HubSpot's OpenAPI documents, as the emulator holds requests and answers to them: the numeric
 * (v3/v4) ones are copies of shared/reference/hubspot-openapi; the dated ones (2026-09, and the
 * webhooks journal's 2026-03, its newest non-beta version) are copies from HubSpot's
 * HubSpot-public-api-spec-collection (PublicApiSpecs/…/Rollouts/…/2026-09/*.json). Object-specific
 * documents come first; deals.json spells the deals path with its type id 0-3. The dated object
 * documents (contacts, tasks, leads …) all spell the path /crm/objects/2026-09/{objectType}, so
 * the generic one stands for them.
 */
export const DOCUMENTS = [
  "tasks",
  "contacts",
  "deals",
  "objects",
  "crmOwners",
  "associations",
  "2026-09/objects",
  "2026-09/associations",
  "2026-09/crmOwners",
  "2026-09/properties",
  "2026-09/propertyValidations",
  "2026-09/subscriptions",
  "2026-03/webhooksJournal",
] as const;
const ALIASES: Partial<Record<(typeof DOCUMENTS)[number], [RegExp, string][]>> = {
  deals: [[/^\/crm\/v3\/objects\/(deals|0-3)(?=\/|$)/, "/crm/v3/objects/0-3"]],
};

/**
 * Where HubSpot's guides document more than its OpenAPI types: the CRM search guide
 * (developers.hubspot.com/docs/api/crm/search, "Sort search results") sorts by
 * `{"propertyName","direction"}` objects, which the documents type as strings only.
 */
const SORT: Schema = {
  anyOf: [
    { type: "string" },
    {
      type: "object",
      required: ["propertyName"],
      properties: { propertyName: { type: "string" }, direction: { type: "string", enum: ["ASCENDING", "DESCENDING"] } },
    },
  ],
};
function amend(doc: OpenApiDocument): OpenApiDocument {
  const sorts = doc.components.schemas.PublicObjectSearchRequest?.properties?.sorts;
  if (sorts) sorts.items = SORT;
  return doc;
}

let loaded: OpenApiValidator | undefined;

/** The documents, parsed once per process (about 500 KB of JSON). */
export function hubspotOpenApi(): OpenApiValidator {
  if (!loaded) {
    loaded = new OpenApiValidator();
    for (const name of DOCUMENTS) {
      const doc = JSON.parse(readFileSync(new URL(`./openapi/${name}.json`, import.meta.url), "utf8")) as OpenApiDocument;
      loaded.add(name, amend(doc), ALIASES[name]);
    }
  }
  return loaded;
}

/** Answers HubSpot leaves out: null for a requested property that has no value. */
export const RESPONSE_OPTIONS: ValidateOptions = { strict: true, nullableMapValues: true };

/** How many problems the 400's message spells out; `errors` lists every one. */
const MESSAGE_PROBLEMS = 3;

/**
 * HubSpot's 400 for a request its documents do not allow (a property value that is not a
 * string, an input without `properties`, `limit=ten`), or undefined for a valid one and for
 * routes no document covers (properties, the emulator's own control routes).
 */
export function invalidRequest(req: EmulatorRequest): EmulatorResponse | undefined {
  const problems = hubspotOpenApi().checkRequest(req);
  if (!problems) return undefined;
  // A body that is not JSON at all gets the parser's answer.
  if (req.rawBody !== "" && req.body === undefined) return errorResponse(invalidJson());
  if (problems.length === 0) return undefined;
  const spelled = problems.slice(0, MESSAGE_PROBLEMS).map((p) => (p.at ? describeProblem(p) : p.message));
  const more = problems.length > MESSAGE_PROBLEMS ? ` (and ${problems.length - MESSAGE_PROBLEMS} more)` : "";
  return errorResponse(
    badRequest(`Invalid input JSON: ${spelled.join("; ")}${more}`, {
      errors: problems.map((p) => ({ message: p.message, code: p.code, ...(p.at ? { in: p.at } : {}) })),
    }),
  );
}

/**
 * HubSpot's own 429 body (crm-facts 2.3) has no `category`, though its Error schema requires
 * one; the emulator answers as HubSpot does, so that one mismatch is not the emulator's.
 */
function isKnownDivergence(call: CallRecord, problem: Problem): boolean {
  return call.status === 429 && problem.code === "REQUIRED" && problem.at.endsWith(": response.category");
}

const MAX_KEPT = 200;

/**
 * Checks every answer the emulator gives against the documents and keeps the mismatches: each
 * is an emulator bug (an answer HubSpot could not give), for a test to find.
 */
export class ResponseChecks {
  private readonly found: string[] = [];
  private dropped = 0;

  readonly record = (call: CallRecord): void => {
    // A timed-out call was never answered; a route no document covers is not judged here.
    if (call.status < 0 || !hubspotOpenApi().find(call.method, call.path)) return;
    // The request is judged on the way in (a 400); here only what the emulator said counts.
    const answer = { method: call.method, path: call.path, status: call.status, responseBody: call.responseBody };
    for (const problem of hubspotOpenApi().checkCall(answer, RESPONSE_OPTIONS)) {
      if (isKnownDivergence(call, problem)) continue;
      // One bug repeats on every answer it shapes: the first few hundred say what it is.
      if (this.found.length < MAX_KEPT) this.found.push(describeProblem(problem));
      else this.dropped++;
    }
  };

  /** Returns and forgets the mismatches found so far. */
  drain(): string[] {
    const found = this.found.splice(0);
    if (this.dropped > 0) found.push(`… and ${this.dropped} more`);
    this.dropped = 0;
    return found;
  }
}
