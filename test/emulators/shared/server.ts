import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Fault, FaultInjector, type FaultPlan } from "./faults.ts";

export interface EmulatorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  params: Record<string, string>;
  rawBody: string;
  /** The JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text as-is instead of JSON. */
  text?: string;
}

export type Handler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface Route {
  method: string;
  /** Path pattern with :params, e.g. /crm/v3/objects/:type/:id */
  pattern: string;
  handler: Handler;
  /** Control routes (/_emulator/…) skip auth, faults, rate limits and the call log. */
  control?: boolean;
}

export interface CallRecord {
  at: number;
  method: string;
  path: string;
  status: number;
  fault: Fault;
  /** Number of records in a batch call's inputs/records, else undefined. */
  batchSize?: number;
  requestBody?: unknown;
  responseBody?: unknown;
}

export interface EmulatorHooks {
  /** Runs before an API call's handler; a returned response short-circuits (auth, rate limit). */
  guard?: (req: EmulatorRequest) => EmulatorResponse | undefined;
  /** The vendor's 429 (or its own way of saying it) for an injected rate-limit fault on this call. */
  rateLimited: (req: EmulatorRequest) => EmulatorResponse;
  /** The vendor's 5xx body. */
  serverError: () => EmulatorResponse;
  /** Sees every answered API call once its status and body are recorded (the emulator's self-checks). */
  answered?: (call: CallRecord) => void;
  /** Forgets the calls counted against the vendor's rate limits: a new window, the data kept. */
  resetLimits?: () => void;
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern.replace(/\/:([A-Za-z_]+)/g, (_, name: string) => {
    names.push(name);
    return "/([^/]+)";
  });
  return { regex: new RegExp(`^${source}/?$`), names };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function batchSizeOf(body: unknown): number | undefined {
  if (body && typeof body === "object") {
    const b = body as { inputs?: unknown[]; records?: unknown[] };
    if (Array.isArray(b.inputs)) return b.inputs.length;
    if (Array.isArray(b.records)) return b.records.length;
  }
  return undefined;
}

/**
 * A small HTTP server for an emulated vendor API, with what every emulator shares: a call log,
 * fault injection and the /_emulator control surface (faults, calls, rate-limit windows, reset).
 */
export class EmulatorServer {
  readonly faults = new FaultInjector();
  readonly calls: CallRecord[] = [];
  private readonly routes: (Route & { regex: RegExp; names: string[] })[] = [];
  private server?: Server;
  url = "";

  readonly name: string;
  private readonly hooks: EmulatorHooks;
  private readonly onReset: () => void;

  constructor(name: string, hooks: EmulatorHooks, onReset: () => void) {
    this.name = name;
    this.hooks = hooks;
    this.onReset = onReset;
    this.route({ method: "GET", pattern: "/_emulator/calls", control: true, handler: () => ({ status: 200, body: this.calls }) });
    this.route({
      method: "DELETE",
      pattern: "/_emulator/calls",
      control: true,
      handler: () => {
        this.calls.length = 0;
        return { status: 204 };
      },
    });
    this.route({ method: "GET", pattern: "/_emulator/faults", control: true, handler: () => ({ status: 200, body: this.faults.current }) });
    this.route({
      method: "PUT",
      pattern: "/_emulator/faults",
      control: true,
      handler: (req) => ({
        status: 200,
        body: this.faults.configure((req.body ?? {}) as Partial<FaultPlan>),
      }),
    });
    // A test runtime that starts over (its own pacing forgotten) starts the vendor's windows over too.
    this.route({
      method: "DELETE",
      pattern: "/_emulator/limits",
      control: true,
      handler: () => {
        this.hooks.resetLimits?.();
        return { status: 204 };
      },
    });
    this.route({
      method: "POST",
      pattern: "/_emulator/reset",
      control: true,
      handler: () => {
        this.calls.length = 0;
        this.faults.configure({});
        this.onReset();
        return { status: 204 };
      },
    });
  }

  route(route: Route): this {
    this.routes.push({ ...route, ...compile(route.pattern) });
    return this;
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) =>
      // A client that goes away mid-request (a runtime that drops its connection under load) makes
      // reading the body throw "aborted": nobody is left to answer, and the emulator must live on.
      this.handle(req, res).catch((error: unknown) => {
        if (!req.destroyed) console.error(`emulator: ${req.method} ${req.url} failed: ${String(error)}`);
        res.destroy();
      }),
    );
    // Node closes a keep-alive connection after 5 s idle; a client that picks it from its pool at
    // that moment loses its request ("Network connection lost"), a race that busy machines win.
    // The emulators keep idle connections open until the client closes them (or close() does).
    this.server.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host}:${address.port}`;
    return this.url;
  }

  /** Lets the process exit while the server is still open (tests, dev shutdown). */
  unref(): this {
    this.server?.unref();
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const rawBody = await readBody(req);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const match = this.match(req.method ?? "GET", url.pathname);
    const request: EmulatorRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params: match?.params ?? {},
      rawBody,
      body,
    };
    if (!match) return this.send(res, { status: 404, body: { status: "error", message: `no emulated route for ${request.method} ${request.path}` } });
    if (match.route.control) return this.send(res, await match.route.handler(request));

    const record: CallRecord = {
      at: Date.now(),
      method: request.method,
      path: request.path,
      status: 0,
      fault: "none",
      batchSize: batchSizeOf(body),
      requestBody: body,
    };
    this.calls.push(record);
    const guarded = this.hooks.guard?.(request);
    if (guarded) return this.finish(res, record, guarded);

    record.fault = this.faults.draw();
    switch (record.fault) {
      case "429":
        return this.finish(res, record, this.hooks.rateLimited(request));
      case "5xx":
        return this.finish(res, record, this.hooks.serverError());
      case "timeout":
        record.status = -1;
        setTimeout(() => res.destroy(), this.faults.current.timeoutMs);
        return;
      default:
        break;
    }
    let response: EmulatorResponse;
    try {
      response = await match.route.handler(request);
    } catch (error) {
      response = { status: 500, body: { status: "error", message: `emulator error: ${(error as Error).message}` } };
    }
    if (record.fault === "lost-response") {
      // The work is done; the caller never hears about it.
      record.status = response.status;
      record.responseBody = response.body;
      this.hooks.answered?.(record);
      res.destroy();
      return;
    }
    this.finish(res, record, response);
  }

  private finish(res: ServerResponse, record: CallRecord, response: EmulatorResponse): void {
    record.status = response.status;
    record.responseBody = response.body;
    this.hooks.answered?.(record);
    this.send(res, response);
  }

  private send(res: ServerResponse, response: EmulatorResponse): void {
    const headers: Record<string, string> = { ...response.headers };
    let payload = "";
    if (response.text !== undefined) payload = response.text;
    else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers["content-type"] ??= "application/json;charset=utf-8";
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  private match(method: string, path: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      return { route, params };
    }
    return undefined;
  }
}
