export interface OwnerInput {
  id: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** The HubSpot user behind the owner: UI changes are sourced "userId:<userId>". */
  userId?: number;
  type?: "PERSON" | "QUEUE";
  archived?: boolean;
  teams?: { id: string; name: string; primary: boolean }[];
}

/** The PublicOwner shape of /crm/v3/owners. */
export interface Owner {
  id: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  userId?: number;
  userIdIncludingInactive?: number;
  type: "PERSON" | "QUEUE";
  teams: { id: string; name: string; primary: boolean }[];
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** Matches the owner and user in the shared webhook fixture (owner 84213371, userId:1712). */
export const DEFAULT_OWNERS: OwnerInput[] = [
  { id: "84213371", email: "alex.rivera@example.com", firstName: "Alex", lastName: "Rivera", userId: 1712 },
  { id: "84213372", email: "sam.chen@example.com", firstName: "Sam", lastName: "Chen", userId: 1713 },
];

export class OwnersStore {
  private readonly owners = new Map<string, Owner>();
  private readonly seeded: OwnerInput[];
  private readonly now: () => number;

  constructor(seeded: OwnerInput[], now: () => number) {
    this.seeded = seeded;
    this.now = now;
    this.reset();
  }

  add(input: OwnerInput): Owner {
    const when = new Date(this.now()).toISOString();
    const owner: Owner = {
      id: String(input.id),
      type: input.type ?? "PERSON",
      teams: input.teams ?? [],
      createdAt: when,
      updatedAt: when,
      archived: input.archived ?? false,
    };
    if (input.email !== undefined) owner.email = input.email;
    if (input.firstName !== undefined) owner.firstName = input.firstName;
    if (input.lastName !== undefined) owner.lastName = input.lastName;
    if (input.userId !== undefined) {
      owner.userId = input.userId;
      owner.userIdIncludingInactive = input.userId;
    }
    this.owners.set(owner.id, owner);
    return owner;
  }

  get(id: string): Owner | undefined {
    return this.owners.get(id);
  }

  byUserId(userId: number): Owner | undefined {
    return [...this.owners.values()].find((o) => o.userId === userId);
  }

  list(archived: boolean): Owner[] {
    return [...this.owners.values()].filter((o) => o.archived === archived);
  }

  /** Seeded owners survive a reset; owners added at run time do not. */
  reset(): void {
    this.owners.clear();
    for (const input of this.seeded) this.add(input);
  }
}
