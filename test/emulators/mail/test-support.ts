import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP endpoint standing in for the app's webhook routes in the emulators' Node tests. */
export async function startReceiver(answer: (req: ReceivedRequest, index: number) => number = () => 200) {
  const requests: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    requests.push(received);
    res.writeHead(answer(received, requests.length - 1));
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    /** Resolves once `count` requests have arrived (polling real time: webhook delivery is asynchronous). */
    async waitFor(count: number, timeoutMs = 5_000): Promise<ReceivedRequest[]> {
      const start = Date.now();
      while (requests.length < count) {
        if (Date.now() - start > timeoutMs) throw new Error(`expected ${count} requests, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock a test moves by hand. */
export function manualClock(start = Date.UTC(2026, 2, 2, 9, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}
