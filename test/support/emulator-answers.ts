import { expect } from "vitest";
import { hubspotEmulator } from "./emulators";

/**
 * Asserted after each worker test file, once its Worker is idle (test/support/fresh-state.ts):
 * an answer of the HubSpot emulator that its OpenAPI documents do not allow is an emulator bug,
 * and it fails the file that met it.
 */
export async function expectEmulatorAnswersValid(): Promise<void> {
  expect(await hubspotEmulator.openApiProblems(), "HubSpot emulator answers that break HubSpot's OpenAPI documents").toEqual([]);
}
