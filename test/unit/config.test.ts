import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, salesforceAuth } from "../../src/config";
import { TEST_BINDINGS } from "../support/test-bindings";

// A fresh object per call: loadConfig caches by the env object.
const envWith = (overrides: Record<string, string>) => ({ ...TEST_BINDINGS, ...overrides }) as unknown as Env;

describe("configuration", () => {
  it("signs in to Salesforce with the app's client credentials when set, else with the fixed token", () => {
    expect(salesforceAuth(loadConfig(envWith({})))).toEqual({
      clientId: TEST_BINDINGS.SALESFORCE_CLIENT_ID,
      clientSecret: TEST_BINDINGS.SALESFORCE_CLIENT_SECRET,
    });
    expect(salesforceAuth(loadConfig(envWith({ SALESFORCE_CLIENT_ID: "", SALESFORCE_CLIENT_SECRET: "" })))).toEqual({
      accessToken: TEST_BINDINGS.SALESFORCE_ACCESS_TOKEN,
    });
    expect(
      salesforceAuth(loadConfig(envWith({ SALESFORCE_CLIENT_ID: "", SALESFORCE_CLIENT_SECRET: "", SALESFORCE_ACCESS_TOKEN: "" }))),
    ).toBeUndefined();
  });

  it("refuses a client id without its secret, naming the variables and never the value", () => {
    const load = () => loadConfig(envWith({ SALESFORCE_CLIENT_SECRET: "" }));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SALESFORCE_CLIENT_SECRET: SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET go together/);
    expect(load).not.toThrow(new RegExp(TEST_BINDINGS.SALESFORCE_CLIENT_ID));
  });
});
