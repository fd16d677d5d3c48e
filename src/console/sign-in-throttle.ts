import { consoleMac } from "./console-auth";

/**
 * The brake on guessing the admin token at /console/login: Workers Rate Limiting bindings
 * (wrangler.toml), per client address and over all addresses. An attempt is counted before its
 * token is looked at, so a throttled one is refused without comparing anything: a guess made
 * while throttled, right or wrong, tells the guesser nothing. The binding cannot count without
 * checking, so good sign-ins count too (an admin signs in a few times a day).
 */
export type SignInLimits = Pick<Env, "CONSOLE_SIGN_IN_IP_RATE_LIMIT" | "CONSOLE_SIGN_IN_RATE_LIMIT">;

/** The bindings' period (wrangler.toml): the longest a throttled address waits. */
export const SIGN_IN_RETRY_AFTER_S = 60;

export type SignInThrottle = { ok: true } | { ok: false; scope: "address" | "overall" };

/**
 * Counts one attempt from `address` (a client key: an IPv4 address, an IPv6 /64). The overall
 * count is kept under a fingerprint of the admin token, so Workers sharing a namespace, or tests
 * with their own token, count apart; the fingerprint (a truncated MAC) says nothing of the token.
 */
export async function countSignInAttempt(limits: SignInLimits, address: string, adminToken: string): Promise<SignInThrottle> {
  // One after the other: a flood from one address must not use up everyone's allowance.
  const byAddress = await limits.CONSOLE_SIGN_IN_IP_RATE_LIMIT.limit({ key: address });
  if (!byAddress.success) return { ok: false, scope: "address" };
  const fingerprint = (await consoleMac(adminToken, "sign-in limit", "overall")).slice(0, 16);
  const overall = await limits.CONSOLE_SIGN_IN_RATE_LIMIT.limit({ key: `all:${fingerprint}` });
  if (!overall.success) return { ok: false, scope: "overall" };
  return { ok: true };
}
