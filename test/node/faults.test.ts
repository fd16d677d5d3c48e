import { describe, expect, it } from "vitest";
import { FaultInjector } from "../emulators/shared/faults.ts";

describe("FaultInjector", () => {
  it("injects faults at the configured rates, reproducibly", () => {
    const injector = new FaultInjector();
    injector.configure({ rate429: 0.1, rate5xx: 0.05, rateTimeout: 0.03, rateLostResponse: 0.02, seed: 7 });
    const counts: Record<string, number> = {};
    const first: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const f = injector.draw();
      counts[f] = (counts[f] ?? 0) + 1;
      if (i < 10) first.push(f);
    }
    expect(counts["429"]! / 20_000).toBeCloseTo(0.1, 1);
    expect(counts["5xx"]! / 20_000).toBeCloseTo(0.05, 1);
    expect(counts.none! / 20_000).toBeCloseTo(0.8, 1);
    injector.configure({ rate429: 0.1, rate5xx: 0.05, rateTimeout: 0.03, rateLostResponse: 0.02, seed: 7 });
    expect(Array.from({ length: 10 }, () => injector.draw())).toEqual(first);
  });
});
