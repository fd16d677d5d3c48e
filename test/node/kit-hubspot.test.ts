import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy.ts";
import { Policy } from "../../src/core/policy/policy.ts";
import { EXAMPLE_WORKER_URL, HUBSPOT_WEBHOOK_PATH, HUBSPOT_WEBHOOKS_FILE, hubspotWebhooksComponent } from "../../scripts/kit/hubspot-webhooks.ts";
import { KIT_OBJECT_TYPES } from "../../scripts/kit/kit-objects.ts";
import { filesUnder, REPO } from "./kit/salesforce-project.ts";

/**
 * The HubSpot project as HubSpot's developer platform (2025.2) documents it: hsproject.json at the
 * root, every component in a *-hsmeta.json under src/app/ (the app in app/, webhooks in
 * app/webhooks/), each {uid, type, config}. Schemas written from
 * developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration and
 * .../add-features/configure-webhooks; HubSpot checks the rest when `hs project upload` builds.
 */
const Uid = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/);
const HsProject = z.strictObject({ name: z.string().min(1), srcDir: z.literal("src"), platformVersion: z.literal("2025.2") });
const Scope = z.string().regex(/^[a-z][a-z0-9_.-]*$/);
const App = z.strictObject({
  uid: Uid,
  type: z.literal("app"),
  config: z
    .strictObject({
      description: z.string().min(1).max(8192),
      name: z
        .string()
        .min(1)
        .max(200)
        .refine((s) => s.trim() === s, "no leading or trailing whitespace"),
      distribution: z.enum(["marketplace", "private"]),
      auth: z.strictObject({
        type: z.enum(["oauth", "static"]),
        redirectUrls: z.array(z.url()).optional(),
        requiredScopes: z.array(Scope).min(1),
        optionalScopes: z.array(Scope).default([]),
        conditionallyRequiredScopes: z.array(Scope).default([]),
      }),
      permittedUrls: z
        .strictObject({ fetch: z.array(z.url()), iframe: z.array(z.url()), img: z.array(z.url()) })
        .partial()
        .optional(),
      support: z.record(z.string(), z.string()).optional(),
    })
    .refine((c) => c.distribution !== "marketplace" || c.auth.type === "oauth", "marketplace apps use OAuth"),
});
const CrmObjectSubscription = z
  .strictObject({
    subscriptionType: z.enum([
      "object.creation",
      "object.deletion",
      "object.merge",
      "object.restore",
      "object.propertyChange",
      "object.associationChange",
    ]),
    objectType: z.string().min(1),
    propertyName: z.string().min(1).optional(),
    active: z.boolean(),
  })
  .refine(
    (s) => (s.subscriptionType === "object.propertyChange") === (s.propertyName !== undefined),
    "propertyName goes with object.propertyChange only",
  )
  .refine((s) => s.propertyName !== "hs_lastmodifieddate", "HubSpot refuses subscriptions to hs_lastmodifieddate");
const Webhooks = z.strictObject({
  uid: Uid,
  type: z.literal("webhooks"),
  config: z.strictObject({
    settings: z.strictObject({
      targetUrl: z.url({ protocol: /^https$/ }),
      // HubSpot sends at most 10 requests at once per account and refuses fewer than 5.
      maxConcurrentRequests: z.number().int().min(5).max(10),
    }),
    subscriptions: z.strictObject({
      crmObjects: z.array(CrmObjectSubscription).max(1000),
      legacyCrmObjects: z.array(z.unknown()).optional(),
      hubEvents: z.array(z.unknown()).optional(),
    }),
  }),
});

const read = (path: string) => JSON.parse(readFileSync(join(REPO, "hubspot", path), "utf8"));
const metaFiles = filesUnder(join(REPO, "hubspot/src")).filter((f) => f.endsWith("-hsmeta.json"));
const app = read("src/app/app-hsmeta.json") as z.infer<typeof App>;
const webhooks = read("src/app/webhooks/webhooks-hsmeta.json") as z.infer<typeof Webhooks>;

