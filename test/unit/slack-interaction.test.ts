import { describe, expect, it } from "vitest";
import { foreignRecord } from "../../src/slack/click-scope";
import { MAX_ACTIONS, parseSlackInteraction } from "../../src/slack/interaction";

/** A block_actions payload as Slack sends it for a button click in a bot message. */
const CLICK = {
  type: "block_actions",
  user: { id: "U05REPONE01", username: "rep.one", name: "rep.one", team_id: "T05EMULATE" },
  api_app_id: "A05LEADAPP1",
  token: "verification-token",
  container: { type: "message", message_ts: "1763805600.123000", channel_id: "D05REPONE01", is_ephemeral: false },
  trigger_id: "1763805601.5551234.0a1b2c3d4e5f",
  team: { id: "T05EMULATE", domain: "emulated-workspace" },
  enterprise: null,
  is_enterprise_install: false,
  channel: { id: "D05REPONE01", name: "directmessage" },
  message: { type: "message", ts: "1763805600.123000", text: "New lead", blocks: [] },
  state: { values: {} },
  response_url: "https://hooks.slack.com/actions/T05EMULATE/123/abc",
  actions: [
    {
      action_id: "claim",
      block_id: "lead-42",
      text: { type: "plain_text", text: "Claim", emoji: true },
      value: "lead-42",
      type: "button",
      action_ts: "1763805601.234567",
    },
  ],
};

const form = (payload: unknown) => new URLSearchParams({ payload: typeof payload === "string" ? payload : JSON.stringify(payload) }).toString();
const without = (key: string, from: Record<string, unknown> = CLICK) => Object.fromEntries(Object.entries(from).filter(([k]) => k !== key));

