import { createApp } from "./http/app";

export { LeadAgent } from "./lead/lead-agent";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
