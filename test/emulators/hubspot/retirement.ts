import type { EmulatorRequest, EmulatorResponse } from "../shared/server.ts";
import { errorResponse, HubSpotError } from "./errors.ts";

/**
 * HubSpot's numeric API versions (v1–v4) lose support as dated versions take over: v4
 * associations on 2027-03-30, the rest in September 2027 (developers.hubspot.com "Developer
 * platform and API versioning"). The emulator serves the numeric paths beside the dated ones
 * until a cut-off it is given, then refuses them, so a test can show nothing still calls them.
 */
export const HUBSPOT_NUMERIC_SUPPORT_ENDS = { v4: Date.UTC(2027, 2, 30), other: Date.UTC(2027, 8, 1) } as const;

/** A numeric version segment anywhere in the path: /crm/v3/…, /crm/v4/…, /communication-preferences/v3/…, /owners/v2/…. */
export function numericVersionOf(path: string): string | undefined {
  return path.split("/").find((segment) => /^v\d+$/.test(segment));
}

export class Retirement {
  private at: number | null;
  private readonly initial: number | null;
  private readonly now: () => number;

  constructor(initial: number | null, now: () => number) {
    this.initial = initial;
    this.at = initial;
    this.now = now;
  }

  /** From when numeric paths are refused (epoch ms); null: served for ever. */
  get cutOff(): number | null {
    return this.at;
  }

  set(at: number | null): void {
    this.at = at;
  }

  /** Back to the cut-off the emulator was started with (a reset). */
  reset(): void {
    this.at = this.initial;
  }

  /**
   * What HubSpot has not said it will answer: the emulator answers 410 Gone, so a caller cannot
   * take a retired path for a missing record (404) and the failure is permanent.
   */
  readonly guard = (req: EmulatorRequest): EmulatorResponse | undefined => {
    if (this.at === null || this.now() < this.at) return undefined;
    const version = numericVersionOf(req.path);
    if (!version) return undefined;
    return errorResponse(
      new HubSpotError(
        410,
        "GONE",
        `${req.method} ${req.path}: API version ${version} is no longer supported since ${new Date(this.at).toISOString()}; call its date-versioned path (2026-09)`,
      ),
    );
  };
}
