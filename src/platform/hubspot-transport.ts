/**
 * @hubspot/api-client sends requests through node-fetch v2 over node:http, and workerd's
 * node:http cannot write a request body (POST/PATCH fail with "Cannot read properties of null
 * (reading 'has')"). Each generated API object sends through its configuration's `httpApi`
 * (the per-call `httpApi` option is ignored by SDK 13.5), so this swaps that for one on the
 * runtime's fetch. The SDK still builds, authenticates and parses every request.
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

/** Makes one SDK API object (e.g. `client.crm.objects.tasks.batchApi`) send with the runtime fetch. */
export function withRuntimeFetch<T extends object>(api: T): T {
  const observable = (api as { api?: { configuration?: { httpApi?: unknown } } }).api;
  if (!observable?.configuration) throw new Error("unexpected @hubspot/api-client shape: no api.configuration");
  observable.configuration.httpApi = runtimeFetchHttpApi;
  return api;
}
