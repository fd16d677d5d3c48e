/**
 * The one way the Worker calls HubSpot: its date-versioned REST API (2026-09) over the runtime's
 * fetch, with the app's token, answering typed values or throwing HubSpotApiError.
 *
 * Through the SDK's generic request: `@hubspot/api-client` (13.5 here, 14.0.1 the newest on npm)
 * still calls the numeric `/crm/v3` paths HubSpot stops supporting in September 2027 in its
 * generated modules, and HubSpot's SDK regenerated for dated versions (github
 * HubSpot/hubspot-sdk-typescript, `@hubspot/sdk` 0.1.0-alpha, 2026-03 paths) is not published on
 * npm. `Client.apiRequest` calls any path, but importing `Client` bundles every HubSpot API (~10 MB),
 * so each request is built by the module `apiRequest` builds it with (the SDK's `Request`: the
 * bearer token, its JSON body and headers, its User-Agent) and sent on the runtime's fetch, as
 * `apiRequest`'s own sender (node-fetch over node:http) cannot write a request body in workerd. No
 * retries or limiter of the SDK's: the callers retry (honouring Retry-After) and pace. The adapter
 * types the answers it reads (src/crm/hubspot-api.ts).
 */
import { Request as SdkRequest } from "@hubspot/api-client/lib/src/services/http/Request";

/** HubSpot's current API version; every path the Worker calls carries it. */
export const HUBSPOT_API_VERSION = "2026-09";

export interface HubSpotAccess {
  accessToken: string;
  /** https://api.hubapi.com in production; the emulator's URL in dev and tests. */
  basePath: string;
}

/** What HubSpot said: the status, the headers (names in lower case) and the parsed body. */
export interface HubSpotAnswer<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/**
 * A non-2xx answer. Shaped like the SDK's ApiException (`code`, `body`, `headers`), which is what
 * the adapter's classifier reads: the status, HubSpot's error body and its rate-limit headers.
 */
export class HubSpotApiError extends Error {
  readonly code: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(code: number, body: unknown, headers: Record<string, string>) {
    const message = typeof (body as { message?: unknown })?.message === "string" ? (body as { message: string }).message : `HTTP ${code}`;
    super(message);
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface HubSpotRequest<T> {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** A dated path, e.g. `/crm/objects/2026-09/contacts/batch/read`. */
  path: string;
  query?: Query;
  body?: unknown;
  /** Reads the answer's body into its type; throws when HubSpot answered something else. */
  parse?: (body: unknown) => T;
}

export interface HubSpotClientOptions {
  /** Sees every answer's status and headers (the pacer reads HubSpot's quota headers there). */
  onAnswer?: (status: number, headers: Record<string, string>) => void;
  fetch?: typeof fetch;
}

/** Repeated values for arrays (`properties=a&properties=b`), as HubSpot reads them. */
function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, item);
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class HubSpotClient {
  private readonly base: string;
  private readonly accessToken: string;
  private readonly onAnswer: HubSpotClientOptions["onAnswer"];
  private readonly fetcher: typeof fetch;

  constructor(access: HubSpotAccess, options: HubSpotClientOptions = {}) {
    this.base = access.basePath.replace(/\/+$/, "");
    this.accessToken = access.accessToken;
    this.onAnswer = options.onAnswer;
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async request<T = unknown>(request: HubSpotRequest<T>): Promise<HubSpotAnswer<T>> {
    // The query is written here: the SDK's would join a list into one value, HubSpot reads it repeated.
    const built = new SdkRequest(
      { accessToken: this.accessToken, basePath: this.base },
      { method: request.method, path: request.path + queryString(request.query), ...(request.body === undefined ? {} : { body: request.body }) },
    );
    const response = await this.fetcher(built.getUrl().toString(), built.getSendData());
    const answerHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      answerHeaders[name.toLowerCase()] = value;
    });
    this.onAnswer?.(response.status, answerHeaders);
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (response.status < 200 || response.status >= 300) throw new HubSpotApiError(response.status, body, answerHeaders);
    return { status: response.status, headers: answerHeaders, body: request.parse ? request.parse(body) : (body as T) };
  }
}
