export interface SlackUser {
  id: string;
  name: string;
  tz?: string;
  email?: string;
  realName?: string;
  /** A deactivated account: still listed by users.list, with deleted: true. */
  deleted?: boolean;
  isBot?: boolean;
}

export interface SlackChannel {
  id: string;
  name: string;
  /** Whether the bot was invited; posting elsewhere is not_in_channel. Default true. */
  isMember?: boolean;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  user: string;
  bot_id: string;
  /** The ts of the last edit, after chat.update or a replace_original response. */
  edited?: string;
  deleted?: boolean;
}

export interface ResponseUrl {
  id: string;
  channel?: string;
  /** The message the interaction came from, the target of replace_original/delete_original. */
  messageTs?: string;
  usesLeft: number;
  expiresAt: number;
}

export interface RecordedResponse {
  responseUrlId: string;
  at: number;
  channel?: string;
  messageTs?: string;
  text?: string;
  blocks?: unknown[];
  response_type: "ephemeral" | "in_channel";
  replace_original: boolean;
  delete_original: boolean;
}

/** A response_url works up to five times within thirty minutes. */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export class SlackStore {
  readonly users = new Map<string, SlackUser>();
  readonly channels = new Map<string, SlackChannel>();
  readonly messages: PostedMessage[] = [];
  readonly responses: RecordedResponse[] = [];
  readonly responseUrls = new Map<string, ResponseUrl>();
  private lastMicros = 0;
  private responseSerial = 0;
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  reset(users: SlackUser[], channels: SlackChannel[]): void {
    this.users.clear();
    this.channels.clear();
    this.messages.length = 0;
    this.responses.length = 0;
    this.responseUrls.clear();
    for (const user of users) this.users.set(user.id, user);
    for (const channel of channels) this.channels.set(channel.id, channel);
  }

  /** Message timestamps are the channel's message ids: microseconds, unique, increasing. */
  nextTs(): string {
    this.lastMicros = Math.max(this.now() * 1000, this.lastMicros + 1);
    return `${Math.floor(this.lastMicros / 1e6)}.${String(this.lastMicros % 1e6).padStart(6, "0")}`;
  }

  /**
   * Resolves what chat.postMessage accepts as `channel`: a channel id, a #name, a user id
   * (which opens the DM with that user) or an open DM's id.
   */
  resolveChannel(value: string): SlackChannel | undefined {
    const direct = this.channels.get(value);
    if (direct) return direct;
    const name = value.replace(/^#/, "");
    for (const channel of this.channels.values()) if (channel.name === name && !channel.id.startsWith("D")) return channel;
    const user = this.users.get(value) ?? (value.startsWith("D") ? this.users.get(`U${value.slice(1)}`) : undefined);
    if (user) return this.openDm(user);
    return undefined;
  }

  openDm(user: SlackUser): SlackChannel {
    const id = `D${user.id.slice(1)}`;
    let dm = this.channels.get(id);
    if (!dm) this.channels.set(id, (dm = { id, name: user.name, isMember: true }));
    return dm;
  }

  findMessage(channel: string, ts: string): PostedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  mintResponseUrl(channel: string | undefined, messageTs: string | undefined): ResponseUrl {
    const id = `${++this.responseSerial}${Math.random().toString(36).slice(2, 10)}`;
    const url = { id, channel, messageTs, usesLeft: RESPONSE_URL_USES, expiresAt: this.now() + RESPONSE_URL_TTL_MS };
    this.responseUrls.set(id, url);
    return url;
  }
}
