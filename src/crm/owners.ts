import type { CrmPerson } from "../core/policy/roster";
import { type Result, withTimeout } from "../platform/failure";
import { type HubSpotAccess, HubSpotClient } from "../platform/hubspot-transport";
import { HubSpotApi } from "./hubspot-api";
import { classifyHubSpotError, settled } from "./hubspot-crm";
import type { QueryResult } from "jsforce/browser/core";
import { type SalesforceAuth, salesforceConnection } from "./salesforce-connection";
import { classifySalesforceError } from "./salesforce-crm";
import { soqlString } from "./soql";

/**
 * Who can own records in each CRM, for the roster bootstrap: HubSpot's owners (the dated owners
 * API, scope crm.objects.owners.read) and Salesforce's active users of chosen profiles. Reads only,
 * each call paced by the account's limiter like every other call to that CRM.
 */

/** HubSpot's largest owners page. */
const OWNERS_PAGE = 500;
const TIMEOUT_MS = 15_000;

export interface PacedRead {
  /** Runs before every API call: the rate limiter's pacing. */
  beforeCall?: () => Promise<void>;
  timeoutMs?: number;
  now?: () => number;
}

/** Every active (not archived) HubSpot owner, people and queues. */
export async function listHubSpotOwners(options: HubSpotAccess & PacedRead): Promise<Result<CrmPerson[]>> {
  const api = new HubSpotApi(new HubSpotClient(options));
  const now = options.now ?? Date.now;
  const people: CrmPerson[] = [];
  let after: string | undefined;
  try {
    do {
      await options.beforeCall?.();
      const { body: page } = await withTimeout(
        settled(api.ownersPage({ limit: OWNERS_PAGE, after, archived: false })),
        options.timeoutMs ?? TIMEOUT_MS,
        "HubSpot list owners",
      );
      for (const owner of page.results) {
        const name = [owner.firstName, owner.lastName].filter(Boolean).join(" ") || owner.email || `owner ${owner.id}`;
        people.push({
          crm: "hubspot",
          id: owner.id,
          name,
          kind: owner.type === "QUEUE" ? "queue" : "person",
          ...(owner.email ? { email: owner.email } : {}),
        });
      }
      after = page.paging?.next?.after;
    } while (after);
  } catch (error) {
    return { ok: false, failure: classifyHubSpotError(error, now()) };
  }
  return { ok: true, value: people };
}

export interface SalesforceUsersOptions extends PacedRead {
  instanceUrl: string;
  auth: SalesforceAuth;
}

interface UserRow {
  Id: string;
  Name: string | null;
  Email: string | null;
  TimeZoneSidKey: string | null;
}

/** Active Salesforce users whose profile is one of `profiles` (by name, as Setup → Profiles shows them). */
export async function listSalesforceUsers(options: SalesforceUsersOptions, profiles: string[]): Promise<Result<CrmPerson[]>> {
  const now = options.now ?? Date.now;
  const session = salesforceConnection(options.instanceUrl, options.auth, now);
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const soql =
    "SELECT Id, Name, Email, TimeZoneSidKey FROM User " +
    `WHERE IsActive = true AND Profile.Name IN (${profiles.map(soqlString).join(", ")}) ORDER BY Name, Id`;
  const started = now();
  const people: CrmPerson[] = [];
  try {
    await session.signIn();
    await options.beforeCall?.();
    // jsforce's Query is a thenable, not a Promise.
    const page = (query: PromiseLike<QueryResult<UserRow>>) => withTimeout(Promise.resolve(query), timeoutMs, "Salesforce list users");
    let result = await page(session.conn.query<UserRow>(soql));
    for (;;) {
      for (const row of result.records) {
        people.push({
          crm: "salesforce",
          id: row.Id,
          name: row.Name || row.Email || `user ${row.Id}`,
          kind: "person",
          ...(row.Email ? { email: row.Email } : {}),
          ...(row.TimeZoneSidKey ? { timeZone: row.TimeZoneSidKey } : {}),
        });
      }
      if (result.done || !result.nextRecordsUrl) break;
      await options.beforeCall?.();
      result = await page(session.conn.queryMore<UserRow>(result.nextRecordsUrl));
    }
  } catch (error) {
    // A renewal that failed inside jsforce reaches us re-wrapped: its real failure is kept by the session.
    return { ok: false, failure: session.renewalFailureSince(started) ?? classifySalesforceError(error) };
  }
  return { ok: true, value: people };
}
