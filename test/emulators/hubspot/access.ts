import { RollingWindowLimiter } from "../shared/rate-limit.ts";
import type { EmulatorRequest, EmulatorResponse } from "../shared/server.ts";
import { rateLimitBody, unauthorized } from "./errors.ts";

/**
 * Bearer-token auth and HubSpot's ten-secondly rolling limit per token. The core's guard can only
 * short-circuit, so the limiter's figures for an allowed call are kept per request and added to
 * the handler's response by the route wrapper (HubSpot sends them on every answer).
 */
export class AccessControl {
  readonly limiter: RollingWindowLimiter;
  private readonly tokens: Set<string>;
  private readonly figures = new WeakMap<EmulatorRequest, { remaining: number }>();
  /** The share of every window other apps of the portal use (HubSpot's limits are the portal's, shared by its apps). */
  otherApps = 0;

  constructor(tokens: string[], rateLimit: { max: number; windowMs: number }, now: () => number) {
    this.tokens = new Set(tokens);
    this.limiter = new RollingWindowLimiter(rateLimit.max, rateLimit.windowMs, now);
  }

  /** Accepts a token issued later (a client credentials token of the OAuth endpoint). */
  allow(token: string): void {
    this.tokens.add(token);
  }

  readonly guard = (req: EmulatorRequest): EmulatorResponse | undefined => {
    const token = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim();
    if (!token || !this.tokens.has(token)) return unauthorized();
    const others = this.othersInWindow();
    const taken = this.limiter.take(token, others);
    if (!taken.allowed) {
      return {
        status: 429,
        body: rateLimitBody(),
        headers: { ...this.headers(0), "Retry-After": String(Math.max(1, Math.ceil(taken.retryAfterMs / 1000))) },
      };
    }
    this.figures.set(req, { remaining: Math.max(0, taken.remaining) });
    return undefined;
  };

  /** The injected 429 fault: same body; no token is known there, so the window is reported as spent. */
  readonly rateLimited = (): EmulatorResponse => ({ status: 429, body: rateLimitBody(), headers: { ...this.headers(0), "Retry-After": "1" } });

  withHeaders(req: EmulatorRequest, response: EmulatorResponse): EmulatorResponse {
    const figures = this.figures.get(req);
    if (!figures) return response;
    return { ...response, headers: { ...this.headers(figures.remaining), ...response.headers } };
  }

  private othersInWindow(): number {
    return Math.floor(this.otherApps * this.limiter.max);
  }

  private headers(remaining: number): Record<string, string> {
    return {
      "X-HubSpot-RateLimit-Max": String(this.limiter.max),
      "X-HubSpot-RateLimit-Remaining": String(remaining),
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(this.limiter.windowMs),
    };
  }
}
