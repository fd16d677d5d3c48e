import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SESSION_TTL_MS } from "../../src/console/console-auth";
import entry from "../../src/index";
import { consoleApp, cookieOf, csrfOf, signIn } from "../support/console";
import { call } from "../support/requests";

/** What D1 names a session by: the SHA-256 of its id (hex), so the table holds nothing a cookie could be made from. */
async function sessionIdHash(id: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
const worker = entry as unknown as Required<Pick<ExportedHandler<Env>, "scheduled">>;
const sessionIdOf = (cookie: string) => cookie.split("=")[1]!.split(".")[1]!;
const sessionRows = async () =>
  (await env.DB.prepare("select id_hash, expires_at from console_sessions").all<{ id_hash: string; expires_at: string }>()).results;

/** A POST of the policy page's rollback form with this session and CSRF token (an old version: it changes nothing that matters). */
const rollback = (cookie: string, csrf: string) =>
  call("/console/policy/rollback", {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrf, version: "999999" }),
  });

describe("console sessions end when they are ended", () => {
  it("signing out ends the session: the old cookie opens no page and its POSTs are refused", async () => {
    const cookie = await signIn(call);
    const policy = await call("/console/policy", { headers: { cookie }, redirect: "manual" });
    expect(policy.status).toBe(200);
    const csrf = csrfOf(await policy.text());
    // Before signing out, the session's POSTs are accepted (an unknown version: 400, not 401).
    expect((await rollback(cookie, csrf)).status).toBe(400);

    const logout = await call("/console/logout", {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get("location")).toBe("/console/login");
    expect(cookieOf(logout, "console_session")).toBe("console_session=");

    // A copy of the cookie kept from before (another tab, a stolen copy) is worth nothing now.
    for (const path of ["/console", "/console/policy", "/console/outbox", "/console/leads", "/console/health"]) {
      const page = await call(path, { headers: { cookie }, redirect: "manual" });
      expect(page.status, path).toBe(303);
      expect(page.headers.get("location")).toBe("/console/login");
    }
    expect((await rollback(cookie, csrf)).status).toBe(401);
    expect(await sessionRows()).not.toContainEqual(expect.objectContaining({ id_hash: await sessionIdHash(sessionIdOf(cookie)) }));
  });

  it("D1 holds only a hash of the session id, and rotating the admin token ends every session", async () => {
    const cookie = await signIn(call);
    const id = sessionIdOf(cookie);
    const rows = await sessionRows();
    expect(rows).toContainEqual(expect.objectContaining({ id_hash: await sessionIdHash(id) }));
    expect(JSON.stringify(rows)).not.toContain(id);
    expect((await call("/console", { headers: { cookie }, redirect: "manual" })).status).toBe(200);
    // The same cookie against the Worker once ADMIN_TOKEN is another: refused, though its row is still there.
    const rotated = consoleApp({ adminToken: "a-rotated-admin-token-0123456789" });
    const page = await rotated("/console/policy", { headers: { cookie }, redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/console/login");
  });

  it("a session expires after 8 hours, and the cron deletes expired sessions", async () => {
    const started = Date.now() - SESSION_TTL_MS - 60_000;
    const old = await signIn(consoleApp({ now: () => new Date(started) }));
    const live = await signIn(call);
    expect((await call("/console", { headers: { cookie: old }, redirect: "manual" })).status).toBe(303);
    const oldHash = await sessionIdHash(sessionIdOf(old));
    expect((await sessionRows()).map((r) => r.id_hash)).toContain(oldHash);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, createExecutionContext());
    const hashes = (await sessionRows()).map((r) => r.id_hash);
    expect(hashes).not.toContain(oldHash);
    expect(hashes).toContain(await sessionIdHash(sessionIdOf(live)));
    expect((await sessionRows()).every((r) => Date.parse(r.expires_at) > Date.now())).toBe(true);
    expect((await call("/console", { headers: { cookie: live }, redirect: "manual" })).status).toBe(200);
  });
});
