import type { VersionedPolicy } from "../core/policy/policy";
import type { AppEnv } from "../env/app-env";
import type { ConsoleUser } from "./console-auth";
import type { PageContext } from "./layout";
import type { People } from "./people";

/** What every signed-in console route is given: the page context, the user, the posted form, the active policy and its people. */
export type ConsoleEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { page: PageContext; user: ConsoleUser; form: URLSearchParams; active: VersionedPolicy; people: People };
};
