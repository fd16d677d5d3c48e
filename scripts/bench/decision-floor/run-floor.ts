/**
 * Runs the decision floor (worker.ts) at the product's density: `leads` deadlines, spread over
 * `spreadSeconds`, and measures them as bench-rules measures the product's.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { localD1, startWranglerDev } from "../../wrangler-dev-server.ts";
import { awaitDecisions } from "../await-decisions.ts";

export interface StormFigures {
  decided: number;
  /** How late each decision came after its deadline, in ms, sorted. */
  lateness: number[];
  /** workerd's CPU from the first deadline to the poll that saw the last decision, per decision. */
  cpuMsPerDecision: number | null;
}

export async function floorStorm(leads: number, spreadSeconds: number, port: number, steps = ""): Promise<StormFigures> {
  // The CRM's stand-in: a contact for a read, an empty success for a batch write.
  const crm = createServer((request, response) => {
    request.resume();
    response.setHeader("content-type", "application/json");
    response.end(
      request.method === "GET"
        ? JSON.stringify({ id: request.url?.split("/").at(-1), properties: { hubspot_owner_id: "84213371", lead_follow_up_score: "80" } })
        : JSON.stringify({ status: "COMPLETE", results: [] }),
    );
  });
  await new Promise<void>((resolve) => crm.listen(0, "127.0.0.1", resolve));
  const crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
  const server = await startWranglerDev(new URL(".", import.meta.url).pathname, port, { CRM_URL: crmUrl, FLOOR_STEPS: steps });
  try {
    // Arming takes about 4 ms a record here: the first deadline comes after the last is armed.
    const start = Date.now() + 15_000 + leads * 6;
    const deadlineOf = (i: number) => start + (i % spreadSeconds) * 1000;
    for (let i = 0; i < leads; i += 100) {
      const items = Array.from({ length: Math.min(100, leads - i) }, (_, j) => ({ key: `floor-${i + j}`, deadline: deadlineOf(i + j) }));
      const armed = await fetch(`${server.url}/arm`, { method: "POST", body: JSON.stringify(items) });
      if (!armed.ok) throw new Error(`arming the floor's records failed: ${armed.status} ${await armed.text()}`);
    }
    if (Date.now() > start) throw new Error("arming the floor's records took longer than its lead time");
    await new Promise((r) => setTimeout(r, start - Date.now()));
    const cpuAtFirstDeadline = server.cpuSeconds();
    const query = localD1(server.persistTo).prepare("SELECT record_key AS key, at FROM facts");
    const decisions = () => new Map((query.all() as { key: string; at: string }[]).map((row) => [row.key, Date.parse(row.at)]));
    const { decided, cpuMsPerDecision } = await awaitDecisions(server, leads, decisions, cpuAtFirstDeadline, 1_000);
    return {
      decided: decided.size,
      lateness: [...decided].map(([key, at]) => at - deadlineOf(Number(key.slice("floor-".length)))).sort((a, b) => a - b),
      cpuMsPerDecision,
    };
  } finally {
    server.stop();
    crm.close();
  }
}
