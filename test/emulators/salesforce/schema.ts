/**
 * The slice of the org's data model the emulator knows. Field names are matched
 * case-insensitively, as Salesforce does, and answered in their canonical spelling.
 */
export type FieldType =
  | "id"
  | "reference"
  | "string"
  | "textarea"
  | "email"
  | "phone"
  | "picklist"
  | "boolean"
  | "date"
  | "datetime"
  | "double"
  | "currency"
  | "percent"
  | "anyType";

export interface FieldDef {
  name: string;
  type: FieldType;
  createable: boolean;
  updateable: boolean;
  /** Required on create (nillable false and no default). */
  required?: boolean;
  defaultValue?: unknown;
  referenceTo?: string[];
  relationshipName?: string;
  picklist?: string[];
  /** A restricted picklist rejects values outside `picklist`. */
  restricted?: boolean;
  externalId?: boolean;
  unique?: boolean;
  /** Part of a compound field (Name of a person), not sent on its own in change events. */
  compound?: boolean;
}

export interface SObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  fields: FieldDef[];
  byLowerName: Map<string, FieldDef>;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  hasOwner: boolean;
}

type FieldSpec = Partial<FieldDef> & { type?: FieldType };

const rw = (type: FieldType, extra: Partial<FieldDef> = {}): FieldSpec => ({ type, createable: true, updateable: true, ...extra });
const ro = (type: FieldType, extra: Partial<FieldDef> = {}): FieldSpec => ({ type, createable: false, updateable: false, ...extra });
const ref = (to: string[], relationshipName: string, extra: Partial<FieldDef> = {}): FieldSpec =>
  rw("reference", { referenceTo: to, relationshipName, ...extra });

const SYSTEM: Record<string, FieldSpec> = {
  Id: ro("id"),
  IsDeleted: ro("boolean"),
  CreatedDate: ro("datetime"),
  CreatedById: ro("reference", { referenceTo: ["User"], relationshipName: "CreatedBy" }),
  LastModifiedDate: ro("datetime"),
  LastModifiedById: ro("reference", { referenceTo: ["User"], relationshipName: "LastModifiedBy" }),
  SystemModstamp: ro("datetime"),
};
const OWNER: Record<string, FieldSpec> = { OwnerId: ref(["User"], "Owner") };
const PERSON_NAME: Record<string, FieldSpec> = {
  FirstName: rw("string"),
  LastName: rw("string", { required: true }),
  Name: ro("string", { compound: true }),
};

/** Picklists of the Consent objects (Object Reference: ContactPointTypeConsent). */
export const CONTACT_POINT_TYPES = ["Email", "MailingAddress", "Phone", "Social", "Web"];
export const PRIVACY_CONSENT_STATUSES = ["NotSeen", "Seen", "OptIn", "OptOut"];

export const TASK_STATUSES = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"];
export const TASK_PRIORITIES = ["High", "Normal", "Low"];
/** Event.ShowAs: how the time shows in the owner's calendar. */
export const EVENT_SHOW_AS = ["Busy", "OutOfOffice", "Free"];
export const CLOSED_WON_STAGE = "Closed Won";
export const CLOSED_LOST_STAGE = "Closed Lost";

interface ObjectSpec {
  label: string;
  keyPrefix: string;
  fields: Record<string, FieldSpec>;
  createable?: boolean;
  deletable?: boolean;
}