describe("hubspot/ is a developer project hs project upload accepts", () => {
  it("hsproject.json names the 2025.2 platform and src/", () => {
    expect(HsProject.safeParse(read("hsproject.json")).error?.issues).toBeUndefined();
  });

  it("app-hsmeta.json and webhooks-hsmeta.json follow the documented component schemas", () => {
    expect(App.safeParse(app).error?.issues).toBeUndefined();
    expect(Webhooks.safeParse(webhooks).error?.issues).toBeUndefined();
  });

  it("holds one app and one webhooks component, each in its documented folder, uids distinct", () => {
    expect(metaFiles).toEqual(["app/app-hsmeta.json", "app/webhooks/webhooks-hsmeta.json"]);
    expect(new Set([app.uid, webhooks.uid]).size).toBe(2);
    expect(readdirSync(join(REPO, "hubspot")).sort()).toEqual(["hsproject.json", "src"]);
  });

  it("is one private app with static auth: its token writes, its client secret signs the webhooks, its id marks our own writes", () => {
    // Webhooks components exist only in private, static-auth apps; the same app id is then the webhooks' sourceId.
    expect([app.config.distribution, app.config.auth.type, app.config.auth.redirectUrls]).toEqual(["private", "static", undefined]);
  });

  it("sends webhooks to the Worker's HubSpot route, as many at once as HubSpot allows", () => {
    const target = new URL(webhooks.config.settings.targetUrl);
    expect(target.pathname.endsWith(HUBSPOT_WEBHOOK_PATH)).toBe(true);
    expect(webhooks.config.settings.maxConcurrentRequests).toBe(10);
  });

  it("subscribes only to object types the HubSpot kit follows", () => {
    const types = new Set(Object.values(KIT_OBJECT_TYPES.hubspot));
    expect(webhooks.config.subscriptions.crmObjects.filter((s) => !types.has(s.objectType))).toEqual([]);
  });

  it("is what npm run kit:hubspot writes, for the Worker URL in the file", () => {
    const workerUrl = webhooks.config.settings.targetUrl.slice(0, -HUBSPOT_WEBHOOK_PATH.length);
    expect(`${JSON.stringify(hubspotWebhooksComponent(Policy.parse(DEFAULT_POLICY), workerUrl), null, 2)}\n`).toBe(
      readFileSync(join(REPO, HUBSPOT_WEBHOOKS_FILE), "utf8"),
    );
    expect(workerUrl).toBe(EXAMPLE_WORKER_URL);
  });

  it("refuses a Worker URL HubSpot would not call", () => {
    expect(() => hubspotWebhooksComponent(Policy.parse(DEFAULT_POLICY), "http://leads.example.com")).toThrow(/https/);
    expect(hubspotWebhooksComponent(Policy.parse(DEFAULT_POLICY), "https://leads.example.com/").config.settings.targetUrl).toBe(
      "https://leads.example.com/webhooks/hubspot",
    );
  });
});

/**
 * The scopes the Worker's HubSpot calls need. The code is scanned for the @hubspot/api-client APIs
 * it uses; each maps to the operations it calls, and each operation's scopes come from HubSpot's
 * OpenAPI documents (test/emulators/hubspot/openapi: a security entry lists alternatives, any one
 * of which is enough). An API the code starts using without an entry here fails the test.
 */
interface Operation {
  doc: string;
  method: string;
  path: string;
}
const objectPaths: Record<string, { doc: string; base: string; id: string }> = {
  contact: { doc: "contacts.json", base: "/crm/v3/objects/contacts", id: "{contactId}" },
  deal: { doc: "deals.json", base: "/crm/v3/objects/0-3", id: "{dealId}" },
};
const perObjectType = (f: (o: { doc: string; base: string; id: string }) => Operation[]) =>
  Object.keys(KIT_OBJECT_TYPES.hubspot).flatMap((type) => {
    const paths = objectPaths[type];
    if (!paths) throw new Error(`no OpenAPI document mapped for HubSpot object type ${type}`);
    return f(paths);
  });
const SDK_OPERATIONS: Record<string, Operation[] | { scopes: string[][]; why: string }> = {
  // HubSpotCrm: tasks are created, read by their key, updated and archived in batches.
  "crm.objects.tasks.batchApi": ["create", "read", "update", "archive"].map((op) => ({
    doc: "tasks.json",
    method: "post",
    path: `/crm/v3/objects/tasks/batch/${op}`,
  })),
  // HubSpotCrm.updateRecords: owners and properties of the records the rules follow.
  "crm.objects.batchApi": perObjectType((o) => [{ doc: o.doc, method: "post", path: `${o.base}/batch/update` }]),
  // HubSpotCrm.getRecord: fresh reads (with property history for deals).
  "crm.objects.basicApi": perObjectType((o) => [{ doc: o.doc, method: "get", path: `${o.base}/${o.id}` }]),
  // crm-setup.ts reads and creates the task key and the contact properties. The properties API's
  // document is not among ours; HubSpot's properties guide asks for the object's schema scopes, and
  // tasks sit under the contacts scopes (tasks.json).
  "crm.properties.coreApi": { scopes: [["crm.schemas.contacts.read"], ["crm.schemas.contacts.write"]], why: "getByName and create" },
  // HubSpotCrm.subscribeEmails: consents a form maps to subscription types (v3 subscribe). No
  // OpenAPI document of ours covers it; HubSpot's subscriptions guide names this scope.
  "communication_preferences.statusApi": { scopes: [["communication_preferences.write"]], why: "subscribe" },
  // The roster import lists HubSpot owners.
  "crm.owners.ownersApi": [{ doc: "crmOwners.json", method: "get", path: "/crm/v3/owners" }],
};

