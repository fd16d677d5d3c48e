/**
 * The console's static files, served by the Worker from console-assets/ (wrangler.toml [assets]):
 * uPlot for the overview's charts, and the advanced policy editor (console-client/policy-editor.ts:
 * CodeMirror 6 with the policy's JSON Schema) bundled by esbuild. wrangler runs this before
 * `wrangler dev` and `wrangler deploy` ([build] in wrangler.toml); `node scripts/build-console-assets.ts` by hand.
 */
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "console-assets");
mkdirSync(out, { recursive: true });

for (const file of ["uPlot.iife.min.js", "uPlot.min.css"]) copyFileSync(join(root, "node_modules/uplot/dist", file), join(out, file));

/** codemirror-json-schema's markdown renderer and its YAML and JSON5 parsers, replaced by the small stand-ins beside the editor. */
const standIns = {
  name: "stand-ins",
  setup(b: { onResolve: (o: { filter: RegExp }, f: (a: { path: string; importer: string }) => { path: string } | undefined) => void }) {
    b.onResolve({ filter: /(utils\/markdown|(yaml|json5)-parser)(\.js)?$/ }, (args) => {
      if (!args.importer.includes("codemirror-json-schema")) return undefined;
      return { path: join(root, "console-client", args.path.includes("markdown") ? "plain-markdown.ts" : "no-parser.ts") };
    });
  },
};

await build({
  entryPoints: [join(root, "console-client/policy-editor.ts")],
  outfile: join(out, "policy-editor.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
  plugins: [standIns],
});
console.log(`console assets: policy-editor.js ${(statSync(join(out, "policy-editor.js")).size / 1024).toFixed(0)} KiB, uPlot copied`);
