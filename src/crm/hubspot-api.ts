import { z } from "zod";
import { FailureError } from "../platform/failure";
import { HUBSPOT_API_VERSION, type HubSpotAnswer, type HubSpotClient, type Query } from "../platform/hubspot-transport";

/**
 * HubSpot's dated (2026-09) endpoints the product calls, with the answers it reads typed here
 * (zod: the boundary is checked, unknown fields pass). Paths and shapes are those of HubSpot's
 * 2026-09 OpenAPI documents (copies in test/emulators/hubspot/openapi/2026-09/, which the
 * emulator holds every request and answer to).
 */
const V = HUBSPOT_API_VERSION;

export const hubspotPaths = {
  objects: (objectType: string) => `/crm/objects/${V}/${encodeURIComponent(objectType)}`,
  object: (objectType: string, id: string) => `/crm/objects/${V}/${encodeURIComponent(objectType)}/${encodeURIComponent(id)}`,
  associations: (from: string, to: string) => `/crm/associations/${V}/${encodeURIComponent(from)}/${encodeURIComponent(to)}`,
  owners: `/crm/owners/${V}`,
  properties: (objectType: string) => `/crm/properties/${V}/${encodeURIComponent(objectType)}`,
  property: (objectType: string, name: string) => `/crm/properties/${V}/${encodeURIComponent(objectType)}/${encodeURIComponent(name)}`,
  propertyValidations: (objectTypeId: string) => `/crm/property-validations/${V}/${encodeURIComponent(objectTypeId)}`,
  pipelines: (objectType: string) => `/crm/pipelines/${V}/${encodeURIComponent(objectType)}`,
  subscribe: `/communication-preferences/${V}/subscribe`,
} as const;

const nullableString = z.string().nullable();

export const PublicObject = z.looseObject({
  id: z.string(),
  properties: z.record(z.string(), nullableString.optional()).transform((p) => p as Record<string, string | null>),
  propertiesWithHistory: z
    .record(z.string(), z.array(z.looseObject({ value: nullableString.optional(), timestamp: z.string().optional() })))
    .optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  archived: z.boolean().optional(),
  objectWriteTraceId: z.string().optional(),
  /** Upserts only: whether the input created the record. */
  new: z.boolean().optional(),
});
export type PublicObject = z.infer<typeof PublicObject>;

const ErrorDetail = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
  in: z.string().optional(),
  subCategory: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const StandardError = z.looseObject({
  status: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.unknown().optional(),
  message: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
  errors: z.array(ErrorDetail).optional(),
});
export type StandardError = z.infer<typeof StandardError>;

/** A batch answer: 200 (or 201) when every input worked, 207 with `errors` when some did not. */
export const BatchAnswer = z.looseObject({
  status: z.string().optional(),
  results: z.array(PublicObject),
  errors: z.array(StandardError).optional(),
  numErrors: z.number().optional(),
});
export type BatchAnswer = z.infer<typeof BatchAnswer>;

export const OwnersPage = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      email: z.string().optional(),
      firstName: z.string().optional(),
      lastName: z.string().optional(),
      userId: z.number().optional(),
      type: z.string().optional(),
      archived: z.boolean().optional(),
    }),
  ),
  paging: z.looseObject({ next: z.looseObject({ after: z.string() }).optional() }).optional(),
});
export type OwnersPage = z.infer<typeof OwnersPage>;

export const Property = z.looseObject({
  name: z.string(),
  label: z.string().optional(),
  type: z.string().optional(),
  fieldType: z.string().optional(),
  hasUniqueValue: z.boolean().optional(),
});
export type Property = z.infer<typeof Property>;

export const SubscriptionStatus = z.looseObject({ id: z.string(), status: z.string() });

