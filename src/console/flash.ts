import { consoleMac, sameText } from "./console-auth";

/**
 * A POST's notice for the page it redirects to ("Retried 3 dead effects."), carried by a cookie
 * the POST sets and that page's GET takes, never by the URL: a link cannot put words in a notice.
 * The cookie holds only what the server counted (a kind and a number), lives a minute, and is
 * MACed under the admin token for the user it was set for, so it cannot be made or moved.
 */
export type Notice = { kind: "retried"; count: number } | { kind: "saved"; version: number };

export const FLASH_COOKIE = "console_flash";
export const FLASH_TTL_MS = 60_000;

const numberOf = (notice: Notice) => (notice.kind === "retried" ? notice.count : notice.version);

export function noticeText(notice: Notice): string {
  switch (notice.kind) {
    case "retried":
      return `Retried ${notice.count} dead effect${notice.count === 1 ? "" : "s"}.`;
    case "saved":
      return `Saved as v${notice.version}.`;
  }
}

/** `{kind}.{number}.{expiresAt}.{mac}`, bound to the user's subject. */
export async function sealFlash(secret: string, subject: string, notice: Notice, now: number): Promise<string> {
  const body = `${notice.kind}.${numberOf(notice)}.${now + FLASH_TTL_MS}`;
  return `${body}.${await consoleMac(secret, "flash", `${subject}\u0000${body}`)}`;
}

/** The notice, or null when the cookie is absent, altered, another user's or expired. */
export async function openFlash(secret: string, subject: string, value: string | undefined, now: number): Promise<Notice | null> {
  const match = /^(retried|saved)\.(\d{1,9})\.(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match) return null;
  const [, kind, number, expiresAt, given] = match as unknown as [string, "retried" | "saved", string, string, string];
  const body = `${kind}.${number}.${expiresAt}`;
  if (!sameText(given, await consoleMac(secret, "flash", `${subject}\u0000${body}`))) return null;
  if (Number(expiresAt) <= now) return null;
  return kind === "retried" ? { kind, count: Number(number) } : { kind, version: Number(number) };
}
