/**
 * The Worker's layers, bottom to top. A module may import its own layer and the layers below it,
 * never one above, and no two modules may import each other (directly or round a circle).
 * `npm run deps` checks this; CI runs it. docs/architecture.md explains each layer.
 *
 *   platform  failures, clock, bytes, signatures, HTTP errors and bodies: no knowledge of the product
 *   core      pure: the policy, the rules and decide(), intake decisions, calendars, routing, facts
 *   adapters  what reaches outside: crm, slack, pacing, teams, turnstile, email (Postmark, Mailgun), dns (DoH), calendar, storage (D1)
 *   env       the Worker's settings parsed once, the Hono env, the ports features are given
 *   features  ingest, records, outbox, intake, policy, metrics, alerts, booking, console, outreach: each owns its
 *             routes, processing and tables; a feature imports only the features named below it
 *   top       src/index.ts (entry), src/ports.ts (builds the ports), src/http/ (mounts the routes)
 */
const PLATFORM = "^src/platform/";
const CORE = "^src/core/";
const ADAPTERS = "^src/(crm|slack|pacing|teams|turnstile|email|dns|calendar|storage)/";
const ENV = "^src/env/";
const FEATURES = ["ingest", "records", "outbox", "intake", "policy", "metrics", "alerts", "booking", "console", "outreach"];

/** The features each feature may import (their public modules), besides the lower layers. */
const FEATURE_DEPENDENCIES = {
  ingest: ["records"],
  records: [],
  outbox: [],
  intake: [],
  policy: ["intake"],
  metrics: [],
  alerts: ["metrics"],
  // Booking reads a submission's routing through intake's public module (booking-source.ts).
  booking: ["intake"],
  console: ["ingest", "records", "outbox", "intake", "policy", "metrics", "alerts", "booking", "outreach"],
  // Cadence emails: sending (run by the outbox through the ports), provider events, unsubscribes,
  // verification; it tells records what became of their emails.
  outreach: ["records"],
};

/**
 * Tables have one owner, the feature that writes them; the features that only read a table for
 * what they show (console, metrics, alerts) may import its module too. Storage helpers shared by
 * every table module (orm, conditional-insert, json-batches) are open to the storage layer only,
 * and so is drizzle: only src/storage reaches D1.
 */
const TABLE_OWNERS = {
  alerts: ["alerts", "console"],
  "booking-facts": ["metrics", "console"],
  bookings: ["booking", "console"],
  "consent-write-holds": ["outbox"],
  "console-sessions": ["console"],
  "console-sign-ins": ["console", "alerts"],
  "crm-labels": ["console"],
  effects: ["outbox", "intake", "console", "alerts"],
  "email-events": ["outreach"],
  "email-sends": ["outreach", "console", "metrics"],
  "email-suppressions": ["outreach", "console"],
  "email-verifications": ["outreach", "intake", "console"],
  "fact-rollups": ["metrics", "console"],
  facts: ["records", "outbox", "intake", "ingest", "metrics", "console", "alerts", "outreach", "booking"],
  "inbound-email": ["ingest", "records", "outreach"],
  "intake-consents": ["intake", "console", "outreach"],
  "intake-idempotency": ["intake"],
  "intake-submissions": ["intake", "console", "alerts"],
  "intake-touches": ["intake", "policy", "console"],
  "large-record-events": ["records"],
  "legacy-task-keys": ["outbox", "records"],
  "metric-rows": ["metrics", "console"],
  "parked-events": ["ingest"],
  policies: FEATURES,
  "policy-history": ["policy", "console"],
  reconciliations: ["ingest"],
  "record-search": ["records", "console"],
  records: ["records", "ingest", "policy", "console", "alerts"],
  undelivered: ["records", "console"],
  "webhook-arrivals": ["ingest", "alerts", "console"],
};

const below = (layers) => layers.join("|");

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Two modules that import each other are one module in two files.",
      from: {},
      to: { circular: true },
    },
    { name: "platform-is-the-floor", severity: "error", from: { path: PLATFORM }, to: { path: "^src/", pathNot: PLATFORM } },
    { name: "core-is-pure", severity: "error", from: { path: CORE }, to: { path: "^src/", pathNot: below([PLATFORM, CORE]) } },
    {
      name: "core-needs-no-io-packages",
      severity: "error",
      comment: "The pure core does not reach outside: no CRM SDKs, no HTTP framework.",
      from: { path: CORE },
      to: { path: "node_modules/(@hubspot|jsforce|hono)" },
    },
    {
      name: "adapters-below-features",
      severity: "error",
      from: { path: ADAPTERS },
      to: { path: "^src/", pathNot: below([PLATFORM, CORE, ADAPTERS]) },
    },
    { name: "env-below-features", severity: "error", from: { path: ENV }, to: { path: "^src/", pathNot: below([PLATFORM, CORE, ADAPTERS, ENV]) } },
    ...FEATURES.map((feature) => ({
      name: `feature-${feature}-imports-down`,
      severity: "error",
      comment: `${feature} may import the lower layers and only these features: ${FEATURE_DEPENDENCIES[feature].join(", ") || "none"}`,
      from: { path: `^src/${feature}/` },
      to: {
        path: "^src/",
        pathNot: below([PLATFORM, CORE, ADAPTERS, ENV, ...[feature, ...FEATURE_DEPENDENCIES[feature]].map((f) => `^src/${f}/`)]),
      },
    })),
    ...Object.entries(TABLE_OWNERS).map(([table, owners]) => ({
      name: `table-${table}-has-owners`,
      severity: "error",
      comment: `storage/${table} is written by its owner and read by: ${owners.join(", ")}`,
      from: { path: `^src/(${FEATURES.join("|")})/`, pathNot: `^src/(${owners.join("|")})/` },
      to: { path: `^src/storage/${table}\\.ts$` },
    })),
    {
      name: "storage-helpers-stay-in-storage",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/storage/" },
      to: { path: "^src/storage/(orm|conditional-insert|json-batches)\\.ts$" },
    },
    {
      name: "only-storage-uses-drizzle",
      severity: "error",
      comment: "D1 is reached through src/storage alone (test/unit/storage-boundary.test.ts also refuses .prepare( elsewhere).",
      from: { path: "^src/", pathNot: "^src/storage/" },
      to: { path: "node_modules/drizzle-orm" },
    },
    {
      name: "schema-is-types-outside-storage",
      severity: "error",
      comment: "Features may name a table's row type (EffectRow); its tables are queried in src/storage.",
      from: { path: "^src/", pathNot: "^src/storage/" },
      to: { path: "^src/storage/schema\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^(src|node_modules)/",
    // Only src's own declaration files: a package resolves to its .d.ts (the "types" condition), and
    // excluding those would hide every package import from the rules that name packages.
    exclude: { path: "^src/.*\\.d\\.ts$" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
