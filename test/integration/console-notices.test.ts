import { describe, expect, it } from "vitest";
import { cookieOf, csrfOf, signIn } from "../support/console";
import { adminGet, call } from "../support/requests";

const page = (path: string, cookie: string) => call(path, { headers: { cookie }, redirect: "manual" });
const noticeOf = (html: string) => /<div class="notice">([^<]*)<\/div>/.exec(html)?.[1] ?? null;
const post = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body),
  });

describe("the console's notices come from the server, not the URL", () => {
  it("a link's text is never shown as a notice", async () => {
    const cookie = await signIn(call);
    const text = encodeURIComponent("all 12 dead effects. Your session expired: sign in again at https://evil.example");
    for (const path of [
      `/console/outbox?retried=${text}`,
      `/console/policy?saved=${text}`,
      `/console?notice=${text}`,
      `/console/health?saved=${text}`,
    ]) {
      const html = await (await page(path, cookie)).text();
      expect(noticeOf(html), path).toBeNull();
      expect(html, path).not.toContain("evil.example");
    }
  });

  it("a retry's notice is set by its POST and shown once by the page it redirects to", async () => {
    const cookie = await signIn(call);
    const csrf = csrfOf(await (await page("/console/outbox", cookie)).text());
    const retried = await post("/console/outbox/retry", cookie, { _csrf: csrf, id: "no-such-effect", selected: "1" });
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toBe("/console/outbox");
    const flash = cookieOf(retried, "console_flash")!;
    expect(flash).toBeDefined();

    const shown = await page("/console/outbox", `${cookie}; ${flash}`);
    expect(noticeOf(await shown.text())).toBe("Retried 0 dead effects.");
    // Taken: the answer deletes it, so a reload shows nothing.
    expect(cookieOf(shown, "console_flash")).toBe("console_flash=");
    // Another page leaves it for its own page.
    const elsewhere = await page("/console/policy", `${cookie}; ${flash}`);
    expect(noticeOf(await elsewhere.text())).toBeNull();
    expect(cookieOf(elsewhere, "console_flash")).toBeUndefined();
  });

  it("a saved policy's notice names the version the server saved; an altered or another session's notice shows nothing", async () => {
    const cookie = await signIn(call);
    const editor = await (await page("/console/policy", cookie)).text();
    const policy = JSON.stringify(((await (await adminGet("/admin/policy")).json()) as any).policy);
    const saved = await post("/console/policy/save", cookie, { _csrf: csrfOf(editor), policy });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/console/policy");
    const flash = cookieOf(saved, "console_flash")!;
    const shown = await (await page("/console/policy", `${cookie}; ${flash}`)).text();
    const version = /id="active-version">v(\d+)</.exec(shown)![1];
    expect(noticeOf(shown)).toBe(`Saved as v${version}.`);

    const [, value] = flash.split("=") as [string, string];
    const altered = value.replace(/^saved\.\d+\./, "saved.999.");
    expect(noticeOf(await (await page("/console/policy", `${cookie}; console_flash=${altered}`)).text())).toBeNull();
    const otherSession = await signIn(call);
    expect(noticeOf(await (await page("/console/policy", `${otherSession}; ${flash}`)).text())).toBeNull();
  });
});
