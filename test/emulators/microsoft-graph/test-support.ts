import {
  createMicrosoftGraphEmulator,
  DEFAULT_APP,
  GRAPH_DEFAULT_SCOPE,
  type MicrosoftGraphEmulator,
  type MicrosoftGraphEmulatorOptions,
} from "./index.ts";

export const REP = "rep.one@example.com";

export interface RunningGraph {
  graph: MicrosoftGraphEmulator;
  url: string;
  /** POST the token endpoint with these form fields (client credentials by default). */
  tokenRequest(fields?: Record<string, string>, tenant?: string): Promise<{ status: number; body: any }>;
  token(app?: { clientId: string; clientSecret: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startGraph(options: MicrosoftGraphEmulatorOptions = {}): Promise<RunningGraph> {
  const graph = createMicrosoftGraphEmulator(options);
  const url = await graph.server.listen(0);
  const tokenRequest = async (fields: Record<string, string> = {}, tenant = graph.tenant.id) => {
    const form = {
      client_id: DEFAULT_APP.clientId,
      client_secret: DEFAULT_APP.clientSecret,
      scope: GRAPH_DEFAULT_SCOPE,
      grant_type: "client_credentials",
      ...fields,
    };
    const response = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(Object.entries(form).filter(([, v]) => v !== "")).toString(),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const token = async (app = DEFAULT_APP) => {
    const answer = await tokenRequest({ client_id: app.clientId, client_secret: app.clientSecret });
    if (answer.status !== 200) throw new Error(`token request failed: ${JSON.stringify(answer.body)}`);
    return answer.body.access_token as string;
  };
  return { graph, url, tokenRequest, token, close: () => graph.close() };
}

export async function http(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; prefer?: string } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.prefer) headers.prefer = options.prefer;
  const response = await fetch(url + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
