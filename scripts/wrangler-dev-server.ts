import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { wranglerEnv } from "./local-env.ts";

export interface DevServer {
  url: string;
  persistTo: string;
  stop: () => void;
  /** CPU seconds (user and system) its workerd processes have used so far; null where /proc is not there. */
  cpuSeconds: () => number | null;
}

/**
 * Starts `wrangler dev` on its own port and a fresh local state directory (D1 migrated);
 * `prepare` runs on that state before the Worker starts (seeding it), `args` go to wrangler dev.
 */
export async function startWranglerDev(
  root: string,
  port: number,
  vars: Record<string, string> = {},
  options: { prepare?: (persistTo: string) => void; args?: string[] } = {},
): Promise<DevServer> {
  if (await answers(`http://127.0.0.1:${port}/health`)) {
    throw new Error(`port ${port} is taken by another server (a leftover wrangler dev?); stop it first`);
  }
  const persistTo = mkdtempSync(join(tmpdir(), "lead-follow-up-"));
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    cwd: root,
    env: wranglerEnv,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  options.prepare?.(persistTo);
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child: ChildProcess = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistTo,
      "--log-level",
      process.env.WRANGLER_LOG_LEVEL ?? "warn",
      ...varArgs,
      ...(options.args ?? []),
    ],
    { cwd: root, env: wranglerEnv, stdio: ["ignore", process.env.WRANGLER_LOG_LEVEL ? "inherit" : "ignore", "inherit"], detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };
  // However the benchmark ends, it must not leave a server holding the port.
  process.once("exit", stop);
  while (!(await answers(`${url}/health`))) {
    if (Date.now() > deadline) {
      stop();
      throw new Error("wrangler dev did not start within 60 s");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, persistTo, stop, cpuSeconds: () => workerdCpuSeconds(child.pid!) };
}

/** The CPU seconds of the workerd processes in a process group (wrangler dev's, started detached), from /proc. */
function workerdCpuSeconds(group: number): number | null {
  if (!existsSync("/proc/self/stat")) return null;
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid pgrp … utime stime …": the fields after the command's closing parenthesis.
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (comm === "workerd" && Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second on every architecture it runs on here. */
const CLOCK_TICKS_PER_SECOND = 100;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/**
 * The local D1 database of a dev server's state, opened read-only beside the Worker (SQLite in WAL
 * mode: a reader does not block its writes), so a benchmark can watch it without asking the Worker.
 */
export function localD1(persistTo: string): DatabaseSync {
  const dir = join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (!file) throw new Error(`no local D1 database in ${dir}`);
  return new DatabaseSync(join(dir, file), { readOnly: true });
}
