import { Client } from "@hubspot/api-client";
import { createHubSpotEmulator, type HubSpotEmulator, type HubSpotEmulatorOptions } from "./index.ts";

export interface Running {
  hs: HubSpotEmulator;
  url: string;
  /** A real SDK client with no retries, so faults surface as they happen. */
  client: Client;
  close(): Promise<void>;
}

/**
 * Starts an emulator on a free port with a real @hubspot/api-client pointed at it. Its answers
 * are checked against HubSpot's OpenAPI documents: close() fails if any broke them.
 */
export async function startHubSpot(options: HubSpotEmulatorOptions = {}): Promise<Running> {
  const hs = createHubSpotEmulator({ checkResponses: true, ...options });
  const url = await hs.server.listen(0);
  const client = new Client({ accessToken: hs.accessTokens[0]!, basePath: url });
  const close = async () => {
    const problems = hs.openApiProblems();
    await hs.close();
    if (problems.length > 0) throw new Error(`the emulator answered against HubSpot's OpenAPI documents:\n${problems.join("\n")}`);
  };
  return { hs, url, client, close };
}

/** Raw HTTP against the emulator, for control routes and shapes the SDK hides. */
export async function http(url: string, method: string, path: string, body?: unknown, token: string | null = "hubspot-dev-token") {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

/** The ApiException an SDK call rejected with (code, body, headers). */
export async function sdkError(promise: Promise<unknown>): Promise<{ code: number; body: any; headers: Record<string, string>; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; body: any; headers: Record<string, string>; message: string };
  }
  throw new Error("expected the SDK call to fail");
}
