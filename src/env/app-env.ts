import type { Config } from "./config";

/** Hono's typing for this Worker: bindings from wrangler, the validated config in context. */
export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config; now: () => Date };
}
