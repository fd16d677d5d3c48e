/**
 * `npm run tour`: the local walkthroughs as one script, against a running `npm run dev` (the Worker
 * at http://127.0.0.1:8787, the emulators on 8790–8793, the tokens of .dev.vars). It compresses the
 * policy's thresholds from days into seconds through the admin API, plays the people (a rep in the
 * HubSpot and Salesforce UI, a click in Slack, a lead's reply, a form post), and after each step
 * checks what the Worker did by asking the CRMs, Slack and the admin API, as a person would.
 *
 * Each step prints one numbered line (what it did → what it saw) and the details under it. A wait
 * polls for the expected state until a deadline instead of sleeping; the first step whose
 * expectation fails ends the tour with exit code 1 and says what it expected and what it saw.
 * Every run uses new addresses, so the tour runs again against the same `npm run dev`; at the end
 * (or on a failure) the policy it found is saved back as a new version.
 */
import { readVars } from "./local-env.ts";

const root = new URL("..", import.meta.url).pathname;
const vars = readVars(`${root}.dev.vars`);
const WORKER = `http://127.0.0.1:${process.env.DEV_WORKER_PORT ?? "8787"}`;
const HUBSPOT = vars.HUBSPOT_API_BASE ?? "http://127.0.0.1:8790";
const SALESFORCE = vars.SALESFORCE_INSTANCE_URL ?? "http://127.0.0.1:8791";
const SLACK = vars.SLACK_API_BASE ?? "http://127.0.0.1:8792";
const PORTAL = vars.HUBSPOT_PORTAL_ID ?? "62515";
const ORG = vars.SALESFORCE_ORG_ID ?? "00D5g000004ExmplEAA";

/** The emulators' two reps, who the default policy's `alex` and `sam` are. */
const ALEX = { name: "Alex Rivera", hubspot: "84213371", salesforce: "0055g00000RepOnAAA", dm: "D05REPONE01" };
const SAM = { name: "Sam Chen", hubspot: "84213372", salesforce: "0055g00000RepTwAAA", dm: "D05REPTWO02" };

/** A tag for this run's people, so the tour can run again against the same emulators (HubSpot's emails are unique). */
const RUN = Date.now().toString(36).slice(-4);

class TourFailure extends Error {}

const started = Date.now();
let stepNumber = 0;
const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** One numbered step: runs it, prints its line and details; a failure ends the tour. */
async function step(title: string, run: () => Promise<{ saw: string; details?: string[] }>): Promise<void> {
  const n = ++stepNumber;
  const t0 = Date.now();
  const { saw, details = [] } = await run().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    throw new TourFailure(`step ${n} (${title}) failed after ${seconds(Date.now() - t0)}: ${message}`);
  });
  console.log(`${String(n).padStart(2)}. ${title} → ${saw}`);
  for (const line of details) console.log(`      ${line}`);
}

function section(title: string) {
  console.log(`\n${title}`);
}

interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  expect?: number[];
  /** A 404 answers undefined instead of failing (a record the Worker has not heard of yet). */
  notFound?: "undefined";
}