function sourceFiles(dir: string): string[] {
  return filesUnder(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/**
 * The API objects src/ builds: `hubSpotApi(tasksModule, tasksModule.BatchApi, …)` with tasksModule
 * imported from `@hubspot/api-client/lib/codegen/crm/objects/tasks/index` is crm.objects.tasks.batchApi,
 * the name the SDK's Client gives the same object.
 */
function sdkApisUsed(): string[] {
  const used = new Set<string>();
  for (const file of sourceFiles(join(REPO, "src"))) {
    // Without comments, which show calls as examples.
    const source = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    const modules = new Map<string, string>();
    for (const [, alias, path] of source.matchAll(/import \* as (\w+) from "@hubspot\/api-client\/lib\/codegen\/([a-z_/]+)\/index"/g)) {
      modules.set(alias!, path!.replaceAll("/", "."));
    }
    for (const [, alias, api] of source.matchAll(/hubSpotApi\((\w+), \1\.(\w+Api)\b/g)) {
      const module = modules.get(alias!);
      if (!module) throw new Error(`${file}: ${alias} is not a generated HubSpot module`);
      used.add(`${module}.${api![0]!.toLowerCase()}${api!.slice(1)}`);
    }
  }
  return [...used].sort();
}

const openApi = new Map<string, { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> }>();
function alternatives(op: Operation): string[][] {
  if (!openApi.has(op.doc)) openApi.set(op.doc, JSON.parse(readFileSync(join(REPO, "test/emulators/hubspot/openapi", op.doc), "utf8")));
  const security = openApi.get(op.doc)!.paths[op.path]?.[op.method]?.security;
  if (!security) throw new Error(`${op.doc} has no ${op.method.toUpperCase()} ${op.path}`);
  return security.map((entry) => Object.values(entry).flat());
}

describe("the HubSpot app's scopes are exactly those the Worker's calls need", () => {
  const used = sdkApisUsed();
  const known = used.filter((api) => SDK_OPERATIONS[api]);
  const needs = known.map((api) => {
    const entry = SDK_OPERATIONS[api]!;
    return { api, requirements: Array.isArray(entry) ? entry.map(alternatives) : entry.scopes.map((s) => [s]) };
  });
  const granted = new Set(app.config.auth.requiredScopes);
  const satisfied = (alternative: string[]) => alternative.every((s) => granted.has(s));

  it("finds the SDK APIs in src/, and knows what each one calls", () => {
    expect(used).toEqual(
      expect.arrayContaining([
        "crm.objects.tasks.batchApi",
        "crm.objects.batchApi",
        "crm.objects.basicApi",
        "crm.properties.coreApi",
        "crm.owners.ownersApi",
      ]),
    );
    expect(
      used.filter((api) => !SDK_OPERATIONS[api]),
      "the Worker calls these: add what they call to SDK_OPERATIONS and their scopes to hubspot/src/app/app-hsmeta.json",
    ).toEqual([]);
  });

  it("grants every call one of its documented scope sets", () => {
    const unmet = needs.flatMap(({ api, requirements }) =>
      requirements.filter((alts) => !alts.some(satisfied)).map((alts) => `${api}: one of ${alts.map((a) => a.join("+")).join(" | ")}`),
    );
    expect(unmet).toEqual([]);
  });

  it("grants nothing no call needs", () => {
    const useful = new Set(needs.flatMap(({ requirements }) => requirements.flatMap((alts) => alts.filter(satisfied).flat())));
    expect([...granted].filter((s) => !useful.has(s))).toEqual([]);
    expect([app.config.auth.optionalScopes, app.config.auth.conditionallyRequiredScopes]).toEqual([[], []]);
  });
});
