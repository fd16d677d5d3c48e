import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy.ts";
import { Policy } from "../../src/core/policy/policy.ts";
import { EXAMPLE_WORKER_URL, HUBSPOT_WEBHOOK_PATH, HUBSPOT_WEBHOOKS_FILE, hubspotWebhooksComponent } from "../../scripts/kit/hubspot-webhooks.ts";
import { KIT_OBJECT_TYPES } from "../../scripts/kit/kit-objects.ts";
import { filesUnder, REPO } from "./kit/salesforce-project.ts";
import { HubSpotApi } from "../../src/crm/hubspot-api.ts";

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
 * The scopes the Worker's HubSpot calls need. Every call goes through the typed dated endpoints of
 * src/crm/hubspot-api.ts (HubSpotApi); the code is scanned for the calls it makes of them, with the
 * object type each is made for (a literal, or the object types the rules follow when it is a
 * variable), each maps to the operation it calls, and each operation's scopes come from HubSpot's
 * per-object OpenAPI documents (test/emulators/hubspot/openapi: a security entry lists
 * alternatives, any one of which is enough; the 2026-09 objects document is generic over object
 * types and lists every object's scopes, so it cannot say which one a call needs). A method the code
 * starts calling without an entry here fails the test.
 */
interface Operation {
  doc: string;
  method: string;
  path: string;
}
const objectPaths: Record<string, { doc: string; base: string; id: string }> = {
  contacts: { doc: "contacts.json", base: "/crm/v3/objects/contacts", id: "{contactId}" },
  deals: { doc: "deals.json", base: "/crm/v3/objects/0-3", id: "{dealId}" },
  tasks: { doc: "tasks.json", base: "/crm/v3/objects/tasks", id: "{taskId}" },
  // Email engagements (cadence emails logged on the contact) have no document of their own here: the generic objects one.
  emails: { doc: "objects.json", base: "/crm/v3/objects/{objectType}", id: "{objectId}" },
  // Booking's meetings (src/crm/hubspot-crm.ts writeMeetings). No OpenAPI document in the repo: their
  // scopes, read from HubSpot's CRM Meetings v3 spec, are in DOCUMENTED_SCOPES below.
  meetings: { doc: "crm-meetings-v3", base: "/crm/v3/objects/meetings", id: "{meetingId}" },
};
/**
 * Operations of HubSpot specs the repo does not hold, each with its security entries as HubSpot's
 * spec lists them (HubSpot-public-api-spec-collection: CRM/Meetings v3; Scheduler/Meetings 2026-09,
 * whose book operation lists one write scope per object type, of which contacts' is ours).
 */
const DOCUMENTED_SCOPES: Record<string, string[][]> = {
  "crm-meetings-v3 post /crm/v3/objects/meetings/batch/read": [["crm.objects.contacts.read"]],
  "crm-meetings-v3 post /crm/v3/objects/meetings/batch/create": [["crm.objects.contacts.write"]],
  "crm-meetings-v3 post /crm/v3/objects/meetings/batch/update": [["crm.objects.contacts.write"]],
  "crm-meetings-v3 post /crm/v3/objects/meetings/batch/upsert": [["crm.objects.contacts.write"]],
  "crm-meetings-v3 post /crm/v3/objects/meetings/batch/archive": [["crm.objects.contacts.write"]],
  "crm-meetings-v3 get /crm/v3/objects/meetings/{meetingId}": [["crm.objects.contacts.read"]],
  "crm-meetings-v3 patch /crm/v3/objects/meetings/{meetingId}": [["crm.objects.contacts.write"]],
  "scheduler-meetings get /scheduler/2026-09/meetings/meeting-links/book/availability-page/{slug}": [["scheduler.meetings.meeting-link.read"]],
  "scheduler-meetings post /scheduler/2026-09/meetings/meeting-links/book": [
    ["crm.objects.contacts.write"],
    ["crm.objects.deals.write"],
    ["tickets"],
  ],
};
/**
 * The HubSpot meetings calendar (src/calendar/hubspot-meetings.ts) calls the scheduler and the
 * contact's meetings through the transport, not HubSpotApi: its calls, found by their paths in its source.
 */
const CALENDAR_CALLS: { marker: string; api: string; ops: Operation[] }[] = [
  {
    marker: "/book/availability-page/",
    api: "scheduler availability page",
    ops: [{ doc: "scheduler-meetings", method: "get", path: "/scheduler/2026-09/meetings/meeting-links/book/availability-page/{slug}" }],
  },
  {
    marker: "SCHEDULER}/book`,",
    api: "scheduler book",
    ops: [{ doc: "scheduler-meetings", method: "post", path: "/scheduler/2026-09/meetings/meeting-links/book" }],
  },
  {
    marker: 'hubspotPaths.objects("meetings")}/batch/read',
    api: "meetings batch read",
    ops: [{ doc: "crm-meetings-v3", method: "post", path: "/crm/v3/objects/meetings/batch/read" }],
  },
  {
    marker: 'method: "PATCH", path: hubspotPaths.object("meetings"',
    api: "meeting update",
    ops: [{ doc: "crm-meetings-v3", method: "patch", path: "/crm/v3/objects/meetings/{meetingId}" }],
  },
];
/** The object types the rules follow, as a call with a variable object type may be made for any of them. */
const FOLLOWED = Object.keys(KIT_OBJECT_TYPES.hubspot).map((type) => `${type}s`);
const documented = (type: string) => {
  const paths = objectPaths[type];
  if (!paths) throw new Error(`no OpenAPI document mapped for HubSpot object type ${type}`);
  return paths;
};
const batch = (op: string) => (type: string) => [{ doc: documented(type).doc, method: "post", path: `${documented(type).base}/batch/${op}` }];
const API_OPERATIONS: Record<string, ((objectType: string) => Operation[]) | Operation[] | { scopes: string[][]; why: string }> = {
  batchCreate: batch("create"),
  batchRead: batch("read"),
  batchUpdate: batch("update"),
  batchUpsert: batch("upsert"),
  batchArchive: batch("archive"),
  getObject: (type) => [{ doc: documented(type).doc, method: "get", path: `${documented(type).base}/${documented(type).id}` }],
  // The roster import and the connection check list HubSpot owners.
  ownersPage: [{ doc: "crmOwners.json", method: "get", path: "/crm/v3/owners" }],
  // crm-setup.ts reads and creates the task key and the contact properties. HubSpot's properties
  // guide asks for the object's schema scopes, and tasks sit under the contacts scopes (tasks.json).
  getProperty: { scopes: [["crm.schemas.contacts.read"]], why: "read a property" },
  createProperty: { scopes: [["crm.schemas.contacts.write"]], why: "create a property" },
  // HubSpotCrm.subscribeEmails: consents a form maps to subscription types; HubSpot's subscriptions guide names this scope.
  subscribe: { scopes: [["communication_preferences.write"]], why: "subscribe" },
  // HubSpotCrm.optOutEmails: a one-click unsubscribe or a complaint; the 2026-09 subscriptions document names this scope.
  unsubscribe: { scopes: [["communication_preferences.write"]], why: "unsubscribe" },
  // crm-setup.ts reads the portal's property validation rules. The 2026-09 document accepts any
  // object or schema scope (it is generic over object types); the contacts schema read is the one
  // the setup already holds for the properties it reads.
  validationRules: { scopes: [["crm.schemas.contacts.read"]], why: "read validation rules" },
  // Tasks on leads: each lead's contact is read, and the task is tied to the lead. The 2026-09
  // associations document is generic too; HubSpot's leads guide names the leads object scopes.
  readAssociations: { scopes: [["crm.objects.leads.read"]], why: "read leads' contacts" },
  associateDefault: { scopes: [["crm.objects.leads.write"]], why: "tie tasks to their leads" },
};

function sourceFiles(dir: string): string[] {
  return filesUnder(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/** The HubSpotApi methods src/ calls, each with the object types it is called for (none for the others). */
function apiCallsUsed(): Map<string, Set<string>> {
  const methods = Object.getOwnPropertyNames(HubSpotApi.prototype).filter((m) => m !== "constructor" && m !== "post");
  const used = new Map<string, Set<string>>();
  for (const file of sourceFiles(join(REPO, "src"))) {
    if (file.endsWith("src/crm/hubspot-api.ts")) continue;
    // Without comments, which show calls as examples.
    const source = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    for (const [, method, first] of source.matchAll(/\.(\w+)\(\s*([^,)]*)/g)) {
      if (!methods.includes(method!) || !source.includes("HubSpotApi")) continue;
      const types = used.get(method!) ?? new Set<string>();
      const literal = /^"(\w+)"$/.exec(first!.trim())?.[1];
      if (typeof API_OPERATIONS[method!] === "function") for (const type of literal ? [literal] : FOLLOWED) types.add(type);
      used.set(method!, types);
    }
  }
  return used;
}

const openApi = new Map<string, { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> }>();
function alternatives(op: Operation): string[][] {
  const known = DOCUMENTED_SCOPES[`${op.doc} ${op.method} ${op.path}`];
  if (known) return known;
  if (!openApi.has(op.doc)) openApi.set(op.doc, JSON.parse(readFileSync(join(REPO, "test/emulators/hubspot/openapi", op.doc), "utf8")));
  const security = openApi.get(op.doc)!.paths[op.path]?.[op.method]?.security;
  if (!security) throw new Error(`${op.doc} has no ${op.method.toUpperCase()} ${op.path}`);
  return security.map((entry) => Object.values(entry).flat());
}

describe("the HubSpot app's scopes are exactly those the Worker's calls need", () => {
  const used = apiCallsUsed();
  const needs = [...used].flatMap(([api, types]) => {
    const entry = API_OPERATIONS[api];
    if (!entry) return [];
    if (typeof entry === "function") return [...types].map((type) => ({ api: `${api}(${type})`, requirements: entry(type).map(alternatives) }));
    return [{ api, requirements: Array.isArray(entry) ? entry.map(alternatives) : entry.scopes.map((s) => [s]) }];
  });
  const calendarSource = readFileSync(join(REPO, "src/calendar/hubspot-meetings.ts"), "utf8");
  for (const call of CALENDAR_CALLS)
    if (calendarSource.includes(call.marker)) needs.push({ api: call.api, requirements: call.ops.map(alternatives) });
  const granted = new Set(app.config.auth.requiredScopes);
  const satisfied = (alternative: string[]) => alternative.every((s) => granted.has(s));

  it("finds the HubSpot calls in src/, and knows what each one calls", () => {
    expect([...used.keys()]).toEqual(
      expect.arrayContaining(["batchCreate", "batchRead", "batchUpdate", "getObject", "ownersPage", "createProperty"]),
    );
    expect(used.get("batchCreate")).toEqual(new Set(["tasks", "emails", "meetings"]));
    expect(
      [...used.keys()].filter((api) => !API_OPERATIONS[api]),
      "the Worker calls these: add what they call to API_OPERATIONS and their scopes to hubspot/src/app/app-hsmeta.json",
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
