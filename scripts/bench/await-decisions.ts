import type { DevServer } from "../wrangler-dev-server.ts";

/**
 * Polls `decisions` (each decided key and when) until `count` are made or 10 minutes pass, and
 * the local Worker's CPU per decision: workerd's time from `cpuAtStart` to the poll that saw the
 * last decision (so the decisions' own follow-up work is in it), over the decisions made.
 */
export async function awaitDecisions(
  server: DevServer,
  count: number,
  decisions: () => Map<string, number>,
  cpuAtStart: number | null,
  pollMs: number,
): Promise<{ decided: Map<string, number>; cpuMsPerDecision: number | null }> {
  const giveUp = Date.now() + 10 * 60_000;
  let decided = new Map<string, number>();
  let cpuAtLast = cpuAtStart;
  while (decided.size < count && Date.now() < giveUp) {
    await new Promise((r) => setTimeout(r, pollMs));
    const cpu = server.cpuSeconds();
    const now = decisions();
    if (now.size > decided.size) cpuAtLast = cpu;
    decided = now;
    console.log(`decided ${decided.size} of ${count}`);
  }
  const cpuMsPerDecision =
    cpuAtStart === null || cpuAtLast === null || decided.size === 0 ? null : Math.round((((cpuAtLast - cpuAtStart) * 1000) / decided.size) * 10) / 10;
  return { decided, cpuMsPerDecision };
}
