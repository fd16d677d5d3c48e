import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

/**
 * The browser tests run against `npm run dev` as a developer would: its emulators, its
 * `.dev.vars`, a Worker on DEV_WORKER_PORT (default 8787), and a fresh local state of their own
 * (migrated here, passed to wrangler with --persist-to), so a developer's data is never touched.
 */
export const ROOT = new URL("../..", import.meta.url).pathname;
export const PORT = Number(process.env.DEV_WORKER_PORT ?? 8787);
export const WORKER = `http://127.0.0.1:${PORT}`;
export const HUBSPOT = "http://127.0.0.1:8790";
export const SCREENSHOTS = join(ROOT, "test/browser/screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", DEV_WORKER_PORT: String(PORT) };

/** In CI a missing browser fails the run; on a developer's machine the browser tests are skipped. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium before the tests`);
  return false;
}

export function devVars(): Record<string, string> {
  const vars: Record<string, string> = {};
  const path = existsSync(join(ROOT, ".dev.vars")) ? join(ROOT, ".dev.vars") : join(ROOT, ".dev.vars.example");
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

export interface DevServer {
  stop(): Promise<void>;
  log(): string;
}

export async function startDev(): Promise<DevServer> {
  if (await answers(`${WORKER}/health`)) throw new Error(`${WORKER} already answers: stop that server, or set DEV_WORKER_PORT`);
  const state = mkdtempSync(join(tmpdir(), "console-browser-"));
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  let output = "";
  const child: ChildProcess = spawn("npm", ["run", "dev", "--", "--persist-to", state, "--test-scheduled", "--log-level", "warn"], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return; // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };
  const deadline = Date.now() + 120_000;
  // Up once the CRM setup has run (npm run dev does it as soon as the Worker answers).
  while (!output.includes("CRM setup:")) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`npm run dev did not come up:\n${output.slice(-4_000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { stop, log: () => output };
}

export interface DevSession {
  readonly browser: Browser;
}

/**
 * One `npm run dev` and one Chromium for every walkthrough of the calling suite: started before
 * them, stopped after them. Starting the server is most of a walkthrough's time, so there is one.
 */
export function devSession(): DevSession {
  let dev: DevServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    dev = await startDev();
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
  });
  return {
    get browser() {
      if (!browser) throw new Error("the browser is not up: use the session inside its suite's tests");
      return browser;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The admin API, for setting the scene (the console itself is driven through the browser). */
export async function admin(path: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(`${WORKER}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${devVars().ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers },
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
