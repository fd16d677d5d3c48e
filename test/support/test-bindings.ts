/** Secrets and vars the tests run with (values are test-only). */
export const TEST_BINDINGS = {
  ADMIN_TOKEN: "test-admin-token-0123456789",
  HUBSPOT_CLIENT_SECRET: "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
  HUBSPOT_APP_ID: "54321",
  // The HubSpot emulator's portal.
  HUBSPOT_PORTAL_ID: "62515",
  HUBSPOT_ACCEPT_LEGACY_SIGNATURES: "false",
  SALESFORCE_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  SALESFORCE_OUTBOUND_TOKEN: "test-outbound-token-0123456789",
  // The token before the current one, during a rotation.
  SALESFORCE_OUTBOUND_TOKEN_PREVIOUS: "test-outbound-token-previous-0123",
  SALESFORCE_ORG_ID: "00D5g000004ExmplEAA",
  SALESFORCE_INTEGRATION_USER_ID: "0055g00000IntegAAA",
  PUBLIC_BASE_URL: "",
  ENABLE_BENCH_ROUTES: "true",
  PAUSE_RECORD_DELIVERY: "false",
  PAUSE_INTAKE_PROCESSING: "false",
  HUBSPOT_ACCESS_TOKEN: "hubspot-dev-token",
  // The HubSpot emulator's app: client credentials read the webhooks journal.
  HUBSPOT_CLIENT_ID: "hubspot-dev-client-id",
  // Both ways of signing in are set, as an admin moving to the app would have them: the app's client credentials win.
  SALESFORCE_ACCESS_TOKEN: "salesforce-dev-token",
  SALESFORCE_CLIENT_ID: "salesforce-dev-client",
  SALESFORCE_CLIENT_SECRET: "salesforce-dev-client-secret",
  SLACK_BOT_TOKEN: "xoxb-dev-token",
  SLACK_SIGNING_SECRET: "test-slack-signing-secret",
  POSTMARK_INBOUND_USERNAME: "postmark",
  POSTMARK_INBOUND_PASSWORD: "test-postmark-password",
  MAILGUN_SIGNING_KEY: "test-mailgun-signing-key",
  HUBSPOT_RATE_LIMIT: "100/10s",
  // The whole of the emulated portal's limit: tests other than the quota share's pace as before.
  CRM_QUOTA_SHARE: "1",
  SALESFORCE_RATE_LIMIT: "25/1s",
  SLACK_RATE_LIMIT: "20/20s",
  EFFECT_MAX_ATTEMPTS: "5",
  // Production waits 1 s, 5 s, 200 ms and 1 s; the tests' outages and bursts need no wall-clock time to pass.
  EFFECT_RETRY_BASE_MS: "50",
  SUBMISSION_RETRY_BASE_MS: "0",
  CONSENT_POLL_MS: "10",
  PROJECTION_DELAY_MS: "10",
  // Cloudflare's documented test secret that always passes; tests answer siteverify with a stand-in.
  TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA",
  TURNSTILE_SITEVERIFY_URL: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
  TURNSTILE_SCRIPT_URL: "https://challenges.cloudflare.com/turnstile/v0/api.js",
  ENABLE_EXAMPLE_FORMS: "true",
  // Cadence emails go to the Postmark emulator (the URL is the emulator's; see vitest.config.ts).
  EMAIL_PROVIDER: "postmark",
  EMAIL_SENDING_DOMAIN: "mail.example.com",
  EMAIL_REPLY_TO: "replies@mail.example.com",
  EMAIL_LINKS_BASE_URL: "https://leads.example.com",
  UNSUBSCRIBE_SIGNING_KEY: "test-unsubscribe-signing-key-0123456789abcdef",
  POSTMARK_SERVER_TOKEN: "postmark-dev-server-token",
  POSTMARK_MESSAGE_STREAM: "outbound",
  MAILGUN_API_KEY: "mailgun-dev-api-key",
  MAILGUN_DOMAIN: "mail.example.com",
  EMAIL_RATE_LIMIT: "50/1s",
  DISABLE_INTAKE_RATE_LIMITS: "false",
} as const;
