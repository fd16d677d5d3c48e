import { Hono } from "hono";
import { z } from "zod";
import { activePolicy, savePolicy } from "../storage/policies";
import { Policy } from "../core/policy/policy";
import type { AppEnv } from "../env/app-env";
import { parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { invalidPayload } from "../platform/http/errors";

export const adminPolicyRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json(await activePolicy(c.env.DB)))
  /** JSON Schema of the policy, for editor completion and validation before upload. */
  .get("/schema", (c) => c.json(z.toJSONSchema(Policy, { io: "input", unrepresentable: "any" })))
  /** Validates the whole document; an invalid one is refused with path-level reasons and changes nothing. */
  .put("/", async (c) => {
    requireContentType(c.req.raw, ["application/json"]);
    const parsed = Policy.safeParse(parseJson(await readRawBody(c.req.raw)));
    if (!parsed.success) throw invalidPayload(parsed.error);
    return c.json(await savePolicy(c.env.DB, parsed.data, c.var.now()), 201);
  });
