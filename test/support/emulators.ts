import { env } from "cloudflare:workers";

/** Control endpoints of the emulators the Worker under test talks to (see vitest.config.ts). */
export async function control(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(base + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

export const hubspotEmulator = {
  objects: (type: string) => control(env.HUBSPOT_API_BASE, "GET", `/_emulator/objects/${type}`),
  calls: () => control(env.HUBSPOT_API_BASE, "GET", "/_emulator/calls"),
  /** Every address's communication preference statuses. */
  preferences: (): Promise<{ recipient: string; subscriptionStatuses: any[] }[]> => control(env.HUBSPOT_API_BASE, "GET", "/_emulator/preferences"),
  clearCalls: () => control(env.HUBSPOT_API_BASE, "DELETE", "/_emulator/calls"),
  /** Starts the rate-limit windows over (the data stays). */
  resetLimits: () => control(env.HUBSPOT_API_BASE, "DELETE", "/_emulator/limits"),
  faults: (plan: object) => control(env.HUBSPOT_API_BASE, "PUT", "/_emulator/faults", plan),
  uiCreate: (type: string, properties: Record<string, string>) => control(env.HUBSPOT_API_BASE, "POST", `/_emulator/ui/${type}`, { properties }),
  uiUpdate: (type: string, id: string, properties: Record<string, string>) =>
    control(env.HUBSPOT_API_BASE, "PATCH", `/_emulator/ui/${type}/${id}`, { properties }),
  uiDelete: (type: string, id: string) => control(env.HUBSPOT_API_BASE, "DELETE", `/_emulator/ui/${type}/${id}`),
  webhooks: () => control(env.HUBSPOT_API_BASE, "GET", "/_emulator/webhooks"),
  /** Adds portal validation rules the API cannot set (conditionally required properties). */
  addValidationRules: (rules: object) => control(env.HUBSPOT_API_BASE, "POST", "/_emulator/validation-rules", rules),
  /** Drops every validation rule added since the emulator started. */
  clearValidationRules: () => control(env.HUBSPOT_API_BASE, "DELETE", "/_emulator/validation-rules"),
  /** Forgets the calls of the portal's rate-limit window, as ten quiet seconds would. */
  quietWindow: () => control(env.HUBSPOT_API_BASE, "DELETE", "/_emulator/rate-limit"),
  /** Forgets the webhooks journal's entries. */
  clearJournal: () => control(env.HUBSPOT_API_BASE, "DELETE", "/_emulator/journal"),
  /** From when the numeric (v3/v4) paths answer 410 (ISO instant, or null: served for ever). */
  retire: (at: string | null) => control(env.HUBSPOT_API_BASE, "PUT", "/_emulator/retirement", { at }),
  /** Returns and forgets the emulator's answers that broke HubSpot's OpenAPI documents. */
  openApiProblems: (): Promise<string[]> => control(env.HUBSPOT_API_BASE, "GET", "/_emulator/openapi"),
};

export const salesforceEmulator = {
  records: (sobject: string) => control(env.SALESFORCE_INSTANCE_URL, "GET", `/_emulator/records/${sobject}`),
  calls: () => control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/calls"),
  clearCalls: () => control(env.SALESFORCE_INSTANCE_URL, "DELETE", "/_emulator/calls"),
  /** Starts the rate-limit windows over (the data stays). */
  resetLimits: () => control(env.SALESFORCE_INSTANCE_URL, "DELETE", "/_emulator/limits"),
  faults: (plan: object) => control(env.SALESFORCE_INSTANCE_URL, "PUT", "/_emulator/faults", plan),
  uiCreate: (sobject: string, fields: Record<string, unknown>) => control(env.SALESFORCE_INSTANCE_URL, "POST", `/_emulator/ui/${sobject}`, fields),
  uiUpdate: (sobject: string, id: string, fields: Record<string, unknown>) =>
    control(env.SALESFORCE_INSTANCE_URL, "PATCH", `/_emulator/ui/${sobject}/${id}`, fields),
  webhooks: () => control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/webhooks"),
  /** Ends every session the client credentials flow issued, as Salesforce's session timeout does. */
  expireSessions: () => control(env.SALESFORCE_INSTANCE_URL, "POST", "/_emulator/sessions/expire"),
};

export const slackEmulator = {
  messages: () => control(env.SLACK_API_BASE, "GET", "/_emulator/messages"),
  responses: () => control(env.SLACK_API_BASE, "GET", "/_emulator/responses"),
  calls: () => control(env.SLACK_API_BASE, "GET", "/_emulator/calls"),
  clearCalls: () => control(env.SLACK_API_BASE, "DELETE", "/_emulator/calls"),
  /** Starts the rate-limit windows over (the data stays). */
  resetLimits: () => control(env.SLACK_API_BASE, "DELETE", "/_emulator/limits"),
  faults: (plan: object) => control(env.SLACK_API_BASE, "PUT", "/_emulator/faults", plan),
  /** chat.postMessage's per-channel limit and how a limited post is answered ({} restores the defaults). */
  postLimits: (plan: object) => control(env.SLACK_API_BASE, "PUT", "/_emulator/post_limits", plan),
  /** The response_url Slack would put in a block_actions payload for a click on that message. */
  responseUrl: async (channel: string, messageTs: string): Promise<string> =>
    (await control(env.SLACK_API_BASE, "POST", "/_emulator/response_urls", { channel, message_ts: messageTs })).response_url,
};

export const googleEmulator = {
  /** Every event with its calendar, origin (api: the Worker made it) and the emails Google would have sent. */
  events: (calendarId?: string): Promise<any[]> =>
    control(env.GOOGLE_CALENDAR_API_BASE, "GET", `/_emulator/events${calendarId ? `?calendarId=${encodeURIComponent(calendarId)}` : ""}`),
  /** Busy blocks in a user's calendar (local times in timeZone, or with an offset). */
  busy: (calendarId: string, blocks: object | object[]) =>
    control(env.GOOGLE_CALENDAR_API_BASE, "POST", `/_emulator/calendars/${encodeURIComponent(calendarId)}/busy`, blocks),
  users: (users: object | object[]) => control(env.GOOGLE_CALENDAR_API_BASE, "POST", "/_emulator/users", users),
  calls: (): Promise<any[]> => control(env.GOOGLE_CALENDAR_API_BASE, "GET", "/_emulator/calls"),
  clearCalls: () => control(env.GOOGLE_CALENDAR_API_BASE, "DELETE", "/_emulator/calls"),
  faults: (plan: object) => control(env.GOOGLE_CALENDAR_API_BASE, "PUT", "/_emulator/faults", plan),
  reset: () => control(env.GOOGLE_CALENDAR_API_BASE, "POST", "/_emulator/reset"),
};

export const graphEmulator = {
  events: (user?: string): Promise<any[]> =>
    control(env.MICROSOFT_GRAPH_API_BASE, "GET", `/_emulator/events${user ? `?user=${encodeURIComponent(user)}` : ""}`),
  busy: (user: string, blocks: object | object[]) =>
    control(env.MICROSOFT_GRAPH_API_BASE, "POST", `/_emulator/users/${encodeURIComponent(user)}/busy`, blocks),
  users: (users: object | object[]) => control(env.MICROSOFT_GRAPH_API_BASE, "POST", "/_emulator/users", users),
  calls: (): Promise<any[]> => control(env.MICROSOFT_GRAPH_API_BASE, "GET", "/_emulator/calls"),
  faults: (plan: object) => control(env.MICROSOFT_GRAPH_API_BASE, "PUT", "/_emulator/faults", plan),
  reset: () => control(env.MICROSOFT_GRAPH_API_BASE, "POST", "/_emulator/reset"),
};

export const schedulerEmulator = {
  links: (): Promise<any[]> => control(env.HUBSPOT_API_BASE, "GET", "/_emulator/scheduler/links"),
  addLinks: (links: object | object[]) => control(env.HUBSPOT_API_BASE, "POST", "/_emulator/scheduler/links", links),
  busy: (blocks: object | object[]) => control(env.HUBSPOT_API_BASE, "POST", "/_emulator/scheduler/busy", blocks),
  bookings: (): Promise<any[]> => control(env.HUBSPOT_API_BASE, "GET", "/_emulator/scheduler/bookings"),
};
