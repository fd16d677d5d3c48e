import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { parse as parseToml } from "smol-toml";
import wranglerToml from "../../wrangler.toml?raw";
import { createApp } from "../../src/http/app";
import { ORIGIN } from "./requests";
import { TEST_BINDINGS } from "./test-bindings";

/** A way into the Worker: the deployed entry (`call`) or an app of the test's own (another clock, another admin token). */
export type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

/** An app with its own clock and admin token over the tests' bindings (its own token counts its own overall sign-ins). */
export function consoleApp(options: { adminToken?: string; now?: () => Date } = {}): Fetch {
  const app = createApp({ now: options.now });
  const appEnv = { ...env, ADMIN_TOKEN: options.adminToken ?? TEST_BINDINGS.ADMIN_TOKEN };
  return async (path, init) => {
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(ORIGIN + path, init), appEnv, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
export const cookieOf = (response: Response, name: string) =>
  response.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(";")[0];

/** A fresh client address (an IPv6 /64 of the documentation range), so no test shares another's sign-in allowance. */
export function freshAddress(): string {
  const [a, b] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${a!.toString(16)}:${b!.toString(16)}::1`;
}

/** The sign-in form as a browser holds it: its cookie and CSRF token, good for many posts. */
export async function loginForm(fetch: Fetch, address: string): Promise<{ loginCookie: string; csrf: string }> {
  const page = await fetch("/console/login", { headers: { "cf-connecting-ip": address } });
  return { loginCookie: cookieOf(page, "console_login")!, csrf: csrfOf(await page.text()) };
}

/** One sign-in attempt with `token`: 303 and a session cookie, 401 (wrong), or 429 (throttled). */
export async function postSignIn(fetch: Fetch, form: { loginCookie: string; csrf: string }, token: string, address: string): Promise<Response> {
  return fetch("/console/login", {
    method: "POST",
    redirect: "manual",
    headers: { cookie: form.loginCookie, "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": address },
    body: new URLSearchParams({ _csrf: form.csrf, token }),
  });
}

/** Signs in with the admin token; the session cookie (`console_session=…`). */
export async function signIn(fetch: Fetch, token: string = TEST_BINDINGS.ADMIN_TOKEN, address: string = freshAddress()): Promise<string> {
  const response = await postSignIn(fetch, await loginForm(fetch, address), token, address);
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  return cookieOf(response, "console_session")!;
}

/** wrangler.toml's limits for the console's sign-in (the tests run with them as configured). */
export function signInLimits(): { perAddress: number; overall: number; periodS: number } {
  const config = parseToml(wranglerToml) as { ratelimits: { name: string; simple: { limit: number; period: number } }[] };
  const of = (name: string) => config.ratelimits.find((r) => r.name === name)!.simple;
  return {
    perAddress: of("CONSOLE_SIGN_IN_IP_RATE_LIMIT").limit,
    overall: of("CONSOLE_SIGN_IN_RATE_LIMIT").limit,
    periodS: of("CONSOLE_SIGN_IN_IP_RATE_LIMIT").period,
  };
}
