import { z } from "zod";
import { Policy } from "../core/policy/policy";

let schema: unknown;

/**
 * The policy's JSON Schema, from the same zod schema that validates it: what the advanced editor
 * completes and checks against as the admin types (the server's validation still decides).
 * Made once per isolate.
 */
export function policySchema(): unknown {
  schema ??= z.toJSONSchema(Policy, { io: "input", unrepresentable: "any" });
  return schema;
}
