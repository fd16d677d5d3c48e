import type { CadenceStep } from "../../policy/cadence-policy";
import type { RecordState } from "../../model/record-state";

/** The buttons on cadence messages; /slack/interactions maps them back to slackAction events. */
export const CADENCE_ACTIONS = { done: "cadence_done", snooze: "cadence_snooze", pause: "cadence_pause" } as const;
export type CadenceAction = keyof typeof CADENCE_ACTIONS;

export interface ButtonValue {
  lead: string;
  cadence: string;
  step: string;
}

export function actionOf(actionId: string): CadenceAction | null {
  const entry = Object.entries(CADENCE_ACTIONS).find(([, id]) => id === actionId);
  return entry ? (entry[0] as CadenceAction) : null;
}

type Block = { type: string } & Record<string, unknown>;

function buttons(value: ButtonValue): Block {
  const json = JSON.stringify(value);
  return {
    type: "actions",
    block_id: `cadence:${value.step}`,
    elements: [
      { type: "button", action_id: CADENCE_ACTIONS.done, text: { type: "plain_text", text: "Mark done" }, style: "primary", value: json },
      { type: "button", action_id: CADENCE_ACTIONS.snooze, text: { type: "plain_text", text: "Snooze a day" }, value: json },
      {
        type: "button",
        action_id: CADENCE_ACTIONS.pause,
        text: { type: "plain_text", text: "Pause this cadence" },
        style: "danger",
        value: json,
        confirm: {
          title: { type: "plain_text", text: "Pause the cadence?" },
          text: { type: "mrkdwn", text: "No further follow-up tasks will be created for this lead." },
          confirm: { type: "plain_text", text: "Pause" },
          deny: { type: "plain_text", text: "Keep going" },
        },
      },
    ],
  };
}

const CHANNEL_WORD: Record<CadenceStep["channel"], string> = { EMAIL: "Email", CALL: "Call", LINKEDIN: "LinkedIn", TODO: "To-do" };

/** CRM values are typed by anyone: escaped, a name cannot become a mention or a link in Slack. */
export const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function leadLabel(record: RecordState, name: string | null): string {
  return name ? slackEscape(name) : `${record.objectType} ${record.objectId}`;
}

/** The nudge when a step's task is written: what to do, for whom, by when, with the buttons. */
export function stepNudge(args: { step: CadenceStep; subject: string; lead: string; due: string; value: ButtonValue }): {
  text: string;
  blocks: Block[];
} {
  const subject = slackEscape(args.subject);
  const text = `${CHANNEL_WORD[args.step.channel]} task for ${args.lead}: ${subject} (due ${args.due})`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${CHANNEL_WORD[args.step.channel]}:* ${subject}\nLead: ${args.lead}\nDue: ${args.due}` } },
      buttons(args.value),
    ],
  };
}

/** The SLA reminder to the owner, with the same buttons. */
export function slaReminder(args: { lead: string; subject: string; since: string; value: ButtonValue }): { text: string; blocks: Block[] } {
  const text = `${args.lead} is still waiting for a first touch ("${slackEscape(args.subject)}", due ${args.since}).`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: `:alarm_clock: ${text}` } }, buttons(args.value)] };
}