const STANDARD_OBJECTS: Record<string, ObjectSpec> = {
  Lead: {
    label: "Lead",
    keyPrefix: "00Q",
    fields: {
      ...SYSTEM,
      ...OWNER,
      ...PERSON_NAME,
      Company: rw("string", { required: true }),
      Email: rw("email"),
      Phone: rw("phone"),
      MobilePhone: rw("phone"),
      Title: rw("string"),
      Status: rw("picklist", { defaultValue: "Open - Not Contacted" }),
      LeadSource: rw("picklist"),
      Rating: rw("picklist"),
      Industry: rw("picklist"),
      Description: rw("textarea"),
      Street: rw("textarea"),
      HasOptedOutOfEmail: rw("boolean", { defaultValue: false }),
      DoNotCall: rw("boolean", { defaultValue: false }),
      City: rw("string"),
      State: rw("string"),
      PostalCode: rw("string"),
      Country: rw("string"),
      IsConverted: ro("boolean", { defaultValue: false }),
      ConvertedDate: ro("date"),
      // Salesforce maintains it from logged activities; read-only through the API.
      LastActivityDate: ro("date"),
      ConvertedAccountId: ro("reference", { referenceTo: ["Account"], relationshipName: "ConvertedAccount" }),
      ConvertedContactId: ro("reference", { referenceTo: ["Contact"], relationshipName: "ConvertedContact" }),
      ConvertedOpportunityId: ro("reference", { referenceTo: ["Opportunity"], relationshipName: "ConvertedOpportunity" }),
      IndividualId: ref(["Individual"], "Individual"),
    },
  },
  Contact: {
    label: "Contact",
    keyPrefix: "003",
    fields: {
      ...SYSTEM,
      ...OWNER,
      ...PERSON_NAME,
      AccountId: ref(["Account"], "Account"),
      Email: rw("email"),
      Phone: rw("phone"),
      MobilePhone: rw("phone"),
      Title: rw("string"),
      LeadSource: rw("picklist"),
      Description: rw("textarea"),
      HasOptedOutOfEmail: rw("boolean", { defaultValue: false }),
      MailingCity: rw("string"),
      MailingCountry: rw("string"),
      IndividualId: ref(["Individual"], "Individual"),
    },
  },
  Account: {
    label: "Account",
    keyPrefix: "001",
    fields: {
      ...SYSTEM,
      ...OWNER,
      Name: rw("string", { required: true }),
      Industry: rw("picklist"),
      Type: rw("picklist"),
      Website: rw("string"),
      Phone: rw("phone"),
      Description: rw("textarea"),
      BillingCity: rw("string"),
      BillingCountry: rw("string"),
    },
  },
  Opportunity: {
    label: "Opportunity",
    keyPrefix: "006",
    fields: {
      ...SYSTEM,
      ...OWNER,
      Name: rw("string", { required: true }),
      StageName: rw("picklist", { required: true }),
      CloseDate: rw("date", { required: true }),
      Amount: rw("currency"),
      Probability: rw("percent"),
      AccountId: ref(["Account"], "Account"),
      Type: rw("picklist"),
      LeadSource: rw("picklist"),
      NextStep: rw("string"),
      Description: rw("textarea"),
      IsClosed: ro("boolean", { defaultValue: false }),
      IsWon: ro("boolean", { defaultValue: false }),
    },
  },
  Task: {
    label: "Task",
    keyPrefix: "00T",
    fields: {
      ...SYSTEM,
      ...OWNER,
      Subject: rw("string"),
      Description: rw("textarea"),
      WhoId: ref(["Lead", "Contact"], "Who"),
      WhatId: ref(["Account", "Opportunity"], "What"),
      ActivityDate: rw("date"),
      Status: rw("picklist", { picklist: TASK_STATUSES, restricted: true, defaultValue: "Not Started" }),
      Priority: rw("picklist", { picklist: TASK_PRIORITIES, restricted: true, defaultValue: "Normal" }),
      IsClosed: ro("boolean", { defaultValue: false }),
      IsHighPriority: ro("boolean", { defaultValue: false }),
      Type: rw("picklist"),
      TaskSubtype: rw("picklist", { defaultValue: "Task", updateable: false }),
      ReminderDateTime: rw("datetime"),
      IsReminderSet: rw("boolean", { defaultValue: false }),
    },
  },
  // Object Reference, "Event": a calendar event; with Task, the activities (custom Activity fields
  // such as Idempotency_Key__c are on both). DurationInMinutes is an int; the emulator keeps it a double.
  Event: {
    label: "Event",
    keyPrefix: "00U",
    fields: {
      ...SYSTEM,
      ...OWNER,
      Subject: rw("string"),
      Description: rw("textarea"),
      Location: rw("string"),
      WhoId: ref(["Lead", "Contact"], "Who"),
      WhatId: ref(["Account", "Opportunity"], "What"),
      StartDateTime: rw("datetime"),
      EndDateTime: rw("datetime"),
      ActivityDateTime: rw("datetime"),
      ActivityDate: rw("date"),
      DurationInMinutes: rw("double"),
      IsAllDayEvent: rw("boolean", { defaultValue: false }),
      IsPrivate: rw("boolean", { defaultValue: false }),
      ShowAs: rw("picklist", { picklist: EVENT_SHOW_AS, restricted: true, defaultValue: "Busy" }),
      Type: rw("picklist"),
      EventSubtype: rw("picklist", { defaultValue: "Event", updateable: false }),
    },
  },
  User: {
    label: "User",
    keyPrefix: "005",
    deletable: false,
    fields: {
      ...SYSTEM,
      ...PERSON_NAME,
      Username: rw("string", { required: true, unique: true }),
      Email: rw("email", { required: true }),
      Alias: rw("string"),
      IsActive: rw("boolean", { defaultValue: true }),
      TimeZoneSidKey: rw("picklist", { defaultValue: "America/Los_Angeles" }),
      Title: rw("string"),
      ProfileId: ref(["Profile"], "Profile", { required: true }),
    },
  },
  // The Consent objects exist only while Data Protection and Privacy is enabled (Setup → Data
  // Protection and Privacy); Schema leaves them, and Lead/Contact.IndividualId, out otherwise.
  // Key prefixes as orgs show them (0PK…, 0ZW…, 0ZY…).
  Individual: {
    label: "Individual",
    keyPrefix: "0PK",
    fields: {
      ...SYSTEM,
      ...OWNER,
      ...PERSON_NAME,
      HasOptedOutTracking: rw("boolean", { defaultValue: false }),
      HasOptedOutProfiling: rw("boolean", { defaultValue: false }),
      HasOptedOutProcessing: rw("boolean", { defaultValue: false }),
      HasOptedOutSolicit: rw("boolean", { defaultValue: false }),
      HasOptedOutGeoTracking: rw("boolean", { defaultValue: false }),
      CanStorePiiElsewhere: rw("boolean", { defaultValue: false }),
      ShouldForget: rw("boolean", { defaultValue: false }),
      SendIndividualData: rw("boolean", { defaultValue: false }),
    },
  },
  DataUsePurpose: {
    label: "Data Use Purpose",
    keyPrefix: "0ZW",
    fields: {
      ...SYSTEM,
      ...OWNER,
      Name: rw("string", { required: true }),
      Description: rw("string"),
      CanDataSubjectOptOut: rw("boolean", { defaultValue: false }),
    },
  },
  // Name is its only field the API requires (not nillable); the others the documentation calls
  // "Required" are nillable, as in an org.
  ContactPointTypeConsent: {
    label: "Contact Point Type Consent",
    keyPrefix: "0ZY",
    fields: {
      ...SYSTEM,
      ...OWNER,
      Name: rw("string", { required: true }),
      PartyId: ref(["Individual"], "Party"),
      DataUsePurposeId: ref(["DataUsePurpose"], "DataUsePurpose"),
      ContactPointType: rw("picklist", { picklist: CONTACT_POINT_TYPES, restricted: true }),
      PrivacyConsentStatus: rw("picklist", { picklist: PRIVACY_CONSENT_STATUSES, restricted: true }),
      EffectiveFrom: rw("datetime"),
      EffectiveTo: rw("datetime"),
      CaptureDate: rw("datetime"),
      CaptureContactPointType: rw("picklist", { picklist: CONTACT_POINT_TYPES, restricted: true }),
      CaptureSource: rw("string"),
      DoubleConsentCaptureDate: rw("datetime"),
    },
  },
  // Profiles are metadata (Object Reference for Salesforce: Profile): set up in Setup, queryable,
  // not created through the REST API. Every User has one (User.ProfileId is required).
  Profile: {
    label: "Profile",
    keyPrefix: "00e",
    createable: false,
    deletable: false,
    fields: {
      ...SYSTEM,
      Name: ro("string"),
      UserType: ro("picklist", { defaultValue: "Standard" }),
    },
  },
  // Field history is written by the platform, never through the API.
  OpportunityFieldHistory: {
    label: "Opportunity Field History",
    keyPrefix: "017",
    createable: false,
    deletable: false,
    fields: {
      Id: SYSTEM.Id!,
      IsDeleted: SYSTEM.IsDeleted!,
      CreatedDate: SYSTEM.CreatedDate!,
      CreatedById: SYSTEM.CreatedById!,
      OpportunityId: ro("reference", { referenceTo: ["Opportunity"], relationshipName: "Opportunity" }),
      Field: ro("picklist"),
      DataType: ro("picklist"),
      OldValue: ro("anyType"),
      NewValue: ro("anyType"),
    },
  },
  OpportunityHistory: {
    label: "Opportunity History",
    keyPrefix: "008",
    createable: false,
    deletable: false,
    fields: {
      Id: SYSTEM.Id!,
      IsDeleted: SYSTEM.IsDeleted!,
      CreatedDate: SYSTEM.CreatedDate!,
      CreatedById: SYSTEM.CreatedById!,
      SystemModstamp: SYSTEM.SystemModstamp!,
      OpportunityId: ro("reference", { referenceTo: ["Opportunity"], relationshipName: "Opportunity" }),
      StageName: ro("picklist"),
      Amount: ro("currency"),
      CloseDate: ro("date"),
      Probability: ro("percent"),
    },
  },
};

