import type { Config } from "./config";
import type { Ports } from "./ports";

/** Hono's typing for this Worker: bindings from wrangler, the validated config and the ports in context. */
export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config; now: () => Date; ports: Ports };
}