/** Reads an answer with `schema`; an answer HubSpot's documents do not allow is a transient failure (what was done is unknown). */
function parser<T>(schema: z.ZodType<T>, what: string): (body: unknown) => T {
  return (body) => {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new FailureError({
      kind: "transient",
      message: `HubSpot's answer to ${what} is not as documented (${issue?.path.join(".")}: ${issue?.message})`,
    });
  };
}

export interface ObjectInput {
  properties: Record<string, string>;
  associations?: {
    to: { id: string };
    types: { associationCategory: "HUBSPOT_DEFINED" | "USER_DEFINED" | "INTEGRATOR_DEFINED"; associationTypeId: number }[];
  }[];
  objectWriteTraceId?: string;
}

export interface BatchReadRequest {
  inputs: { id: string }[];
  properties: string[];
  propertiesWithHistory?: string[];
  idProperty?: string;
}

/** The typed dated endpoints, on one client (one token, one base URL). */
export class HubSpotApi {
  private readonly client: HubSpotClient;

  constructor(client: HubSpotClient) {
    this.client = client;
  }

  private async post<T>(path: string, body: unknown, schema: z.ZodType<T>, what: string, query?: Query): Promise<T> {
    return (await this.client.request({ method: "POST", path, body, query, parse: parser(schema, what) })).body;
  }

  batchCreate(objectType: string, inputs: ObjectInput[]) {
    return this.post(`${hubspotPaths.objects(objectType)}/batch/create`, { inputs }, BatchAnswer, `create ${objectType}`);
  }

  batchRead(objectType: string, request: BatchReadRequest) {
    return this.post(`${hubspotPaths.objects(objectType)}/batch/read`, { propertiesWithHistory: [], ...request }, BatchAnswer, `read ${objectType}`);
  }

  batchUpdate(objectType: string, inputs: { id: string; properties: Record<string, string>; idProperty?: string }[]) {
    return this.post(`${hubspotPaths.objects(objectType)}/batch/update`, { inputs }, BatchAnswer, `update ${objectType}`);
  }

  batchUpsert(objectType: string, inputs: { id: string; idProperty: string; properties: Record<string, string> }[]) {
    return this.post(`${hubspotPaths.objects(objectType)}/batch/upsert`, { inputs }, BatchAnswer, `upsert ${objectType}`);
  }

  async batchArchive(objectType: string, ids: string[]): Promise<void> {
    await this.client.request({
      method: "POST",
      path: `${hubspotPaths.objects(objectType)}/batch/archive`,
      body: { inputs: ids.map((id) => ({ id })) },
    });
  }

  async getObject(objectType: string, id: string, properties: string[], propertiesWithHistory: string[] = []): Promise<PublicObject> {
    const answer = await this.client.request({
      method: "GET",
      path: hubspotPaths.object(objectType, id),
      query: { properties, ...(propertiesWithHistory.length > 0 ? { propertiesWithHistory } : {}) },
      parse: parser(PublicObject, `read ${objectType}`),
    });
    return answer.body;
  }

  /** With the answer's headers: private apps are told their daily allowance on every answer. */
  ownersPage(options: { limit: number; after?: string; archived?: boolean }): Promise<HubSpotAnswer<OwnersPage>> {
    return this.client.request({
      method: "GET",
      path: hubspotPaths.owners,
      query: { limit: options.limit, after: options.after, archived: options.archived ?? false },
      parse: parser(OwnersPage, "list owners"),
    });
  }

  async getProperty(objectType: string, name: string): Promise<Property> {
    return (await this.client.request({ method: "GET", path: hubspotPaths.property(objectType, name), parse: parser(Property, "read a property") }))
      .body;
  }

  createProperty(objectType: string, definition: Record<string, unknown>) {
    return this.post(hubspotPaths.properties(objectType), definition, Property, "create a property");
  }

  subscribe(request: { emailAddress: string; subscriptionId: string; legalBasis?: string; legalBasisExplanation?: string }) {
    return this.post(hubspotPaths.subscribe, request, SubscriptionStatus, "subscribe");
  }
}
