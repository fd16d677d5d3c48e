import {
  type AssertionClaims,
  createGoogleCalendarEmulator,
  createTestServiceAccount,
  type GoogleCalendarEmulator,
  type GoogleCalendarEmulatorOptions,
  JWT_BEARER_GRANT,
  type ServiceAccountKeyFile,
  signServiceAccountAssertion,
  type TestServiceAccount,
} from "./index.ts";

export const CALENDAR = "https://www.googleapis.com/auth/calendar";
export const CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly";
export const REP = "rep.one@example.com";
export const OTHER_REP = "rep.two@example.com";

export interface RunningGoogle {
  google: GoogleCalendarEmulator;
  url: string;
  account: TestServiceAccount;
  /** The account's key file with token_uri pointing at the emulator, as dev would configure it. */
  keyFile: ServiceAccountKeyFile;
  /** Plays the adapter: signs a JWT and exchanges it; returns the raw answer. */
  exchange(claims: Partial<AssertionClaims>, keyFile?: ServiceAccountKeyFile): Promise<{ status: number; body: any }>;
  /** An access token for the user (domain-wide delegation), with the full calendar scope by default. */
  token(sub?: string, scope?: string): Promise<string>;
  close(): Promise<void>;
}

/** An emulator on a free port with one service account delegated the full calendar scope. */
export async function startGoogle(options: GoogleCalendarEmulatorOptions & { clock?: () => number } = {}): Promise<RunningGoogle> {
  const account = await createTestServiceAccount({ delegatedScopes: [CALENDAR, CALENDAR_READONLY] });
  const now = options.clock ?? options.now ?? Date.now;
  const google = createGoogleCalendarEmulator({ ...options, now, serviceAccounts: [account.account, ...(options.serviceAccounts ?? [])] });
  const url = await google.server.listen(0);
  const keyFile = { ...account.keyFile, token_uri: `${url}/token` };
  const exchange = async (claims: Partial<AssertionClaims>, key = keyFile) => {
    const assertion = await signServiceAccountAssertion(key, { scope: CALENDAR, ...claims }, now());
    return form(url, "/token", { grant_type: JWT_BEARER_GRANT, assertion });
  };
  const token = async (sub = REP, scope = CALENDAR) => {
    const answer = await exchange({ sub, scope });
    if (answer.status !== 200) throw new Error(`token exchange failed: ${JSON.stringify(answer.body)}`);
    return answer.body.access_token as string;
  };
  return { google, url, account, keyFile, exchange, token, close: () => google.close() };
}

export async function form(url: string, path: string, fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function http(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
