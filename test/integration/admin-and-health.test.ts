import { describe, expect, it } from "vitest";
import { adminGet, call } from "../support/requests";

describe("health and admin auth", () => {
  it("GET /health is public JSON", async () => {
    const response = await call("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true });
  });

  it("the admin API needs the bearer token", async () => {
    expect((await call("/admin/leads/hubspot:1:contact:1")).status).toBe(401);
    expect((await adminGet("/admin/leads/hubspot:1:contact:1", "wrong-token-wrong-token")).status).toBe(401);
    expect((await adminGet("/admin/leads/hubspot:1:contact:1")).status).toBe(404);
    const invalid = await adminGet("/admin/leads/not-a-key");
    expect(invalid.status).toBe(400);
  });

  it("unknown routes are JSON 404s", async () => {
    const response = await call("/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "not_found" });
  });
});
