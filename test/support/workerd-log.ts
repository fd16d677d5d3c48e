/**
 * workerd logs "uncaught exception … Network connection lost" whenever a fetch of the Worker
 * loses its connection, even when the Worker's code catches the rejection (a probe that fetched
 * through an emulator's lost-response fault inside try/catch caught the error, and workerd logged
 * it as uncaught all the same). The tests that inject lost answers and timeouts (the outbox, the
 * CRM contract, Salesforce consents) would print the same block once per injected fault. The
 * vitest plugin writes workerd's logs to this process's stdout and stderr; here each distinct workerd
 * message is printed once (its machine addresses aside), and the repeats are counted in one line
 * at the end. Vitest's own output passes untouched.
 */
export function printEachWorkerdMessageOnce(): void {
  const state = globalThis as { __workerdLogOnce?: boolean };
  if (state.__workerdLogOnce) return;
  state.__workerdLogOnce = true;
  const seen = new Set<string>();
  let repeats = 0;
  // The stream's own _write and _writev: vitest's reporter keeps its own reference to write(),
  // taken before this runs, and a pipe hands buffered writes over together.
  type Chunk = { chunk: unknown; encoding: string };
  type Stream = {
    _write: (chunk: unknown, encoding: string, callback: (error?: Error | null) => void) => void;
    _writev?: (chunks: Chunk[], callback: (error?: Error | null) => void) => void;
  };
  const printed = (chunk: unknown): boolean => {
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? (chunk as Buffer).toString("utf8") : undefined;
    if (text === undefined || !isWorkerdMessage(text)) return true;
    const key = text.replace(/@[0-9a-f]+/g, "@");
    if (!seen.has(key)) {
      seen.add(key);
      return true;
    }
    repeats++;
    return false;
  };
  // The plugin writes workerd's errors to stderr and its other lines to stdout.
  for (const stream of [process.stdout, process.stderr] as unknown as Stream[]) {
    const write = stream._write.bind(stream);
    stream._write = (chunk, encoding, callback) => (printed(chunk) ? write(chunk, encoding, callback) : callback());
    if (stream._writev) {
      const writev = stream._writev.bind(stream);
      stream._writev = (chunks, callback) => {
        const kept = chunks.filter(({ chunk }) => printed(chunk));
        return kept.length > 0 ? writev(kept, callback) : callback();
      };
    }
  }
  process.once("exit", () => {
    if (repeats > 0) process.stderr.write(`workerd: ${repeats} repeats of the messages above were not printed again\n`);
  });
}

function isWorkerdMessage(text: string): boolean {
  return /^(uncaught exception;|exception = |stack: \S*workerd)/.test(text);
}
