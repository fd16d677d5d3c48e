/** Secrets and vars the tests run with (values are test-only). */
export const TEST_BINDINGS = {
  ADMIN_TOKEN: "test-admin-token-0123456789",
  HUBSPOT_CLIENT_SECRET: "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
  HUBSPOT_APP_ID: "54321",
  HUBSPOT_ACCEPT_LEGACY_SIGNATURES: "false",
  SALESFORCE_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  SALESFORCE_OUTBOUND_TOKEN: "test-outbound-token-0123456789",
  SALESFORCE_ORG_ID: "00D5g000004ExmplEAA",
  SALESFORCE_INTEGRATION_USER_ID: "0055g00000IntegAAA",
  PUBLIC_BASE_URL: "",
  ENABLE_BENCH_ROUTES: "true",
  PAUSE_RECORD_DELIVERY: "false",
} as const;
