import { createHubSpotEmulator, type HubSpotEmulator, type HubSpotEmulatorOptions } from "./hubspot/index.ts";
import { createSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from "./salesforce/index.ts";
import { createSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from "./slack/index.ts";

export interface Emulators {
  hubspot: HubSpotEmulator;
  salesforce: SalesforceEmulator;
  slack: SlackEmulator;
  urls: { hubspot: string; salesforce: string; slack: string };
  close(): Promise<void>;
}

export interface EmulatorsOptions {
  ports?: { hubspot?: number; salesforce?: number; slack?: number };
  hubspot?: HubSpotEmulatorOptions;
  salesforce?: SalesforceEmulatorOptions;
  slack?: SlackEmulatorOptions;
  /** Let the process exit while they run (tests). */
  unref?: boolean;
}

/** Starts the HubSpot, Salesforce and Slack emulators: `npm run dev` and the tests share this. */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const hubspot = createHubSpotEmulator(options.hubspot);
  const salesforce = createSalesforceEmulator(options.salesforce);
  const slack = createSlackEmulator(options.slack);
  const urls = {
    hubspot: await hubspot.server.listen(options.ports?.hubspot ?? 0),
    salesforce: await salesforce.server.listen(options.ports?.salesforce ?? 0),
    slack: await slack.server.listen(options.ports?.slack ?? 0),
  };
  if (options.unref) for (const e of [hubspot, salesforce, slack]) e.server.unref();
  return {
    hubspot,
    salesforce,
    slack,
    urls,
    async close() {
      await Promise.all([hubspot.close(), salesforce.close(), slack.close()]);
    },
  };
}
