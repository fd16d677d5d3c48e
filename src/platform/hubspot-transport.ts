/**
 * @hubspot/api-client sends requests through node-fetch v2 over node:http, and workerd's
 * node:http cannot write a request body (POST/PATCH fail with "Cannot read properties of null
 * (reading 'has')"). Each generated API object sends through its configuration's `httpApi`
 * (the per-call `httpApi` option is ignored by SDK 13.5), so the API objects are built here with
 * one on the runtime's fetch. The SDK still builds, authenticates and parses every request.
 *
 * They are built from the SDK's generated modules (`lib/codegen/crm/…`), not through its
 * `Client`: importing `Client` bundles every HubSpot API (CMS, marketing, automation, …), about
 * 10 MB of the Worker's 14.6 MB, for the five API objects the Worker uses.
 */

interface SdkRequest {
  getUrl(): string;
  getHttpMethod(): { toString(): string };
  getBody(): BodyInit | undefined;
  getHeaders(): Record<string, string>;
}

/** The shape of the SDK's ResponseContext that its response processors read. */
class RuntimeResponse {
  constructor(
    readonly httpStatusCode: number,
    readonly headers: Record<string, string>,
    private readonly bytes: Uint8Array,
  ) {}

  readonly body = {
    text: async () => new TextDecoder().decode(this.bytes),
    binary: async () => this.bytes,
  };

  getBodyAsAny() {
    return this.body.text();
  }
}

const runtimeFetchHttpApi = {
  send(request: SdkRequest) {
    const response = fetch(request.getUrl(), {
      method: request.getHttpMethod().toString(),
      body: request.getBody(),
      headers: request.getHeaders(),
    }).then(async (resp) => {
      const headers: Record<string, string> = {};
      resp.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return new RuntimeResponse(resp.status, headers, new Uint8Array(await resp.arrayBuffer()));
    });
    // The SDK chains this promise more than once; the branch it does not await would otherwise
    // report a network failure as an unhandled rejection. The awaited branch still sees it.
    response.catch(() => {});
    // The SDK's internal Observable only needs toPromise().
    return { toPromise: () => response };
  },
};

/** What the Worker needs of one generated module of the SDK (e.g. `@hubspot/api-client/lib/codegen/crm/owners/index`). */
export interface HubSpotApiModule<Parameters, Configuration> {
  createConfiguration(conf: Parameters): Configuration;
  ServerConfiguration: new (url: string, variables: Record<string, string>) => unknown;
}

export interface HubSpotAccess {
  accessToken: string;
  /** https://api.hubapi.com in production; the emulator's URL in dev and tests. */
  basePath: string;
}

/**
 * One API object of a generated module, authenticated with the app's token and sending with the
 * runtime fetch: `hubSpotApi(owners, owners.OwnersApi, access)`. No SDK retries or limiter: the
 * callers own retries (they honour Retry-After) and pacing.
 */
export function hubSpotApi<Parameters, Configuration, Api>(
  module: HubSpotApiModule<Parameters, Configuration>,
  ApiClass: new (configuration: Configuration) => Api,
  access: HubSpotAccess,
): Api {
  const parameters = {
    baseServer: new module.ServerConfiguration(access.basePath.replace(/\/$/, ""), {}),
    httpApi: runtimeFetchHttpApi,
    authMethods: { oauth2: { accessToken: access.accessToken } },
  };
  // Every generated module declares its own copies of these types; the shapes are the same.
  return new ApiClass(module.createConfiguration(parameters as Parameters));
}
