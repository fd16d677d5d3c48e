import { type Config, loadConfig, salesforceAuth } from "./env/config";
import type { CrmPort } from "./crm/crm-port";
import type { Ports } from "./env/ports";
import { HubSpotCrm } from "./crm/hubspot-crm";
import { SalesforceCrm } from "./crm/salesforce-crm";
import { holdPeople, releasePeople } from "./storage/consent-write-holds";
import { effectStates, supersededReassignments, unsettledEffectIds } from "./storage/effects";
import { leadWritesDied } from "./intake/dead-submissions";
import { intakeReports, noteSubmissionsWritten } from "./intake/record-reports";
import { legacyTaskIds } from "./storage/legacy-task-keys";
import { enqueueForRecords } from "./records/record-inbox";
import type { ConsumerDeps } from "./outbox/effect-queue";
import { EFFECT_CLAIM_MS, enqueueEffects } from "./outbox/effect-queue";
import type { Executors } from "./outbox/effect-executors";
import { pacer } from "./pacing/pacer";
import { hubspotObservation, salesforceObservation } from "./pacing/quota-share";
import type { Quota } from "./pacing/quota";
import { DEFAULT_RETRY_POLICY } from "./outbox/retry-policy";
import { type Clock, systemClock } from "./platform/clock";
import { SlackNotifier } from "./slack/slack-notifier";
import { DohResolver } from "./dns/doh-resolver";
import type { EmailSender } from "./email/email-port";
import { MailgunSender } from "./email/mailgun-sender";
import { PostmarkSender } from "./email/postmark-sender";
import { emailSending } from "./outreach/send-emails";
import { verifyAddress, verifyAddresses } from "./outreach/verify-address";
import type { CalendarPort } from "./calendar/calendar-port";
import { GoogleCalendar } from "./calendar/google-calendar";
import { HubSpotMeetings } from "./calendar/hubspot-meetings";
import { MicrosoftCalendar } from "./calendar/microsoft-calendar";
import type { CalendarProvider } from "./core/policy/booking-policy";

/** The ports, and what the effects queue consumer runs with (the outbox's own, built here with the rest). */
export interface WorkerPorts extends Ports {
  readonly consumer: ConsumerDeps;
}

const built = new WeakMap<Env, WorkerPorts>();

export function portsFor(env: Env, clock: Clock = systemClock): WorkerPorts {
  const cached = clock === systemClock ? built.get(env) : undefined;
  if (cached) return cached;
  const ports = buildPorts(env, loadConfig(env), clock);
  if (clock === systemClock) built.set(env, ports);
  return ports;
}

