import { PassThrough } from "node:stream";
import type { HttpRequest, HttpRequestOptions, HttpResponse } from "jsforce/lib/types";

/**
 * In workerd jsforce takes its browser transport, which starts fetch without handling its
 * rejection: a dropped connection neither resolves nor rejects the call (it hung until our own
 * timeout) and surfaces as an unhandled rejection. This transport sends through the runtime's
 * fetch and settles every call: the answer, or the network error. jsforce still builds the
 * requests, authenticates them and reads the answers.
 */
export class RuntimeFetchTransport {
  httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): Promise<HttpResponse> & { stream(): PassThrough } {
    // Callers that stream a response (bulk, record streams) read it here; the rest await the promise.
    const stream = new PassThrough();
    const promise = send(req, options).then(
      (response) => {
        stream.end(response.body);
        return response;
      },
      (error: unknown) => {
        // The promise carries the error to the caller; jsforce pipes this stream onward, and an
        // error emitted on a pipe nobody listens to would be thrown again as an uncaught one.
        stream.destroy();
        throw error;
      },
    );
    return Object.assign(promise, { stream: () => stream });
  }
}

async function send(req: HttpRequest, options: HttpRequestOptions): Promise<HttpResponse> {
  const response = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    body: bodyOf(req),
    redirect: options.followRedirect === false ? "manual" : "follow",
    ...(options.timeout ? { signal: AbortSignal.timeout(options.timeout) } : {}),
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { statusCode: response.status, headers, body: await response.text() };
}

function bodyOf(req: HttpRequest): BodyInit | undefined {
  if (req.body === undefined || req.body === null || /^(GET|HEAD)$/i.test(req.method)) return undefined;
  if (typeof req.body === "string" || req.body instanceof URLSearchParams || req.body instanceof Uint8Array) return req.body as BodyInit;
  // Streams and multipart bodies belong to APIs this service does not call (bulk, blobs).
  throw new Error(`unsupported request body for ${req.method} ${new URL(req.url).pathname}`);
}
