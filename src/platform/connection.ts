/**
 * Whether the service can still sign in to a system it writes to, and how much of its daily API
 * allowance is used: each adapter answers it with one cheap authenticated call (nothing written).
 */
export interface ConnectionCheck {
  system: "HubSpot" | "Salesforce" | "Slack";
  ok: boolean;
  /** The system refused the credentials: nothing will be written until an admin fixes them. */
  signInFailed: boolean;
  detail: string;
  daily?: { used: number; max: number };
}
