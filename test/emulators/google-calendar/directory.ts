import type { ServiceAccountInput } from "./service-account.ts";
import { isZone } from "./time.ts";

/** A user of the emulated Workspace domain; their primary calendar's id is their address. */
export interface GoogleUser {
  email: string;
  name?: string;
  /** The primary calendar's IANA zone. */
  timeZone: string;
  /**
   * Whether other users of the domain see this calendar's free/busy. Workspace shares free/busy
   * inside the domain by default ("Calendar sharing options for your organization"). Default true.
   */
  shareFreeBusy?: boolean;
}

export const DEFAULT_DOMAIN = "example.com";

/** The Slack emulator's reps, so one fixture names the same people everywhere. */
export const DEFAULT_USERS: GoogleUser[] = [
  { email: "rep.one@example.com", name: "Rep One", timeZone: "America/New_York" },
  { email: "rep.two@example.com", name: "Rep Two", timeZone: "Europe/London" },
];

const key = (email: string) => email.trim().toLowerCase();

/** The domain's users and the service accounts that may act for them; reset restores the options. */
export class Directory {
  readonly domain: string;
  private readonly seededUsers: GoogleUser[];
  private readonly seededAccounts: ServiceAccountInput[];
  private readonly users = new Map<string, GoogleUser>();
  private readonly accounts = new Map<string, ServiceAccountInput>();

  constructor(domain: string, users: GoogleUser[], accounts: ServiceAccountInput[]) {
    this.domain = domain;
    this.seededUsers = users;
    this.seededAccounts = accounts;
    this.reset();
  }

  addUser(user: GoogleUser): GoogleUser {
    if (typeof user?.email !== "string" || !user.email.includes("@")) throw new Error("a user needs an email address");
    if (!isZone(user.timeZone)) throw new Error(`unknown time zone ${String(user.timeZone)} for ${user.email}`);
    const stored = { ...user, email: key(user.email) };
    this.users.set(stored.email, stored);
    return stored;
  }

  user(email: string): GoogleUser | undefined {
    return this.users.get(key(email));
  }

  addServiceAccount(account: ServiceAccountInput): ServiceAccountInput {
    if (typeof account?.clientEmail !== "string" || typeof account.publicKeyPem !== "string") {
      throw new Error("a service account needs clientEmail and publicKeyPem");
    }
    this.accounts.set(key(account.clientEmail), account);
    return account;
  }

  serviceAccount(email: string): ServiceAccountInput | undefined {
    return this.accounts.get(key(email));
  }

  reset(): void {
    this.users.clear();
    this.accounts.clear();
    for (const user of this.seededUsers) this.addUser(user);
    for (const account of this.seededAccounts) this.addServiceAccount(account);
  }
}
