import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { activePolicy, savePolicy } from "../../src/storage/policies";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";

describe("activePolicy", () => {
  it("parses a stored version once, and a newer version as soon as it is saved", async () => {
    const shipped = await activePolicy(env.DB);
    expect(shipped.version).toBe(0);
    expect((await activePolicy(env.DB)).policy).toBe(shipped.policy);

    const first = await savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, timeZone: "Europe/Berlin" }), new Date("2026-05-01T00:00:00Z"));
    const read = await activePolicy(env.DB);
    expect(read).toMatchObject({ version: first.version, createdAt: "2026-05-01T00:00:00.000Z", policy: { timeZone: "Europe/Berlin" } });
    expect((await activePolicy(env.DB)).policy).toBe(read.policy);

    await savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, timeZone: "Asia/Tokyo" }), new Date("2026-05-02T00:00:00Z"));
    expect((await activePolicy(env.DB)).policy.timeZone).toBe("Asia/Tokyo");
  });
});
