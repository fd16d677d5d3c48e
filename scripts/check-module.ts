import { build } from "esbuild";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/**
 * Builds src/env/deploy-check.ts (the Worker's own rules for values and features) for Node, as
 * one ES module at `outfile`: `npm run check` imports it. The Worker's modules are TypeScript
 * written for workerd, so they are bundled rather than imported.
 */
export async function buildCheckModule(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(root, "src/env/deploy-check.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "error",
    plugins: [
      {
        // The rate limiter's module (it holds the quota parser) also defines a Durable Object.
        name: "workers-runtime-stub",
        setup(b) {
          b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: "workers", namespace: "stub" }));
          b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export class DurableObject {}", loader: "js" }));
        },
      },
    ],
  });
}
