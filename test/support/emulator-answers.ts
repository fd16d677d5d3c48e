import { afterAll, expect } from "vitest";
import { hubspotEmulator } from "./emulators";

// Runs after each test file (files run one at a time): an answer of the HubSpot emulator that
// its OpenAPI documents do not allow is an emulator bug, and it fails the file that met it.
afterAll(async () => {
  expect(await hubspotEmulator.openApiProblems(), "HubSpot emulator answers that break HubSpot's OpenAPI documents").toEqual([]);
});
