import type autocannon from "autocannon";

/** What the benchmarks report of one autocannon run: throughput, latency and failures. */
export function figures(path: string, r: autocannon.Result) {
  return {
    path,
    requestsPerSecond: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    failed: r.non2xx + r.errors + r.timeouts,
  };
}
