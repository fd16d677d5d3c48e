import { describe, expect, it } from "vitest";
import { People } from "../../src/console/people";
import { deadlineName, localTimesIn, ruleName } from "../../src/console/words";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";

const policy = Policy.parse(DEFAULT_POLICY);
const labels = (crm: string, objectType: string, property: string, value: string) =>
  crm === "hubspot" && objectType === "deal" && property === "dealstage" && value === "contractsent" ? "Contract Sent" : undefined;

describe("people and things by name", () => {
  const people = new People(policy, labels);

  it("names an owner by the rep the roster says it is, in either CRM (15 or 18 characters), else says whose id it is", () => {
    expect(people.ownerName("84213372")).toBe("Sam Chen");
    expect(people.ownerName("0055g00000RepTwAAA", "salesforce")).toBe("Sam Chen");
    expect(people.ownerName("0055g00000RepTw", "salesforce")).toBe("Sam Chen");
    expect(people.ownerName("0055g00000IntegAAA", "salesforce")).toBe("the fallback owner of Inbound SDRs");
    expect(people.ownerName("999", "hubspot")).toBe("HubSpot owner 999");
    expect(people.ownerName(null)).toBe("nobody");
  });

  it("names a value by the CRM's label, and by itself when the CRM gave none", () => {
    expect(people.label("hubspot", "deal", "dealstage", "contractsent")).toBe("Contract Sent");
    expect(people.label("hubspot", "deal", "dealstage", "1234567")).toBe("1234567");
    expect(people.cadenceName("inbound-sales")).toBe("Inbound sales (demo request)");
  });

  it("says rules and deadlines in words, and instants in the viewer's zone", () => {
    expect(ruleName("stale-lead")).toBe("Stale lead");
    expect(deadlineName("cadence:step")).toBe("Next cadence step: its task is written for the owner");
    expect(localTimesIn("no activity since 2026-12-07T13:45:46.364Z; routed", "Europe/Berlin")).toBe(
      "no activity since Mon 7 Dec 2026, 14:45; routed",
    );
  });
});