/** One HTTP call; an answer whose status is not expected fails the step with the body it got. */
async function call<T = any>(url: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const response = await fetch(url, { method, headers, body }).catch((error: Error & { cause?: Error }) => {
    throw new TourFailure(`${method} ${url}: ${error.cause?.message ?? error.message} (is \`npm run dev\` running?)`);
  });
  const text = await response.text();
  if (response.status === 404 && options.notFound) return undefined as T;
  const expected = options.expect ?? [200, 201, 202];
  if (!expected.includes(response.status))
    throw new Error(`${method} ${url} answered ${response.status}, expected ${expected.join(" or ")}: ${text.slice(0, 400)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Polls `probe` every half second until it returns something other than undefined, or fails at the deadline with what it last saw. */
async function until<T>(what: string, deadlineS: number, probe: () => Promise<T | undefined>, lastSeen?: () => string): Promise<T> {
  const deadline = Date.now() + deadlineS * 1000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${deadlineS} s${lastSeen ? `; last seen: ${lastSeen()}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const admin = { authorization: `Bearer ${vars.ADMIN_TOKEN}` };
const hubspotApi = { authorization: `Bearer ${vars.HUBSPOT_ACCESS_TOKEN}` };
let salesforceApi: Record<string, string> = {};

/** Signs in to Salesforce as the Worker does (client credentials of .dev.vars). */
async function salesforceSignIn() {
  const token = await call(`${SALESFORCE}/services/oauth2/token`, {
    form: { grant_type: "client_credentials", client_id: vars.SALESFORCE_CLIENT_ID!, client_secret: vars.SALESFORCE_CLIENT_SECRET! },
  });
  salesforceApi = { authorization: `Bearer ${token.access_token}` };
}

interface AuditEntry {
  at: string;
  rule: string;
  outcome: string;
  reason: string;
  data?: Record<string, unknown>;
}

async function audit(recordKey: string): Promise<AuditEntry[]> {
  const lead = await call(`${WORKER}/admin/leads/${recordKey}`, { headers: admin, notFound: "undefined" });
  return (lead?.audit ?? []) as AuditEntry[];
}

/** Waits until the Worker has heard of the record (its webhook came and its record object stored it). */
async function untilKnown(recordKey: string, deadlineS: number): Promise<void> {
  await until(`the Worker to hear of ${recordKey}`, deadlineS, async () =>
    (await call(`${WORKER}/admin/leads/${recordKey}`, { headers: admin, notFound: "undefined" })) ? true : undefined,
  );
}

const auditLine = (a: AuditEntry) => `audit: ${a.rule} ${a.outcome}: ${a.reason}`;

/** Waits until the record's audit has an entry of `rule` with `outcome`; answers it and the audit so far. */
async function untilAudit(recordKey: string, rule: string, outcome: string, deadlineS: number) {
  let seen: AuditEntry[] = [];
  const entry = await until(
    `${rule} "${outcome}" in the audit of ${recordKey}`,
    deadlineS,
    async () => {
      seen = await audit(recordKey);
      return seen.find((a) => a.rule === rule && a.outcome === outcome);
    },
    () => seen.map((a) => `${a.rule} ${a.outcome}`).join(", ") || "no audit yet",
  );
  return { entry, audit: seen };
}

interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: { elements?: { action_id?: string }[] }[];
}

async function slackMessages(): Promise<SlackMessage[]> {
  return call(`${SLACK}/_emulator/messages`);
}

/** Waits for a Slack message posted after `since` messages, to `channel`, whose text has `words`. */
async function untilSlack(since: number, channel: string, words: string, deadlineS: number): Promise<SlackMessage> {
  let last: SlackMessage[] = [];
  return until(
    `Slack message to ${channel} with "${words}"`,
    deadlineS,
    async () => {
      last = (await slackMessages()).slice(since);
      return last.find((m) => m.channel === channel && m.text.includes(words));
    },
    () => last.map((m) => `${m.channel}: ${m.text}`).join(" | ") || "no new message",
  );
}

/** A text on one line, cut to `max` characters. */
const quote = (text: string, max = 110) => {
  const line = text.replace(/\s+/g, " ").trim();
  return `"${line.length > max ? `${line.slice(0, max - 1)}…` : line}"`;
};

interface HubSpotTask {
  id: string;
  properties: Record<string, string | null>;
}

/** The HubSpot tasks associated with a contact, oldest first, through the CRM's API. */
async function hubspotTasksOf(contactId: string): Promise<HubSpotTask[]> {
  const page = await call(
    `${HUBSPOT}/crm/v3/objects/tasks?limit=100&associations=contacts&properties=hs_task_subject,hs_task_status,hs_task_priority,hs_task_type,hubspot_owner_id,hs_task_body`,
    { headers: hubspotApi },
  );
  return (page.results as (HubSpotTask & { associations?: { contacts?: { results: { id: string }[] } } })[]).filter((t) =>
    (t.associations?.contacts?.results ?? []).some((a) => a.id === contactId),
  );
}

async function hubspotObject(type: string, id: string, properties: string[]) {
  return call(`${HUBSPOT}/crm/v3/objects/${type}/${id}?properties=${properties.join(",")}`, { headers: hubspotApi });
}

async function salesforceQuery(soql: string): Promise<any[]> {
  const answer = await call(`${SALESFORCE}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, { headers: salesforceApi });
  return answer.records;
}

async function salesforceRecord(sobject: string, id: string) {
  return call(`${SALESFORCE}/services/data/v62.0/sobjects/${sobject}/${id}`, { headers: salesforceApi });
}

type PolicyDocument = Record<string, any>;

async function savePolicy(policy: PolicyDocument): Promise<number> {
  const saved = await call(`${WORKER}/admin/policy`, { method: "PUT", headers: admin, json: policy });
  return saved.version;
}

async function activePolicy(): Promise<{ version: number; policy: PolicyDocument }> {
  return call(`${WORKER}/admin/policy`, { headers: admin });
}

const hubspotKey = (type: string, id: string) => `hubspot:${PORTAL}:${type}:${id}`;
const salesforceKey = (type: string, id: string) => `salesforce:${ORG}:${type}:${id}`;

async function main() {
  const health = await call(`${WORKER}/health`, { expect: [200, 503] });
  const original = await activePolicy();
  console.log(`Worker ${WORKER}: features on: ${health.on.join(", ")}; policy version ${original.version}`);
  await salesforceSignIn();
  try {
    await tour(original.policy);
  } finally {
    const version = await savePolicy(original.policy).catch((error: Error) => `not restored (${error.message})`);
    console.log(`\nThe policy the tour found is active again, as version ${version}.`);
  }
}

async function tour(found: PolicyDocument) {
  section("HubSpot: a stale hot lead is reassigned");

  await step("Policy: a lead is stale after 20 s without activity, a gated stage has 10 s to get its fields", async () => {
    const policy = structuredClone(found);
    policy.rules.staleLead.threshold = { duration: "PT20S", businessHours: false };
    policy.rules.stageGates.gracePeriod = { duration: "PT10S", businessHours: false };
    return { saw: `saved as version ${await savePolicy(policy)}` };
  });

  let ada = "";
  let slackMark = 0;
  await step(`A hot lead of ${ALEX.name}'s appears in HubSpot (score 80), as someone in the HubSpot UI makes it`, async () => {
    slackMark = (await slackMessages()).length;
    const contact = await call(`${HUBSPOT}/_emulator/ui/contacts`, {
      json: { properties: { email: `ada-${RUN}@example.com`, firstname: "Ada", hubspot_owner_id: ALEX.hubspot, lead_follow_up_score: "80" } },
    });
    ada = contact.id;
    const { entry } = await untilAudit(hubspotKey("contact", ada), "stale-lead", "clock started", 20);
    return { saw: `contact ${ada}; the Worker heard of it: stale-lead clock started, deadline ${entry.data?.deadline}` };
  });

  await step(`Nobody works it: the lead goes to ${SAM.name} with a HIGH task and a Slack DM`, async () => {
    const { entry, audit: entries } = await untilAudit(hubspotKey("contact", ada), "stale-lead", "reassigned", 60);
    if (entry.data?.to !== SAM.hubspot) throw new Error(`reassigned to ${entry.data?.to}, expected ${SAM.name} (${SAM.hubspot})`);
    const owner = await until(`owner ${SAM.hubspot} on contact ${ada} in HubSpot`, 30, async () => {
      const contact = await hubspotObject("contacts", ada, ["hubspot_owner_id"]);
      return contact.properties.hubspot_owner_id === SAM.hubspot ? contact.properties.hubspot_owner_id : undefined;
    });
    const task = await until(`a HIGH task for ${SAM.hubspot} on contact ${ada}`, 30, async () =>
      (await hubspotTasksOf(ada)).find((t) => t.properties.hs_task_priority === "HIGH" && t.properties.hubspot_owner_id === SAM.hubspot),
    );
    const dm = await untilSlack(slackMark, SAM.dm, "reassigned to you", 30);
    return {
      saw: `owner ${owner} (${SAM.name}) in HubSpot`,
      details: [
        `task ${task.properties.hs_task_priority} ${task.properties.hs_task_type} for ${task.properties.hubspot_owner_id}: ${quote(task.properties.hs_task_subject ?? "")}`,
        `Slack DM to ${SAM.name} (${dm.channel}): ${quote(dm.text)}`,
        ...entries.filter((a) => a.rule === "stale-lead").map(auditLine),
      ],
    };
  });

  section("HubSpot: a deal enters a gated stage without its required field");

  let deal = "";
  await step(`${ALEX.name} moves a deal to "contractsent" without hs_next_step: nudged in Slack at once`, async () => {
    const created = await call(`${HUBSPOT}/_emulator/ui/deals`, {
      json: { properties: { dealname: `Acme ${RUN}`, dealstage: "qualifiedtobuy", hubspot_owner_id: ALEX.hubspot, amount: "5000" } },
    });
    deal = created.id;
    await untilKnown(hubspotKey("deal", deal), 20);
    const messages = (await slackMessages()).length;
    await call(`${HUBSPOT}/_emulator/ui/deals/${deal}`, { method: "PATCH", json: { properties: { dealstage: "contractsent" } } });
    const nudge = await untilSlack(messages, ALEX.dm, `/record/0-3/${deal}`, 30);
    return { saw: `deal ${deal}; Slack DM to ${ALEX.name}: ${quote(nudge.text)}` };
  });

  await step("10 s later the stage goes back, Alex is told why, and the revert's own webhook is not gated again", async () => {
    const { audit: entries } = await untilAudit(hubspotKey("deal", deal), "stage-gate", "reverted", 40);
    const stage = await until(`deal ${deal} back in qualifiedtobuy`, 30, async () => {
      const current = await hubspotObject("deals", deal, ["dealstage"]);
      return current.properties.dealstage === "qualifiedtobuy" ? current.properties.dealstage : undefined;
    });
    const told = (await slackMessages()).filter((m) => m.channel === ALEX.dm && m.text.includes(`/record/0-3/${deal}`)).at(-1);
    return {
      saw: `dealstage ${stage} in HubSpot`,
      details: [`Slack DM to ${ALEX.name}: ${quote(told?.text ?? "(none)")}`, ...entries.filter((a) => a.rule === "stage-gate").map(auditLine)],
    };
  });

  section("Salesforce: the same two rules");

  let lead = "";
  await step(`A hot lead of ${ALEX.name}'s is created in Salesforce (Lead_Score__c 80); its change event reaches the Worker`, async () => {
    slackMark = (await slackMessages()).length;
    const created = await call(`${SALESFORCE}/_emulator/ui/Lead`, {
      json: {
        FirstName: "Ada",
        LastName: "Lovelace",
        Company: "Analytical Engines",
        Email: `ada-${RUN}@engines.example`,
        OwnerId: ALEX.salesforce,
        Lead_Score__c: "80",
      },
    });
    lead = created.id;
    const { entry } = await untilAudit(salesforceKey("lead", lead), "stale-lead", "clock started", 20);
    return { saw: `lead ${lead}; stale-lead clock started, deadline ${entry.data?.deadline}` };
  });

  await step(`20 s later the lead is ${SAM.name}'s, with a High task, and ${SAM.name} has a DM`, async () => {
    const { entry, audit: entries } = await untilAudit(salesforceKey("lead", lead), "stale-lead", "reassigned", 60);
    if (entry.data?.to !== SAM.salesforce) throw new Error(`reassigned to ${entry.data?.to}, expected ${SAM.name} (${SAM.salesforce})`);
    const owner = await until(`OwnerId ${SAM.salesforce} on lead ${lead}`, 30, async () => {
      const record = await salesforceRecord("Lead", lead);
      return record.OwnerId === SAM.salesforce ? record.OwnerId : undefined;
    });
    const task = await until(`a High task for ${SAM.salesforce} on lead ${lead}`, 30, async () =>
      (await salesforceQuery(`SELECT Subject, Priority, OwnerId FROM Task WHERE WhoId = '${lead}'`)).find(
        (t) => t.Priority === "High" && t.OwnerId === SAM.salesforce,
      ),
    );
    const dm = await untilSlack(slackMark, SAM.dm, "reassigned to you", 30);
    return {
      saw: `OwnerId ${owner} (${SAM.name}) in Salesforce`,
      details: [
        `Task ${task.Priority} for ${task.OwnerId}: ${quote(task.Subject)}`,
        `Slack DM to ${SAM.name}: ${quote(dm.text)}`,
        ...entries.filter((a) => a.rule === "stale-lead").map(auditLine),
      ],
    };
  });

  let opportunity = "";
  await step(`An opportunity moves to "Negotiation/Review" without NextStep: a nudge now, back to "Prospecting" 10 s later`, async () => {
    const created = await call(`${SALESFORCE}/_emulator/ui/Opportunity`, {
      json: { Name: `Analytical Engines ${RUN}`, StageName: "Prospecting", CloseDate: "2027-03-31", Amount: 5000, OwnerId: ALEX.salesforce },
    });
    opportunity = created.id;
    await untilKnown(salesforceKey("opportunity", opportunity), 20);
    const messages = (await slackMessages()).length;
    await call(`${SALESFORCE}/_emulator/ui/Opportunity/${opportunity}`, { method: "PATCH", json: { StageName: "Negotiation/Review" } });
    const nudge = await untilSlack(messages, ALEX.dm, opportunity, 30);
    const { audit: entries } = await untilAudit(salesforceKey("opportunity", opportunity), "stage-gate", "reverted", 40);
    const stage = await until(`opportunity ${opportunity} back in Prospecting`, 30, async () => {
      const record = await salesforceRecord("Opportunity", opportunity);
      return record.StageName === "Prospecting" ? record.StageName : undefined;
    });
    return {
      saw: `StageName ${stage} in Salesforce`,
      details: [`Slack DM to ${ALEX.name}: ${quote(nudge.text)}`, ...entries.filter((a) => a.rule === "stage-gate").map(auditLine)],
    };
  });

  section("A follow-up cadence, compressed from days into seconds");

  await step(
    "Policy: the inbound sales cadence with a step every 30 s at any hour, first touch after 5–10 s; stale leads back to 14 days",
    async () => {
      const policy = structuredClone(found);
      const cadences = policy.rules.cadences;
      cadences.firstTouchDelay = { min: "PT5S", max: "PT10S" };
      cadences.workingHours = { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" };
      const inbound = cadences.cadences.find((c: { id: string }) => c.id === "inbound-sales");
      inbound.steps.forEach((s: { offset: string | number }, i: number) => {
        s.offset = `PT${i * 30}S`;
      });
      return { saw: `saved as version ${await savePolicy(policy)}` };
    },
  );

  let jane = "";
  await step("Jane, a demo request from Berlin, arrives in HubSpot: enrolled, with her zone from the phone and every step's time", async () => {
    const contact = await call(`${HUBSPOT}/_emulator/ui/contacts`, {
      json: {
        properties: {
          email: `jane-${RUN}@example.com`,
          firstname: "Jane",
          company: "Acme",
          lead_source: "demo_request",
          hubspot_owner_id: ALEX.hubspot,
          phone: "+49 30 1234567",
        },
      },
    });
    jane = contact.id;
    const { entry } = await untilAudit(hubspotKey("contact", jane), "cadence", "enrolled", 20);
    if (entry.data?.cadence !== "inbound-sales") throw new Error(`enrolled in ${entry.data?.cadence}, expected inbound-sales`);
    if (entry.data?.zone !== "Europe/Berlin") throw new Error(`zone ${entry.data?.zone}, expected Europe/Berlin (from the phone)`);
    return { saw: `contact ${jane}; ${auditLine(entry)}`, details: ((entry.data?.steps ?? []) as string[]).map((s) => `step ${s}`) };
  });

  let firstTask: HubSpotTask | undefined;
  await step("5–10 s later: the first task in HubSpot and a Slack DM to Alex with buttons", async () => {
    firstTask = await until(`a task on contact ${jane}`, 40, async () => (await hubspotTasksOf(jane))[0]);
    const dm = await until(`a Slack DM to ${ALEX.name} with a "Mark done" button about Jane`, 20, async () =>
      (await slackMessages()).find(
        (m) => m.channel === ALEX.dm && m.text.includes("Jane") && JSON.stringify(m.blocks ?? []).includes('"cadence_done"'),
      ),
    );
    return {
      saw: `task ${firstTask.id} ${firstTask.properties.hs_task_type} ${firstTask.properties.hs_task_status}: ${quote(firstTask.properties.hs_task_subject ?? "", 70)}`,
      details: [`body ${quote(firstTask.properties.hs_task_body ?? "", 90)}`, `Slack DM to ${ALEX.name}: ${quote(dm.text)}`],
    };
  });

  await step(`${ALEX.name} clicks "Mark done" in Slack: the task is completed in HubSpot and the message replaced`, async () => {
    const dm = (await slackMessages()).find(
      (m) => m.channel === ALEX.dm && m.text.includes("Jane") && JSON.stringify(m.blocks ?? []).includes('"cadence_done"'),
    )!;
    const responses = (await call<unknown[]>(`${SLACK}/_emulator/responses`)).length;
    const click = await call(`${SLACK}/_emulator/click`, { json: { actionId: "cadence_done", channel: dm.channel, ts: dm.ts } });
    if (click.status !== 200) throw new Error(`the Worker answered the click with ${click.status}: ${JSON.stringify(click.body)}`);
    const done = await until(`task ${firstTask!.id} COMPLETED in HubSpot`, 30, async () => {
      const task = (await hubspotTasksOf(jane)).find((t) => t.id === firstTask!.id);
      return task?.properties.hs_task_status === "COMPLETED" ? task : undefined;
    });
    const reply = await until("the Slack message replaced through its response_url", 20, async () =>
      (await call<{ text?: string }[]>(`${SLACK}/_emulator/responses`)).slice(responses).at(-1),
    );
    return { saw: `task ${done.id} ${done.properties.hs_task_status}`, details: [`Slack message now: ${quote(reply.text ?? "")}`] };
  });

  await step("30 s after the first touch the next step's task is written", async () => {
    const next = await until(`a second task on contact ${jane}`, 60, async () => (await hubspotTasksOf(jane)).find((t) => t.id !== firstTask!.id));
    return { saw: `task ${next.id} ${next.properties.hs_task_status}: ${quote(next.properties.hs_task_subject ?? "", 80)}` };
  });

  await step("Jane replies by email (Postmark's inbound webhook): the cadence stops and its open task is completed", async () => {
    const basic = Buffer.from(`${vars.POSTMARK_INBOUND_USERNAME}:${vars.POSTMARK_INBOUND_PASSWORD}`).toString("base64");
    const answer = await call(`${WORKER}/webhooks/email/postmark`, {
      headers: { authorization: `Basic ${basic}` },
      json: {
        From: `Jane <JANE-${RUN.toUpperCase()}+crm@example.com>`,
        To: "alex@ours.example",
        Subject: "Re: your demo request",
        MessageID: `reply-${RUN}`,
        Date: new Date().toUTCString(),
        TextBody: "Thursday works, call me.",
        Headers: [{ Name: "Message-ID", Value: `<reply-${RUN}@example.com>` }],
      },
    });
    if (answer.matched !== 1) throw new Error(`the reply matched ${answer.matched} records, expected Jane's`);
    const { entry } = await untilAudit(hubspotKey("contact", jane), "cadence", "stopped", 30);
    const tasks = await until(`every task on contact ${jane} completed`, 30, async () => {
      const all = await hubspotTasksOf(jane);
      return all.every((t) => t.properties.hs_task_status === "COMPLETED") ? all : undefined;
    });
    return {
      saw: `matched ${answer.matched} record; ${auditLine(entry)}`,
      details: tasks.map((t) => `task ${t.id} ${t.properties.hs_task_status}: ${quote(t.properties.hs_task_subject ?? "", 80)}`),
    };
  });

  await step("No later step is pending after the stop", async () => {
    const snapshot = await call(`${WORKER}/admin/leads/${hubspotKey("contact", jane)}`, { headers: admin });
    const pending = (snapshot.pendingWakeups ?? []) as { name: string; dueAt: string }[];
    const steps = pending.filter((w) => w.name.startsWith("cadence:"));
    if (steps.length > 0) throw new Error(`the cadence still has wake-ups: ${JSON.stringify(steps)}`);
    const entries = (snapshot.audit as AuditEntry[]).filter((a) => a.rule === "cadence");
    return {
      saw: `${(await hubspotTasksOf(jane)).length} tasks on Jane's contact; pending: ${pending.map((w) => w.name).join(", ") || "nothing"}`,
      details: entries.map(auditLine),
    };
  });

  section("The roster: the CRMs' owners and Slack's members, matched by email");

  await step("Roster import: both emulated reps are matched in HubSpot, Salesforce and Slack (nothing is saved)", async () => {
    const roster = await call(`${WORKER}/admin/policy/reps/import`, { headers: admin, json: { salesforce: { profiles: ["Standard User"] } } });
    const reps = roster.reps as { id: string; name: string; owners: Record<string, string>; slackUserId?: string }[];
    for (const expected of [ALEX, SAM]) {
      const rep = reps.find((r) => r.owners.hubspot === expected.hubspot);
      if (!rep || rep.owners.salesforce !== expected.salesforce || !rep.slackUserId) {
        throw new Error(`${expected.name} is not matched in all three: ${JSON.stringify(rep ?? null)}`);
      }
      if (rep.name !== expected.name) throw new Error(`the policy calls ${expected.hubspot} "${rep.name}", the CRMs "${expected.name}"`);
    }
    return {
      saw: `${roster.matches.length} matched, ${roster.unmatched.length} unmatched, ${roster.dropped.length} dropped`,
      details: reps.map((r) => `${r.id}: ${r.name}, HubSpot ${r.owners.hubspot}, Salesforce ${r.owners.salesforce}, Slack ${r.slackUserId}`),
    };
  });

  section("Intake: a form submission becomes a followed-up lead");

  await step("Policy: first touch 5–10 s after a submission, at any hour", async () => {
    const policy = structuredClone(found);
    policy.rules.cadences.firstTouchDelay = { min: "PT5S", max: "PT10S" };
    policy.rules.cadences.workingHours = { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" };
    return { saw: `saved as version ${await savePolicy(policy)}` };
  });

  const maya = `maya.patel-${RUN}@northwind-robotics.com`;
  const mayaForm = {
    email: maya,
    firstName: "Maya",
    lastName: "Patel",
    company: "Northwind Robotics",
    jobTitle: "VP of Sales",
    phone: "(650) 253-0000",
    consent_privacy: "2026-01",
    _fill_ms: "8000",
    time_zone: "America/Chicago",
    "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX",
  };
  let submission = "";
  await step("Maya asks for a demo, as the example form's page posts it (/forms/demo)", async () => {
    const answer = await call(`${WORKER}/intake/demo`, { form: mayaForm, expect: [202] });
    submission = answer.submissionId;
    return { saw: `202 ${JSON.stringify(answer)}` };
  });

  let mayaContact = "";
  await step("Every step of the submission with its time, up to its enrolment in a cadence", async () => {
    let steps: { step: string; at: string; [k: string]: unknown }[] = [];
    await until(
      `submission ${submission} enrolled`,
      40,
      async () => {
        steps = (await call(`${WORKER}/admin/submissions/${submission}`, { headers: admin })).steps;
        return steps.some((s) => s.step === "enrolled") ? true : undefined;
      },
      () => steps.map((s) => s.step).join(", "),
    );
    const contacts = await call<{ id: string; properties: Record<string, string> }[]>(`${HUBSPOT}/_emulator/objects/contacts`);
    mayaContact = contacts.find((c) => c.properties.email === maya)?.id ?? "";
    if (!mayaContact) throw new Error(`no HubSpot contact with email ${maya}`);
    return { saw: steps.map((s) => s.step).join(" → "), details: steps.map((s) => `${s.at} ${s.step}`) };
  });

  await step("The contact in HubSpot: its owner, the product's score, tier, reasons and routing reason", async () => {
    const properties = [
      "hubspot_owner_id",
      "lead_follow_up_score",
      "lead_follow_up_tier",
      "lead_follow_up_score_reasons",
      "lead_follow_up_routing_reason",
      "lead_source",
    ];
    const contact = await hubspotObject("contacts", mayaContact, properties);
    const p = contact.properties as Record<string, string>;
    if (!["cold", "warm", "hot"].includes(p.lead_follow_up_tier ?? "")) throw new Error(`tier ${p.lead_follow_up_tier}, expected cold, warm or hot`);
    if (![ALEX.hubspot, SAM.hubspot].includes(p.hubspot_owner_id!)) throw new Error(`owner ${p.hubspot_owner_id}, expected one of the team's reps`);
    return {
      saw: `contact ${mayaContact}: score ${p.lead_follow_up_score}, tier ${p.lead_follow_up_tier}, owner ${p.hubspot_owner_id}`,
      details: [
        ...(p.lead_follow_up_score_reasons ?? "").split("\n").map((r) => `reason: ${r}`),
        `routing: ${p.lead_follow_up_routing_reason}`,
        `lead_source: ${p.lead_source}`,
      ],
    };
  });

  await step("The consent Maya gave: the exact text, its version and hash, the form and her browser", async () => {
    const consents = await call(`${WORKER}/admin/consents?email=${encodeURIComponent(maya)}`, { headers: admin });
    const record = (consents.records as Record<string, string>[]).find((r) => r.consentId === "privacy");
    if (record?.action !== "given") throw new Error(`no privacy consent given by ${maya}: ${JSON.stringify(consents.records)}`);
    return {
      saw: `${record.consentId} ${record.action} at ${record.recordedAt}, version ${record.textVersion}, legal basis ${record.legalBasis}`,
      details: [
        `text ${quote(record.text ?? "")}`,
        `sha-256 ${record.textHash?.slice(0, 16)}…, form ${record.formKey}, submission ${record.submissionId}`,
        `from ${record.ip}, user agent ${quote(record.userAgent ?? "", 40)}`,
      ],
    };
  });

  await step("5–10 s later: the first task on Maya's contact, and a Slack DM to her owner", async () => {
    const task = await until(`a task on contact ${mayaContact}`, 40, async () => (await hubspotTasksOf(mayaContact))[0]);
    const owner = task.properties.hubspot_owner_id;
    const dm = owner === ALEX.hubspot ? ALEX.dm : SAM.dm;
    const message = await until(`a Slack DM (${dm}) about Maya`, 20, async () =>
      (await slackMessages()).find((m) => m.channel === dm && m.text.includes("Maya")),
    );
    return {
      saw: `task ${task.id} for ${owner}: ${quote(task.properties.hs_task_subject ?? "", 80)}`,
      details: [`Slack DM (${dm}): ${quote(message.text)}`],
    };
  });

  await step("The same submission again within the form's duplicate window is the same submission", async () => {
    const again = await call(`${WORKER}/intake/demo`, { form: mayaForm, expect: [202] });
    if (again.submissionId !== submission) throw new Error(`a new submission ${again.submissionId}, expected ${submission} again`);
    return { saw: `202 with the same submissionId ${again.submissionId}` };
  });
}

try {
  await main();
  console.log(`\nTour passed: ${stepNumber} steps in ${seconds(Date.now() - started)}.`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`\nTour failed: ${message}`);
  process.exitCode = 1;
}