function buildPorts(env: Env, config: Config, clock: Clock): WorkerPorts {
  const crms = new Map<string, CrmPort | undefined>();
  const sfAuth = salesforceAuth(config);
  // A stub per call: clients outlive the request that made them, stubs need not.
  // Only a CRM account is shared with other apps. Slack's limits and the email send rate
  // (EMAIL_RATE_LIMIT: already the product's own part of the provider's rate) take no share.
  const paced = (target: string) =>
    pacer(
      { acquire: (quota, options) => env.RATE_LIMITER.getByName(target).acquire(quota, options) },
      quotaOf(config, target),
      clock,
      target === "slack" || target === "email" ? undefined : config.CRM_QUOTA_SHARE,
    );

  const crm = (target: string): CrmPort | undefined => {
    if (crms.has(target)) return crms.get(target);
    let port: CrmPort | undefined;
    if (target.startsWith("hubspot:") && config.HUBSPOT_ACCESS_TOKEN) {
      const pace = paced(target);
      port = new HubSpotCrm({
        accessToken: config.HUBSPOT_ACCESS_TOKEN,
        basePath: config.HUBSPOT_API_BASE,
        // Each call is counted until it ends, when it has certainly reached HubSpot: a window of
        // calls at HubSpot then never holds more than the share, however loaded the way there.
        beforeCall: pace.untilEnd,
        // A refused call's headers say the window is spent, which its Retry-After already handles.
        onAnswer: (status, headers) => {
          if (status < 300) pace.observe(hubspotObservation(headers, clock.now()));
        },
        // Fresh reads of records close together share one batch read, made by the portal's batcher.
        readThrough: (objectType, objectId, properties) => env.CRM_READS.getByName(target).read(target, objectType, objectId, properties),
        now: clock.now,
      });
    } else if (target.startsWith("salesforce:") && sfAuth && config.SALESFORCE_INSTANCE_URL) {
      const pace = paced(target);
      port = new SalesforceCrm({
        auth: sfAuth,
        instanceUrl: config.SALESFORCE_INSTANCE_URL,
        beforeCall: pace,
        onLimitInfo: (apiUsage) => pace.observe(salesforceObservation(apiUsage, clock.now())),
        now: clock.now,
      });
    }
    crms.set(target, port);
    return port;
  };
  let notifier: SlackNotifier | undefined;
  const slack = () => {
    if (!config.SLACK_BOT_TOKEN) return undefined;
    notifier ??= new SlackNotifier({ botToken: config.SLACK_BOT_TOKEN, apiBase: config.SLACK_API_BASE, beforeCall: paced("slack"), now: clock.now });
    return notifier;
  };
  const resolver = config.report.features.emailVerification.state === "on" ? new DohResolver({ url: config.DOH_URL }) : undefined;
  const verifyEmail = (address: string) => verifyAddress({ db: env.DB, resolver, now: () => new Date(clock.now()) }, address);
  const sender = emailSenderOf(config, paced("email"), clock);
  const calendars = new Map<CalendarProvider, CalendarPort | undefined>();
  const calendar = (provider: CalendarProvider): CalendarPort | undefined => {
    if (calendars.has(provider)) return calendars.get(provider);
    let port: CalendarPort | undefined;
    if (provider === "google" && config.GOOGLE_SERVICE_ACCOUNT_KEY) {
      port = new GoogleCalendar({ key: config.GOOGLE_SERVICE_ACCOUNT_KEY, apiBase: config.GOOGLE_CALENDAR_API_BASE, now: clock.now });
    } else if (provider === "microsoft" && config.MICROSOFT_TENANT_ID && config.MICROSOFT_CLIENT_ID && config.MICROSOFT_CLIENT_SECRET) {
      port = new MicrosoftCalendar({
        tenantId: config.MICROSOFT_TENANT_ID,
        clientId: config.MICROSOFT_CLIENT_ID,
        clientSecret: config.MICROSOFT_CLIENT_SECRET,
        graphBase: config.MICROSOFT_GRAPH_API_BASE,
        loginBase: config.MICROSOFT_LOGIN_BASE,
        now: clock.now,
      });
    } else if (provider === "hubspot" && config.HUBSPOT_ACCESS_TOKEN && config.HUBSPOT_PORTAL_ID) {
      // The scheduler shares the portal's quota with the CRM writes: paced with them.
      port = new HubSpotMeetings({
        accessToken: config.HUBSPOT_ACCESS_TOKEN,
        basePath: config.HUBSPOT_API_BASE,
        beforeCall: paced(`hubspot:${config.HUBSPOT_PORTAL_ID}`),
        now: clock.now,
      });
    }
    calendars.set(provider, port);
    return port;
  };
  const executors: Executors = {
    now: clock.now,
    crm,
    slack,
    unsettledTasks: (ids) => unsettledEffectIds(env.DB, ids),
    legacyTaskIds: (leadKeys) => legacyTaskIds(env.DB, leadKeys),
    deliverEvents: (events) => enqueueForRecords(env, events),
    submissionsWritten: (written) => noteSubmissionsWritten(env.DB, written, new Date(clock.now())),
    supersededReassignments: (ids) => supersededReassignments(env.DB, ids),
    effectStates: (ids) => effectStates(env.DB, ids),
    sleep: clock.sleep,
    leadWritePollMs: config.CONSENT_POLL_MS,
    intake: intakeReports(env.DB, {
      now: () => new Date(clock.now()),
      storeEffects: (requests) => enqueueEffects(env, requests, new Date(clock.now())),
    }),
    email: emailSending({
      db: env.DB,
      sender,
      config:
        sender && config.EMAIL_SENDING_DOMAIN && config.EMAIL_REPLY_TO && config.UNSUBSCRIBE_SIGNING_KEY && config.EMAIL_LINKS_BASE_URL
          ? {
              sendingDomain: config.EMAIL_SENDING_DOMAIN,
              replyTo: config.EMAIL_REPLY_TO,
              linkBase: config.EMAIL_LINKS_BASE_URL,
              unsubscribeKey: config.UNSUBSCRIBE_SIGNING_KEY,
            }
          : undefined,
      now: () => new Date(clock.now()),
      random: Math.random,
      storeEffects: (requests) => enqueueEffects(env, requests, new Date(clock.now())),
      verifyMany: (addresses) => verifyAddresses({ db: env.DB, resolver, now: () => new Date(clock.now()) }, addresses),
    }),
    holdConsentPeople: async (people) => {
      const holder = crypto.randomUUID();
      const now = clock.now();
      // As long as the effects' own claim and a minute more: a run still writing keeps it; only a dead run's lapses.
      const held = await holdPeople(env.DB, people, holder, new Date(now), new Date(now + EFFECT_CLAIM_MS + 60_000));
      return { held, release: () => releasePeople(env.DB, holder) };
    },
  };
  return {
    config,
    clock,
    random: Math.random,
    crm,
    slack,
    calendar,
    route: (teamId, request) => env.TEAM_ROUTER.getByName(teamId).route(request),
    previewRoute: (teamId, request) => env.TEAM_ROUTER.getByName(teamId).preview(request),
    legacyTaskIds: (leadKeys) => legacyTaskIds(env.DB, leadKeys),
    storeEffects: (requests, options) => enqueueEffects(env, requests, new Date(clock.now()), options),
    verifyEmail,
    consumer: {
      executors,
      policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: config.EFFECT_MAX_ATTEMPTS, baseDelayMs: config.EFFECT_RETRY_BASE_MS },
      random: Math.random,
      now: () => new Date(clock.now()),
      sleep: clock.sleep,
      pauseTarget: (target, until) => env.RATE_LIMITER.getByName(target).pauseUntil(until),
      effectsDied: (dead) => leadWritesDied(env.DB, dead, new Date(clock.now())),
    },
  };
}

