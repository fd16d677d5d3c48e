import { applyD1Migrations, env, reset } from "cloudflare:test";
import { afterAll } from "vitest";
import { expectEmulatorAnswersValid } from "./emulator-answers";
import { hubspotEmulator, salesforceEmulator, slackEmulator } from "./emulators";
import { beginFile, endFile, wakeUsedObjects } from "./file-boundaries";

/*
 * Runs before each worker test file. The files share one runtime (vitest.config.ts), so each
 * starts here from what a fresh runtime would give it: empty D1, no Durable Object (records, rate
 * limiters, team rotations) and no rate-limit binding counts (reset() deletes them all), the
 * migrations applied; and the shared emulators quiet: no faults, no call log, new rate-limit
 * windows (the Worker's own pacing was just forgotten), no webhooks left undelivered by another
 * file. What the emulators hold (contacts, leads, sessions) stays: every file makes its own.
 * reset() empties every object's storage but leaves its file, which listDurableObjectIds still
 * lists: a test that asks whether an object was made asks about keys no other file uses.
 * Each file ends once its Worker is idle, its unstarted work dropped, and every object it used
 * is emptied with the next reset (test/support/file-boundaries.ts); then it asks the HubSpot
 * emulator whether any of its answers broke HubSpot's documents.
 */
type Migrations = Parameters<typeof applyD1Migrations>[1];

await wakeUsedObjects();
await reset();
await applyD1Migrations(env.DB, (env as unknown as { TEST_MIGRATIONS: Migrations }).TEST_MIGRATIONS);
await Promise.all([
  ...[hubspotEmulator, salesforceEmulator, slackEmulator].flatMap((emulator) => [emulator.faults({}), emulator.clearCalls(), emulator.resetLimits()]),
  hubspotEmulator.webhooks(),
  salesforceEmulator.webhooks(),
]);
beginFile();

afterAll(async () => {
  await endFile();
  await expectEmulatorAnswersValid();
}, 60_000);
