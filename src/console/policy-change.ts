import type { z } from "zod";
import { Policy, type PolicyInput } from "../core/policy/policy";
import { savePolicy } from "../storage/policies";

export type PolicyIssue = { path: string; message: string };
export type ChangeResult = { ok: true; version: number } | { ok: false; issues: PolicyIssue[] };

export const issuesOf = (error: z.ZodError): PolicyIssue[] => error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));

/**
 * A change made on a console page (a rep out of office, a weight, a cadence step's text): the
 * whole policy with the change applied is validated as PUT /admin/policy validates it, and saved
 * as a new version with who made it and what it changed, in words. An invalid result saves
 * nothing and says why, by the path of each problem.
 */
export async function savePolicyChange(
  db: D1Database,
  candidate: PolicyInput | Policy,
  change: { by: string; note: string; now: Date },
): Promise<ChangeResult> {
  const parsed = Policy.safeParse(candidate);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const saved = await savePolicy(db, parsed.data, change.now, { by: change.by, note: change.note });
  return { ok: true, version: saved.version };
}

/** A copy of the policy to change: policies read from storage are shared and must not be changed in place. */
export const editable = (policy: Policy): Policy => structuredClone(policy);