/** A custom field: a name (a text field), or a name and its type (a checkbox is "boolean"). */
export type CustomField = string | { name: string; type: FieldType };

/** The objects and fields Data Protection and Privacy adds to an org. */
const DATA_PROTECTION_OBJECTS = new Set(["Individual", "DataUsePurpose", "ContactPointTypeConsent"]);
const DATA_PROTECTION_FIELDS = new Set(["IndividualId"]);

export interface SchemaOptions {
  /** Unique external-id text fields per sObject. */
  externalIdFields: Record<string, string[]>;
  /** Extra custom fields per sObject (names ending in __c). */
  customFields: Record<string, CustomField[]>;
  /** Setup → Data Protection and Privacy: the Consent objects and IndividualId. Default on. */
  dataProtectionAndPrivacy?: boolean;
}

export class Schema {
  private readonly objects = new Map<string, SObjectDef>();

  constructor(options: SchemaOptions) {
    const privacy = options.dataProtectionAndPrivacy ?? true;
    for (const [name, spec] of Object.entries(STANDARD_OBJECTS)) {
      if (!privacy && DATA_PROTECTION_OBJECTS.has(name)) continue;
      const fields: Record<string, FieldSpec> = { ...spec.fields };
      if (!privacy) for (const f of DATA_PROTECTION_FIELDS) delete fields[f];
      for (const custom of options.customFields[name] ?? []) {
        const { name: fieldName, type } = typeof custom === "string" ? { name: custom, type: "string" as const } : custom;
        // A checkbox is never null: unset, it is false.
        fields[fieldName] = rw(type, type === "boolean" ? { defaultValue: false } : {});
      }
      for (const ext of options.externalIdFields[name] ?? []) fields[ext] = rw("string", { externalId: true, unique: true });
      const defs = Object.entries(fields).map(
        ([fieldName, f]): FieldDef => ({
          createable: false,
          updateable: false,
          type: "string",
          ...f,
          name: fieldName,
        }),
      );
      const createable = spec.createable ?? true;
      this.objects.set(name.toLowerCase(), {
        name,
        label: spec.label,
        keyPrefix: spec.keyPrefix,
        fields: defs,
        byLowerName: new Map(defs.map((d) => [d.name.toLowerCase(), d])),
        createable,
        updateable: createable,
        deletable: spec.deletable ?? createable,
        hasOwner: "OwnerId" in fields,
      });
    }
    for (const type of [...Object.keys(options.externalIdFields), ...Object.keys(options.customFields)]) {
      if (!this.objects.has(type.toLowerCase())) throw new Error(`the Salesforce emulator does not model sObject ${type}`);
    }
  }

  get(type: string): SObjectDef | undefined {
    return this.objects.get(type.toLowerCase());
  }

  byKeyPrefix(prefix: string): SObjectDef | undefined {
    for (const def of this.objects.values()) if (def.keyPrefix === prefix) return def;
    return undefined;
  }

  all(): SObjectDef[] {
    return [...this.objects.values()];
  }
}

export function field(def: SObjectDef, name: string): FieldDef | undefined {
  return def.byLowerName.get(name.toLowerCase());
}