describe("Slack interaction parsing", () => {
  it("reads a block_actions button click from the form body", () => {
    expect(parseSlackInteraction(form(CLICK))).toEqual({
      ok: true,
      interaction: {
        type: "block_actions",
        userId: "U05REPONE01",
        userName: "rep.one",
        teamId: "T05EMULATE",
        channelId: "D05REPONE01",
        messageTs: "1763805600.123000",
        responseUrl: "https://hooks.slack.com/actions/T05EMULATE/123/abc",
        triggerId: "1763805601.5551234.0a1b2c3d4e5f",
        actions: [{ actionId: "claim", blockId: "lead-42", value: "lead-42", actionTs: "1763805601.234567" }],
      },
    });
  });

  it("decodes + as a space, as form encoding does", () => {
    const body = `payload=${encodeURIComponent(JSON.stringify(CLICK)).replaceAll("%20", "+")}`;
    const text = JSON.stringify({ ...CLICK, user: { ...CLICK.user, name: "Rep One", username: undefined } });
    expect(parseSlackInteraction(body)).toMatchObject({ ok: true });
    const spaced = parseSlackInteraction(`payload=${encodeURIComponent(text).replaceAll("%20", "+")}`);
    expect(spaced.ok && spaced.interaction.userName).toBe("Rep One");
  });

  it("falls back to the container and the user's team when channel and team are absent", () => {
    const minimal = {
      type: "block_actions",
      user: { id: "U1", team_id: "T1" },
      container: { channel_id: "C1", message_ts: "1.000001" },
      actions: [{ action_id: "a" }],
    };
    expect(parseSlackInteraction(form(minimal))).toEqual({
      ok: true,
      interaction: { type: "block_actions", userId: "U1", teamId: "T1", channelId: "C1", messageTs: "1.000001", actions: [{ actionId: "a" }] },
    });
    const fromMessage = parseSlackInteraction(form({ ...minimal, container: undefined, message: { ts: "2.000002" } }));
    expect(fromMessage.ok && fromMessage.interaction.messageTs).toBe("2.000002");
  });

  it("keeps every action and ignores values that are not strings (selects, pickers)", () => {
    const payload = {
      ...CLICK,
      actions: [CLICK.actions[0], { action_id: "snooze", type: "static_select", selected_option: { value: "1d" }, value: { weird: true } }],
    };
    const result = parseSlackInteraction(form(payload));
    expect(result.ok && result.interaction.actions).toEqual([
      { actionId: "claim", blockId: "lead-42", value: "lead-42", actionTs: "1763805601.234567" },
      { actionId: "snooze" },
    ]);
  });

  it("refuses bodies without a readable payload", () => {
    expect(parseSlackInteraction("")).toEqual({ ok: false, message: "the form body has no payload field" });
    expect(parseSlackInteraction("token=abc&payloads=x")).toEqual({ ok: false, message: "the form body has no payload field" });
    expect(parseSlackInteraction(form("{not json"))).toEqual({ ok: false, message: "payload is not valid JSON" });
    expect(parseSlackInteraction(form("[1,2]"))).toEqual({ ok: false, message: "payload is not a JSON object" });
    expect(parseSlackInteraction(form("null"))).toEqual({ ok: false, message: "payload is not a JSON object" });
    expect(parseSlackInteraction(form(without("type")))).toEqual({ ok: false, message: "payload.type is missing" });
  });

  it("refuses interaction types other than block_actions by name", () => {
    for (const type of ["view_submission", "shortcut", "message_action", "view_closed", "block_suggestion"]) {
      expect(parseSlackInteraction(form({ ...CLICK, type }))).toEqual({
        ok: false,
        message: `interaction type ${type} is not handled (only block_actions is)`,
      });
    }
  });

  it("names what is missing or wrong", () => {
    expect(parseSlackInteraction(form(without("user")))).toEqual({ ok: false, message: "block_actions payload: user is missing" });
    expect(parseSlackInteraction(form({ ...CLICK, user: { name: "x" } }))).toEqual({
      ok: false,
      message: "block_actions payload: user.id is missing",
    });
    expect(parseSlackInteraction(form(without("actions")))).toEqual({ ok: false, message: "block_actions payload: actions is missing" });
    expect(parseSlackInteraction(form({ ...CLICK, actions: [] }))).toEqual({
      ok: false,
      message: "block_actions payload: actions: must hold at least one action",
    });
    expect(parseSlackInteraction(form({ ...CLICK, actions: [{ block_id: "b" }] }))).toEqual({
      ok: false,
      message: "block_actions payload: actions.0.action_id is missing",
    });
    const wrong = parseSlackInteraction(form({ ...CLICK, response_url: 42 }));
    expect(wrong).toMatchObject({ ok: false, message: expect.stringContaining("response_url: ") });
  });

  it("takes up to five actions and refuses more, saying how many came (a click is one button)", () => {
    const actions = (n: number) => Array.from({ length: n }, (_, i) => ({ ...CLICK.actions[0]!, action_ts: `1763805601.${i}` }));
    const five = parseSlackInteraction(form({ ...CLICK, actions: actions(MAX_ACTIONS) }));
    expect(five.ok && five.interaction.actions).toHaveLength(5);
    for (const n of [6, 500]) {
      expect(parseSlackInteraction(form({ ...CLICK, actions: actions(n) }))).toEqual({
        ok: false,
        message: `a click is one button: this payload has ${n} actions, at most 5 are accepted`,
      });
    }
  });
});

describe("which records a click may act on", () => {
  const served = { hubspot: "62515", salesforce: "00D5g000004ExmplEAA" };
  it.each([
    [{ crm: "hubspot", accountId: "62515", objectType: "contact" }, null],
    [{ crm: "hubspot", accountId: "62515", objectType: "deal" }, null],
    [{ crm: "salesforce", accountId: "00D5g000004ExmplEAA", objectType: "opportunity" }, null],
    [{ crm: "hubspot", accountId: "99999", objectType: "contact" }, "the record is in another HubSpot portal"],
    [{ crm: "salesforce", accountId: "00D000000000001AAA", objectType: "lead" }, "the record is in another Salesforce org"],
    [{ crm: "hubspot", accountId: "62515", objectType: "widget" }, "widget is not a record type this app follows"],
    [{ crm: "salesforce", accountId: "00D5g000004ExmplEAA", objectType: "deal" }, "deal is not a record type this app follows"],
  ] as const)("%j: %s", (key, reason) => {
    expect(foreignRecord(key, served)).toBe(reason);
  });

  it("refuses every record of a CRM the deployment does not serve", () => {
    expect(foreignRecord({ crm: "salesforce", accountId: "00D5g000004ExmplEAA", objectType: "lead" }, { hubspot: "62515" })).toBe(
      "this deployment serves no Salesforce org",
    );
  });
});
