import { Connection } from "jsforce";
import { afterEach } from "vitest";
import { createSalesforceEmulator, DEFAULT_ACCESS_TOKEN, type SalesforceEmulator, type SalesforceEmulatorOptions } from "./index.ts";

export interface Started {
  emulator: SalesforceEmulator;
  url: string;
  conn: Connection;
}

const open: SalesforceEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

/** An emulator on a free port and a real jsforce connection to it; closed after each test. */
export async function startSalesforce(options: SalesforceEmulatorOptions = {}): Promise<Started> {
  const emulator = createSalesforceEmulator(options);
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const conn = new Connection({ instanceUrl: url, accessToken: DEFAULT_ACCESS_TOKEN, version: "62.0" });
  return { emulator, url, conn };
}

/** Calls a control route of the emulator. */
export async function control(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The rejection of a promise, for asserting on jsforce's HttpApiError. */
export async function rejection(promise: PromiseLike<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}