/**
 * The provider cadence emails go out through, paced by its send rate (EMAIL_PROVIDER, else the
 * one whose credentials are set); undefined when cadence emails are off.
 */
function emailSenderOf(config: Config, beforeSend: () => Promise<void>, clock: Clock): EmailSender | undefined {
  if (config.report.features.emailSending.state !== "on") return undefined;
  const provider = config.EMAIL_PROVIDER ?? (config.POSTMARK_SERVER_TOKEN ? "postmark" : "mailgun");
  if (provider === "postmark" && config.POSTMARK_SERVER_TOKEN) {
    return new PostmarkSender({
      serverToken: config.POSTMARK_SERVER_TOKEN,
      apiBase: config.POSTMARK_API_BASE,
      messageStream: config.POSTMARK_MESSAGE_STREAM,
      beforeSend,
      now: clock.now,
    });
  }
  if (provider === "mailgun" && config.MAILGUN_API_KEY && config.MAILGUN_DOMAIN) {
    return new MailgunSender({
      apiKey: config.MAILGUN_API_KEY,
      domain: config.MAILGUN_DOMAIN,
      apiBase: config.MAILGUN_API_BASE,
      beforeSend,
      now: clock.now,
    });
  }
  return undefined;
}

function quotaOf(config: Config, target: string): Quota {
  // A send rate of a few dozen a second cannot spare the CRMs' half-second margin per window.
  if (target === "email") return { ...config.EMAIL_RATE_LIMIT, marginMs: Math.min(500, Math.ceil(config.EMAIL_RATE_LIMIT.windowMs / 20)) };
  if (target.startsWith("hubspot:")) return config.HUBSPOT_RATE_LIMIT;
  if (target.startsWith("salesforce:")) return config.SALESFORCE_RATE_LIMIT;
  return config.SLACK_RATE_LIMIT;
}
