import type { EffectRequest } from "../../src/core/model/effects";
import type { Config } from "../../src/env/config";
import type { Ports } from "../../src/env/ports";
import { enqueueEffects } from "../../src/outbox/effect-queue";
import { portsFor } from "../../src/ports";

/** What the alerts chore is given in production (src/ports.ts), with this config: its messages go through the real outbox. */
export const alertPorts = (env: Env, config: Config): Pick<Ports, "config" | "crm" | "slack" | "storeEffects"> => {
  const ports = portsFor(env);
  return {
    config,
    crm: (target) => ports.crm(target),
    slack: () => ports.slack(),
    storeEffects: (requests: readonly EffectRequest[]) => enqueueEffects(env, requests, new Date()),
  };
};
