import { createHash } from "node:crypto";
import { ianaZone } from "./time-zones.ts";

/** A mailbox user: addressed as /users/{id} or /users/{userPrincipalName}. */
export interface GraphUserInput {
  /** A GUID; default derived from the UPN. */
  id?: string;
  userPrincipalName: string;
  displayName?: string;
  /** mailboxSettings.timeZone: a Windows ("Eastern Standard Time") or IANA name. */
  timeZone: string;
  /** mailboxSettings.workingHours; default Monday–Friday 08:00–17:00 in the mailbox's zone. */
  workingHours?: { daysOfWeek: string[]; startTime: string; endTime: string };
}

export interface GraphUser extends Required<Omit<GraphUserInput, "workingHours">> {
  /** The IANA zone behind timeZone. */
  zone: string;
  workingHours: { daysOfWeek: string[]; startTime: string; endTime: string };
}

/** An app registration with a client secret and the application permissions an admin consented to. */
export interface GraphApp {
  clientId: string;
  clientSecret: string;
  /** Application permissions (the token's roles). Default ["Calendars.ReadWrite"]. */
  roles?: string[];
  /** An application access policy: the only mailboxes the app may reach (UPNs or ids). Default: all. */
  allowedMailboxes?: string[];
}

export const DEFAULT_TENANT_ID = "5f1c2d3e-0a4b-4c6d-8e9f-1a2b3c4d5e6f";
export const DEFAULT_DOMAINS = ["example.com", "example.onmicrosoft.com"];
export const DEFAULT_APP: GraphApp = { clientId: "3c1b7a52-6d1e-4f0a-9b7e-2a4c8e1f0d93", clientSecret: "graph-dev-client-secret" };
export const DEFAULT_USERS: GraphUserInput[] = [
  { userPrincipalName: "rep.one@example.com", displayName: "Rep One", timeZone: "Eastern Standard Time" },
  { userPrincipalName: "rep.two@example.com", displayName: "Rep Two", timeZone: "GMT Standard Time" },
];

/** A stable GUID-shaped id for a name, so the default users keep their ids across runs. */
export function guidFor(name: string): string {
  const hex = createHash("sha1").update(name.toLowerCase()).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The tenant's users and app registrations; reset restores the options. */
export class Tenant {
  readonly id: string;
  readonly domains: string[];
  private readonly seededUsers: GraphUserInput[];
  private readonly seededApps: GraphApp[];
  private readonly users = new Map<string, GraphUser>();
  private readonly apps = new Map<string, GraphApp>();

  constructor(id: string, domains: string[], users: GraphUserInput[], apps: GraphApp[]) {
    this.id = id;
    this.domains = domains.map((d) => d.toLowerCase());
    this.seededUsers = users;
    this.seededApps = apps;
    this.reset();
  }

  /** The tenant named in a token URL: its id or one of its domains. */
  is(name: string): boolean {
    return name.toLowerCase() === this.id || this.domains.includes(name.toLowerCase());
  }

  addUser(input: GraphUserInput): GraphUser {
    if (typeof input?.userPrincipalName !== "string" || !input.userPrincipalName.includes("@")) throw new Error("a user needs a userPrincipalName");
    const zone = ianaZone(input.timeZone);
    if (!zone) throw new Error(`unknown time zone ${String(input.timeZone)} for ${input.userPrincipalName}`);
    const user: GraphUser = {
      id: input.id ?? guidFor(input.userPrincipalName),
      userPrincipalName: input.userPrincipalName.toLowerCase(),
      displayName: input.displayName ?? input.userPrincipalName,
      timeZone: input.timeZone,
      zone,
      workingHours: input.workingHours ?? {
        daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
        startTime: "08:00",
        endTime: "17:00",
      },
    };
    this.users.set(user.id, user);
    this.users.set(user.userPrincipalName, user);
    return user;
  }

  /** By id or userPrincipalName (case-insensitive), as /users/{id | userPrincipalName} resolves. */
  user(idOrUpn: string): GraphUser | undefined {
    return this.users.get(idOrUpn.toLowerCase()) ?? this.users.get(idOrUpn);
  }

  addApp(app: GraphApp): GraphApp {
    if (typeof app?.clientId !== "string" || typeof app.clientSecret !== "string") throw new Error("an app needs clientId and clientSecret");
    this.apps.set(app.clientId, app);
    return app;
  }

  app(clientId: string): GraphApp | undefined {
    return this.apps.get(clientId);
  }

  reset(): void {
    this.users.clear();
    this.apps.clear();
    for (const user of this.seededUsers) this.addUser(user);
    for (const app of this.seededApps) this.addApp(app);
  }
}
