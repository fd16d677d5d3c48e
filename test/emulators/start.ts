import { createDohEmulator, type DohEmulator, type DohEmulatorOptions } from "./doh/index.ts";
import { createHubSpotEmulator, type HubSpotEmulator, type HubSpotEmulatorOptions } from "./hubspot/index.ts";
import { createMailgunEmulator, type MailgunEmulator, type MailgunEmulatorOptions } from "./mailgun/index.ts";
import { createPostmarkEmulator, type PostmarkEmulator, type PostmarkEmulatorOptions } from "./postmark/index.ts";
import { createSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from "./salesforce/index.ts";
import { createSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from "./slack/index.ts";

/** The domain the Worker sends cadence emails from in dev and tests (Mailgun's sending domain too). */
export const EMULATED_SENDING_DOMAIN = "mail.example.com";

export interface Emulators {
  hubspot: HubSpotEmulator;
  salesforce: SalesforceEmulator;
  slack: SlackEmulator;
  postmark: PostmarkEmulator;
  mailgun: MailgunEmulator;
  doh: DohEmulator;
  urls: { hubspot: string; salesforce: string; slack: string; postmark: string; mailgun: string; doh: string };
  close(): Promise<void>;
}

export interface EmulatorsOptions {
  ports?: { hubspot?: number; salesforce?: number; slack?: number; postmark?: number; mailgun?: number; doh?: number };
  hubspot?: HubSpotEmulatorOptions;
  salesforce?: SalesforceEmulatorOptions;
  slack?: SlackEmulatorOptions;
  postmark?: PostmarkEmulatorOptions;
  mailgun?: MailgunEmulatorOptions;
  doh?: DohEmulatorOptions;
  /** Let the process exit while they run (tests). */
  unref?: boolean;
}

/**
 * Starts the HubSpot, Salesforce, Slack, Postmark, Mailgun and DNS-over-HTTPS emulators:
 * `npm run dev` and the tests share this (ports 0: any free port).
 */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const hubspot = createHubSpotEmulator(options.hubspot);
  const salesforce = createSalesforceEmulator(options.salesforce);
  const slack = createSlackEmulator(options.slack);
  const postmark = createPostmarkEmulator(options.postmark);
  const mailgun = createMailgunEmulator({ domains: [EMULATED_SENDING_DOMAIN], ...options.mailgun });
  const doh = createDohEmulator(options.doh);
  const urls = {
    hubspot: await hubspot.server.listen(options.ports?.hubspot ?? 0),
    salesforce: await salesforce.server.listen(options.ports?.salesforce ?? 0),
    slack: await slack.server.listen(options.ports?.slack ?? 0),
    postmark: await postmark.server.listen(options.ports?.postmark ?? 0),
    mailgun: await mailgun.server.listen(options.ports?.mailgun ?? 0),
    doh: await doh.server.listen(options.ports?.doh ?? 0),
  };
  if (options.unref) for (const e of [hubspot, salesforce, slack, postmark, mailgun, doh]) e.server.unref();
  return {
    hubspot,
    salesforce,
    slack,
    postmark,
    mailgun,
    doh,
    urls,
    async close() {
      await Promise.all([hubspot.close(), salesforce.close(), slack.close(), postmark.close(), mailgun.close(), doh.close()]);
    },
  };
}
