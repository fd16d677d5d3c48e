/**
 * A Cloudflare Turnstile stand-in, so `npm run dev` and the browser tests run offline: the widget
 * script a page loads (`/turnstile/v0/api.js`) and siteverify (`/turnstile/v0/siteverify`),
 * behaving as Cloudflare documents its test keys. The widget renders at once, as a test site key's
 * widget does, and puts the dummy token in the form's `cf-turnstile-response` field; siteverify
 * accepts that token only with the always-pass test secret (siteverify.ts). Its own widget secret
 * (STAND_IN_SECRET) checks tokens as Cloudflare checks real ones: `POST /_emulator/tokens` with
 * `{ "hostname": …, "action": … }` gives one, as solving the challenge on that page would.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DUMMY_TOKEN, issueToken, SITEVERIFY_PATH, siteverifyStub } from "./siteverify.ts";

export { DUMMY_TOKEN, issueToken, SITEVERIFY_PATH, STAND_IN_SECRET, TEST_SECRETS, TEST_SITE_KEY } from "./siteverify.ts";
export const TOKENS_PATH = "/_emulator/tokens";
export const SCRIPT_PATH = "/turnstile/v0/api.js";

/*
 * The part of Turnstile's client API a page uses: implicit rendering into `.cf-turnstile`
 * elements, `data-response-field-name`, `data-callback`, and `turnstile.reset()` (which, with a
 * test key, gives the same dummy token again).
 */
const WIDGET_SCRIPT = `(() => {
  const TOKEN = ${JSON.stringify(DUMMY_TOKEN)};
  const widgets = [];
  function render(element, options) {
    const container = typeof element === "string" ? document.querySelector(element) : element;
    const params = options || {};
    const name = params["response-field-name"] || container.dataset.responseFieldName || "cf-turnstile-response";
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    const label = document.createElement("span");
    label.textContent = "Turnstile (local stand-in): success";
    label.style.cssText = "display:inline-block;padding:0.4rem 0.8rem;border:1px solid #bbb;border-radius:4px;font-size:0.9rem";
    container.replaceChildren(input, label);
    const widget = { input, callback: params.callback || (container.dataset.callback && window[container.dataset.callback]) };
    widgets.push(widget);
    issue(widget);
    return String(widgets.length - 1);
  }
  function issue(widget) {
    widget.input.value = TOKEN;
    if (typeof widget.callback === "function") widget.callback(TOKEN);
  }
  window.turnstile = {
    render,
    reset(id) { (id === undefined ? widgets : [widgets[Number(id)]]).forEach((w) => w && issue(w)); },
    getResponse(id) { const w = widgets[id === undefined ? 0 : Number(id)]; return w ? w.input.value : undefined; },
    remove() {},
  };
  const start = () => document.querySelectorAll(".cf-turnstile").forEach((el) => render(el));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
`;

export interface TurnstileEmulator {
  url: string;
  siteverifyUrl: string;
  scriptUrl: string;
  close(): Promise<void>;
}

export async function startTurnstileEmulator(port = 0, host = "127.0.0.1"): Promise<TurnstileEmulator> {
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === SCRIPT_PATH) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
      res.end(WIDGET_SCRIPT);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === "POST" && path === TOKENS_PATH) {
      let page: { hostname?: unknown; action?: unknown };
      try {
        page = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      } catch {
        page = {};
      }
      if (typeof page.hostname !== "string" || (page.action !== undefined && typeof page.action !== "string")) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: 'give { "hostname": "www.example.com", "action"?: "demo" }' }));
        return;
      }
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: issueToken({ hostname: page.hostname, ...(page.action ? { action: page.action } : {}) }) }));
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const answer = await siteverifyStub(`http://localhost${path}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    siteverifyUrl: `${url}${SITEVERIFY_PATH}`,
    scriptUrl: `${url}${SCRIPT_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
