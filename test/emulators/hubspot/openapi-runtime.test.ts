import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHubSpotEmulator } from "./index.ts";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let run: Running;
beforeAll(async () => {
  run = await startHubSpot();
});
afterAll(async () => {
  await run.close();
});

const tasks = async () => (await http(run.url, "GET", "/_emulator/objects/tasks")).body as unknown[];

describe("HubSpot emulator: requests are held to HubSpot's OpenAPI documents", () => {
  it("refuses a task whose hs_timestamp is a number with HubSpot's 400 VALIDATION_ERROR, creating nothing", async () => {
    const batch = await http(run.url, "POST", "/crm/v3/objects/tasks/batch/create", {
      inputs: [
        { properties: { hs_timestamp: "1700000000000", hs_task_subject: "fine" }, associations: [] },
        { properties: { hs_timestamp: 1700000000000, hs_task_subject: "not fine" }, associations: [] },
      ],
    });
    expect(batch.status).toBe(400);
    expect(batch.body).toEqual({
      status: "error",
      message: "Invalid input JSON: inputs[1].properties.hs_timestamp: expected string, got integer",
      correlationId: expect.stringMatching(UUID),
      category: "VALIDATION_ERROR",
      errors: [{ message: "expected string, got integer", code: "INVALID_TYPE", in: "inputs[1].properties.hs_timestamp" }],
    });
    // The SDK's typings forbid it; its serializer passes it through, so the Worker would meet the same 400.
    const single = await sdkError(
      run.client.crm.objects.tasks.basicApi.create({ properties: { hs_timestamp: 1700000000000 as never }, associations: [] }),
    );
    expect(single.code).toBe(400);
    expect(single.body).toMatchObject({ category: "VALIDATION_ERROR", errors: [{ in: "properties.hs_timestamp", code: "INVALID_TYPE" }] });
    expect(await tasks()).toEqual([]);
  });

  it("names every missing required field and bad enumeration value", async () => {
    const response = await http(run.url, "POST", "/crm/v3/objects/tasks/batch/create", {
      inputs: [{ associations: [{ to: { id: "1" }, types: [{ associationCategory: "HUBSPOT", associationTypeId: 204 }] }] }, {}],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { message: "is required but missing", code: "REQUIRED", in: "inputs[0].properties" },
      {
        message: '"HUBSPOT" is not one of ["HUBSPOT_DEFINED","INTEGRATOR_DEFINED","USER_DEFINED","WORK"]',
        code: "INVALID_ENUM",
        in: "inputs[0].associations[0].types[0].associationCategory",
      },
      { message: "is required but missing", code: "REQUIRED", in: "inputs[1].associations" },
      { message: "is required but missing", code: "REQUIRED", in: "inputs[1].properties" },
    ]);
    expect(response.body.message).toMatch(/^Invalid input JSON: inputs\[0\]\.properties: is required but missing; .*\(and 1 more\)$/);
    expect((await http(run.url, "POST", "/crm/v3/objects/tasks/batch/create")).body).toMatchObject({
      message: "Invalid input JSON: request body is required",
      errors: [{ code: "REQUIRED", message: "request body is required" }],
    });
    expect(await tasks()).toEqual([]);
  });

  it("checks path and query parameters by their documented types", async () => {
    const refused = async (path: string) => {
      const response = await http(run.url, "GET", path);
      expect(response.status, path).toBe(400);
      return response.body.errors;
    };
    expect(await refused("/crm/v3/objects/contacts?limit=ten")).toEqual([
      { message: "expected integer, got string", code: "INVALID_TYPE", in: "limit" },
    ]);
    expect(await refused("/crm/v3/objects/contacts?archived=yes")).toEqual([
      { message: "expected boolean, got string", code: "INVALID_TYPE", in: "archived" },
    ]);
    expect(await refused("/crm/v3/owners/alex")).toEqual([{ message: "expected integer, got string", code: "INVALID_TYPE", in: "ownerId" }]);
    expect(await refused("/crm/v3/owners/84213371?idProperty=email")).toEqual([
      { message: '"email" is not one of ["id","userId"]', code: "INVALID_ENUM", in: "idProperty" },
    ]);
    expect((await http(run.url, "GET", "/crm/v3/owners/1712?idProperty=userId&archived=false")).status).toBe(200);
  });

  it("answers a body that is not JSON as HubSpot's parser does", async () => {
    const response = await fetch(`${run.url}/crm/v3/objects/contacts/batch/read`, {
      method: "POST",
      headers: { authorization: "Bearer hubspot-dev-token", "content-type": "application/json" },
      body: "{inputs:",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      message: "Invalid input JSON on line 1, column 1: Cannot parse request body",
      category: "VALIDATION_ERROR",
    });
  });

  it("leaves routes no document covers as they are: the control API and the properties API", async () => {
    const human = await http(run.url, "POST", "/_emulator/ui/tasks", { properties: { hs_timestamp: 1700000000000 } });
    expect(human.status).toBe(201);
    expect((await http(run.url, "GET", "/crm/v3/properties/contacts?archived=yes")).status).toBe(200);
    await http(run.url, "POST", "/_emulator/reset");
  });

  it("still checks auth and the rate limit first, and sends the rate-limit headers with its 400", async () => {
    expect((await http(run.url, "GET", "/crm/v3/objects/contacts?limit=ten", undefined, null)).status).toBe(401);
    const refused = await http(run.url, "GET", "/crm/v3/objects/contacts?limit=ten");
    expect(refused.headers.get("x-hubspot-ratelimit-max")).toBe("100");
  });

  it("can be switched off (validateRequests: false) to reach the handlers' own checks", async () => {
    const lax = createHubSpotEmulator({ validateRequests: false });
    const url = await lax.server.listen(0);
    try {
      const response = await http(url, "POST", "/crm/v3/objects/tasks", { properties: { hs_timestamp: 1700000000000 }, associations: [] });
      expect(response.status).toBe(201);
    } finally {
      await lax.close();
    }
  });
});

describe("HubSpot emulator: its own answers are held to the documents (checkResponses)", () => {
  it("keeps every answer that breaks them, for GET /_emulator/openapi and openApiProblems()", async () => {
    // Seeding an owner of a type HubSpot does not have makes the emulator answer what HubSpot could not.
    await http(run.url, "POST", "/_emulator/owners", { id: "900", type: "ROBOT", userId: 900 });
    expect((await http(run.url, "GET", "/crm/v3/owners/900")).status).toBe(200);
    await run.client.crm.owners.ownersApi.getPage();
    const problems = (await http(run.url, "GET", "/_emulator/openapi")).body;
    expect(problems).toEqual([
      'GET /crm/v3/owners/{ownerId} (crmOwners) 200: response.type: "ROBOT" is not one of ["PERSON","QUEUE"]',
      'GET /crm/v3/owners (crmOwners) 200: response.results[2].type: "ROBOT" is not one of ["PERSON","QUEUE"]',
    ]);
    expect(run.hs.openApiProblems()).toEqual([]);
    await http(run.url, "POST", "/_emulator/reset");
  });

  it("is off unless asked for, and says so instead of answering an empty list", async () => {
    const unchecked = createHubSpotEmulator();
    const url = await unchecked.server.listen(0);
    try {
      expect((await http(url, "GET", "/_emulator/openapi")).status).toBe(409);
      expect(() => unchecked.openApiProblems()).toThrow(/checkResponses/);
    } finally {
      await unchecked.close();
    }
  });
});
