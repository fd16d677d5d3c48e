import { createDohEmulator, type DohEmulator, type DohEmulatorOptions } from "./doh/index.ts";
import { createMailgunEmulator, type MailgunEmulator, type MailgunEmulatorOptions } from "./mailgun/index.ts";
import { createPostmarkEmulator, type PostmarkEmulator, type PostmarkEmulatorOptions } from "./postmark/index.ts";
import {
  createGoogleCalendarEmulator,
  createTestServiceAccount,
  type GoogleCalendarEmulator,
  type GoogleCalendarEmulatorOptions,
  type ServiceAccountKeyFile,
} from "./google-calendar/index.ts";
import { createHubSpotEmulator, DEFAULT_OWNERS, type HubSpotEmulator, type HubSpotEmulatorOptions } from "./hubspot/index.ts";
import { createMicrosoftGraphEmulator, type MicrosoftGraphEmulator, type MicrosoftGraphEmulatorOptions } from "./microsoft-graph/index.ts";
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
  google: GoogleCalendarEmulator;
  microsoft: MicrosoftGraphEmulator;
  /** The service account the Google emulator trusts, its token_uri pointing there: the Worker's GOOGLE_SERVICE_ACCOUNT_KEY. */
  googleKey: ServiceAccountKeyFile;
  urls: { hubspot: string; salesforce: string; slack: string; postmark: string; mailgun: string; doh: string; google: string; microsoft: string };
  close(): Promise<void>;
}

export interface EmulatorsOptions {
  ports?: {
    hubspot?: number;
    salesforce?: number;
    slack?: number;
    postmark?: number;
    mailgun?: number;
    doh?: number;
    google?: number;
    microsoft?: number;
  };
  hubspot?: HubSpotEmulatorOptions;
  salesforce?: SalesforceEmulatorOptions;
  slack?: SlackEmulatorOptions;
  postmark?: PostmarkEmulatorOptions;
  mailgun?: MailgunEmulatorOptions;
  doh?: DohEmulatorOptions;
  google?: GoogleCalendarEmulatorOptions;
  microsoft?: MicrosoftGraphEmulatorOptions;
  /** The Google service account's key (`npm run dev` keeps one in .dev.vars); default a fresh one. */
  googleKey?: ServiceAccountKeyFile;
  /** Let the process exit while they run (tests). */
  unref?: boolean;
}

/** The domain-wide delegation a Workspace admin gives the booking service account. */
const CALENDAR_SCOPES = ["https://www.googleapis.com/auth/calendar"];

/**
 * The reps' calendars: the HubSpot owners' addresses (who the default policy's reps are), in
 * their zones, on Google Workspace and on Microsoft 365 alike (the policy says which serves whom).
 */
const ZONES = ["America/New_York", "Europe/London"];
const GOOGLE_USERS = DEFAULT_OWNERS.map((o, i) => ({
  email: o.email!,
  timeZone: ZONES[i] ?? "America/New_York",
  name: `${o.firstName} ${o.lastName}`,
}));
const GRAPH_USERS = DEFAULT_OWNERS.map((o, i) => ({
  userPrincipalName: o.email!,
  timeZone: ZONES[i] ?? "America/New_York",
  displayName: `${o.firstName} ${o.lastName}`,
}));

/**
 * Starts the HubSpot, Salesforce, Slack, Postmark, Mailgun, DNS-over-HTTPS, Google Calendar and
 * Microsoft Graph emulators: `npm run dev` and the tests share this (ports 0: any free port).
 */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const hubspot = createHubSpotEmulator(options.hubspot);
  const salesforce = createSalesforceEmulator(options.salesforce);
  const slack = createSlackEmulator(options.slack);
  const postmark = createPostmarkEmulator(options.postmark);
  const mailgun = createMailgunEmulator({ domains: [EMULATED_SENDING_DOMAIN], ...options.mailgun });
  const doh = createDohEmulator(options.doh);
  // A key made now (or the one given): the emulator trusts its public half, the Worker signs with the private.
  const account = options.googleKey ? undefined : await createTestServiceAccount({ delegatedScopes: CALENDAR_SCOPES });
  const key = options.googleKey ?? account!.keyFile;
  const publicKeyPem = account ? account.account.publicKeyPem : await publicHalf(key);
  const google = createGoogleCalendarEmulator({
    users: GOOGLE_USERS,
    ...options.google,
    serviceAccounts: [
      { clientEmail: key.client_email, publicKeyPem, privateKeyId: key.private_key_id, delegatedScopes: CALENDAR_SCOPES },
      ...(options.google?.serviceAccounts ?? []),
    ],
  });
  const microsoft = createMicrosoftGraphEmulator({ users: GRAPH_USERS, ...options.microsoft });
  const urls = {
    hubspot: await hubspot.server.listen(options.ports?.hubspot ?? 0),
    salesforce: await salesforce.server.listen(options.ports?.salesforce ?? 0),
    slack: await slack.server.listen(options.ports?.slack ?? 0),
    postmark: await postmark.server.listen(options.ports?.postmark ?? 0),
    mailgun: await mailgun.server.listen(options.ports?.mailgun ?? 0),
    doh: await doh.server.listen(options.ports?.doh ?? 0),
    google: await google.server.listen(options.ports?.google ?? 0),
    microsoft: await microsoft.server.listen(options.ports?.microsoft ?? 0),
  };
  if (options.unref) for (const e of [hubspot, salesforce, slack, postmark, mailgun, doh, google, microsoft]) e.server.unref();
  return {
    hubspot,
    salesforce,
    slack,
    postmark,
    mailgun,
    doh,
    google,
    microsoft,
    googleKey: { ...key, token_uri: google.tokenUrl() },
    urls,
    async close() {
      await Promise.all([
        hubspot.close(),
        salesforce.close(),
        slack.close(),
        postmark.close(),
        mailgun.close(),
        doh.close(),
        google.close(),
        microsoft.close(),
      ]);
    },
  };
}

/** The SPKI public key of a key file's private key. */
async function publicHalf(keyFile: ServiceAccountKeyFile): Promise<string> {
  const { createPublicKey } = await import("node:crypto");
  return createPublicKey(keyFile.private_key).export({ type: "spki", format: "pem" }).toString();
}
