import type { EmulatorRequest } from "../shared/server.ts";

export type Args = Record<string, unknown>;

/**
 * Web API arguments arrive as JSON, as a form, or in the query string; Slack accepts all three.
 * In forms, structured arguments such as `blocks` are JSON strings.
 */
export function readArgs(req: EmulatorRequest): Args {
  const args: Args = Object.fromEntries(req.query.entries());
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(req.rawBody)) args[key] = value;
  } else if (req.body && typeof req.body === "object" && !Array.isArray(req.body)) {
    Object.assign(args, req.body);
  }
  return args;
}

/** The bearer token, or the legacy `token` argument. */
export function tokenOf(req: EmulatorRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""));
  if (match) return match[1];
  const token = readArgs(req).token;
  return typeof token === "string" && token !== "" ? token : undefined;
}

/** Slack warns, without failing, when a JSON body's Content-Type leaves out the charset. */
export function charsetWarning(req: EmulatorRequest): { warning?: string; response_metadata?: { warnings: string[] } } {
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.startsWith("application/json") && !/charset=/i.test(contentType)) {
    return { warning: "missing_charset", response_metadata: { warnings: ["missing_charset"] } };
  }
  return {};
}

export function stringArg(args: Args, name: string): string | undefined {
  const value = args[name];
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number") return String(value);
  return undefined;
}

export function boolArg(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === "true" || value === "1" || value === 1;
}
