import { classify, type Failure, redact, type Result, withTimeout } from "../platform/failure";

/** An HTTP answer: status, headers (names in lower case) and the body parsed as JSON when it is. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface HttpCall {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  /** JSON, or a form (URLSearchParams). */
  body?: unknown;
}

/**
 * One HTTP call, its answer whatever the status (the adapter reads vendor errors itself), or a
 * transient failure when nothing came back in time. Bodies and URLs are never logged: they can
 * hold visitors' addresses, and token requests hold secrets.
 */
export async function send(fetcher: typeof fetch, call: HttpCall, what: string, timeoutMs: number): Promise<Result<HttpAnswer>> {
  const headers: Record<string, string> = { accept: "application/json", ...call.headers };
  let body: string | undefined;
  if (call.body instanceof URLSearchParams) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = call.body.toString();
  } else if (call.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(call.body);
  }
  try {
    const request = fetcher(call.url, { method: call.method, headers, body });
    // A call that loses the race with its timeout settles later: its late rejection is handled here.
    request.catch(() => {});
    const response = await withTimeout(request, timeoutMs, what);
    const answerHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      answerHeaders[name.toLowerCase()] = value;
    });
    const text = await withTimeout(response.text(), timeoutMs, what);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): kept as text for the message.
    }
    return { ok: true, value: { status: response.status, headers: answerHeaders, body: parsed } };
  } catch (error) {
    return { ok: false, failure: classify(error, (m) => `${what}: ${m}`) };
  }
}

/** A failure's message: what was asked, the status and the vendor's words, credentials removed. */
export const failureText = (what: string, status: number, detail: string | undefined): string =>
  redact(`${what}: HTTP ${status}${detail ? ` ${detail}` : ""}`).slice(0, 500);

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const failed = <T>(failure: Failure): Result<T> => ({ ok: false, failure });
