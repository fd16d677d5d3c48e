import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy.ts";
import { DEFAULT_OWNERS } from "../emulators/hubspot/index.ts";
import { REP_ONE_USER_ID, REP_TWO_USER_ID } from "../emulators/salesforce/index.ts";
import { DEFAULT_USERS } from "../emulators/slack/index.ts";

/**
 * The default policy's reps are the people `npm run dev` puts in the emulators (scripts/dev.ts pairs
 * HubSpot's owners with the Salesforce users and Slack members in this order): one name and one
 * set of ids per person, so the docs, the tour and the roster import speak of the same Sam.
 */
describe("the default policy's reps", () => {
  it("are the emulators' people: the same names, HubSpot owners, Salesforce users and Slack members", () => {
    const people = DEFAULT_OWNERS.map((owner, i) => ({
      name: `${owner.firstName} ${owner.lastName}`,
      hubspot: owner.id,
      salesforce: [REP_ONE_USER_ID, REP_TWO_USER_ID][i],
      slack: DEFAULT_USERS[i]!.id,
    }));
    const reps = DEFAULT_POLICY.reps.map((rep) => ({
      name: rep.name,
      hubspot: rep.owners.hubspot,
      salesforce: rep.owners.salesforce,
      slack: rep.slackUserId,
    }));
    expect(reps).toEqual(people);
  });
});
