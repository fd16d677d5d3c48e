import { describe, expect, it } from "vitest";
import { control, rejection, startSalesforce } from "./test-support.ts";

describe("Salesforce emulator: the Consent objects of Data Protection and Privacy", () => {
  it("an Individual linked from a Lead, and a ContactPointTypeConsent for it and a Data Use Purpose, as the Object Reference has them", async () => {
    const { conn } = await startSalesforce({ now: () => Date.parse("2026-03-10T15:00:00Z") });
    const purpose = await conn.sobject("DataUsePurpose").create({ Name: "Marketing", CanDataSubjectOptOut: true });
    expect(purpose.id).toMatch(/^0ZW[a-zA-Z0-9]{15}$/);
    const lead = await conn.sobject("Lead").create({ LastName: "Doe", FirstName: "Jane", Company: "Northwind", Email: "jane@northwind.example" });
    const individual = await conn.sobject("Individual").create({ FirstName: "Jane", LastName: "Doe" });
    expect(individual.id).toMatch(/^0PK[a-zA-Z0-9]{15}$/);
    expect(await conn.sobject("Individual").retrieve(individual.id!)).toMatchObject({ Name: "Jane Doe", HasOptedOutSolicit: false });
    await conn.sobject("Lead").update({ Id: lead.id!, IndividualId: individual.id! });

    const consent = await conn.sobject("ContactPointTypeConsent").create({
      Name: "Product news by email (marketing) · submission s-1",
      PartyId: individual.id!,
      DataUsePurposeId: purpose.id!,
      ContactPointType: "Email",
      PrivacyConsentStatus: "OptIn",
      EffectiveFrom: "2026-03-10T14:59:58.000Z",
      CaptureDate: "2026-03-10T14:59:58.000Z",
      CaptureContactPointType: "Web",
      CaptureSource: "form demo on https://www.example.com/demo",
    });
    expect(consent.id).toMatch(/^0ZY[a-zA-Z0-9]{15}$/);
    // Found by its Name, and through the Lead's Individual.
    const { records } = await conn.query(
      `SELECT Id, PrivacyConsentStatus, EffectiveFrom, PartyId FROM ContactPointTypeConsent WHERE Name IN ('Product news by email (marketing) · submission s-1')`,
    );
    expect(records).toEqual([
      expect.objectContaining({
        Id: consent.id,
        PrivacyConsentStatus: "OptIn",
        EffectiveFrom: "2026-03-10T14:59:58.000+0000",
        PartyId: individual.id,
      }),
    ]);
    const [linked] = (await conn.query<{ IndividualId: string }>(`SELECT IndividualId FROM Lead WHERE Id = '${lead.id}'`)).records;
    expect(linked?.IndividualId).toBe(individual.id);

    const described = await conn.sobject("ContactPointTypeConsent").describe();
    const picklist = (name: string) => described.fields.find((f) => f.name === name)!;
    expect(picklist("PrivacyConsentStatus").picklistValues!.map((v) => v.value)).toEqual(["NotSeen", "Seen", "OptIn", "OptOut"]);
    expect(picklist("CaptureContactPointType")).toMatchObject({ restrictedPicklist: true });
    expect(picklist("PartyId")).toMatchObject({ type: "reference", referenceTo: ["Individual"] });
    expect(picklist("Name")).toMatchObject({ nillable: false });
    expect((await conn.sobject("Contact").describe()).fields.find((f) => f.name === "IndividualId")).toMatchObject({ referenceTo: ["Individual"] });
  });

  it("refuses what Salesforce refuses: no Name, a status outside the picklist, a party that is not an Individual, an Individual without LastName", async () => {
    const { conn } = await startSalesforce();
    const lead = await conn.sobject("Lead").create({ LastName: "Doe", Company: "Northwind" });
    const individual = await conn.sobject("Individual").create({ LastName: "Doe" });
    expect(await rejection(conn.sobject("ContactPointTypeConsent").create({ PartyId: individual.id!, PrivacyConsentStatus: "OptIn" }))).toMatchObject(
      {
        errorCode: "REQUIRED_FIELD_MISSING",
        data: { fields: ["Name"] },
      },
    );
    expect(await rejection(conn.sobject("ContactPointTypeConsent").create({ Name: "x", PrivacyConsentStatus: "Yes" }))).toMatchObject({
      errorCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    });
    expect(await rejection(conn.sobject("ContactPointTypeConsent").create({ Name: "x", PartyId: lead.id! }))).toMatchObject({
      errorCode: "FIELD_INTEGRITY_EXCEPTION",
    });
    expect(await rejection(conn.sobject("Lead").update({ Id: lead.id!, IndividualId: lead.id! }))).toMatchObject({
      errorCode: "FIELD_INTEGRITY_EXCEPTION",
    });
    expect(await rejection(conn.sobject("Individual").create({ FirstName: "Jane" }))).toMatchObject({ errorCode: "REQUIRED_FIELD_MISSING" });
  });

  it("without Data Protection and Privacy, the objects and IndividualId are unknown", async () => {
    const { conn, url } = await startSalesforce({ dataProtectionAndPrivacy: false });
    expect(await rejection(conn.query("SELECT Id FROM ContactPointTypeConsent"))).toMatchObject({ errorCode: "INVALID_TYPE" });
    expect(await rejection(conn.query("SELECT Id, IndividualId FROM Lead"))).toMatchObject({ errorCode: "INVALID_FIELD" });
    const [saved] = await conn.sobject("Individual").create([{ LastName: "Doe" }], { allOrNone: false });
    expect(saved).toMatchObject({ success: false, errors: [expect.objectContaining({ statusCode: "INVALID_TYPE" })] });
    expect((await control(url, "GET", "/_emulator/records/Individual")).status).toBe(404);
    expect((await conn.sobject("Lead").describe()).fields.map((f) => f.name)).not.toContain("IndividualId");
  });
});

describe("Salesforce emulator: typed custom fields", () => {
  it("a checkbox is false until set, takes true or 'true', and a date field only a date", async () => {
    const { conn } = await startSalesforce({
      customFields: {
        Lead: [
          { name: "Marketing_Consent__c", type: "boolean" },
          { name: "Marketing_Consent_Date__c", type: "date" },
          { name: "Marketing_Consent_At__c", type: "datetime" },
          "Notes__c",
        ],
      },
    });
    const fields = (await conn.sobject("Lead").describe()).fields;
    expect(fields.map((f) => [f.name, f.type])).toEqual(
      expect.arrayContaining([
        ["Marketing_Consent__c", "boolean"],
        ["Marketing_Consent_Date__c", "date"],
        ["Marketing_Consent_At__c", "datetime"],
        ["Notes__c", "string"],
      ]),
    );
    const lead = await conn.sobject("Lead").create({ LastName: "Doe", Company: "Northwind" });
    expect(await conn.sobject("Lead").retrieve(lead.id!)).toMatchObject({ Marketing_Consent__c: false, Marketing_Consent_Date__c: null });
    await conn.sobject("Lead").update({ Id: lead.id!, Marketing_Consent__c: "true", Marketing_Consent_At__c: "2026-03-10T15:00:00Z" });
    expect(await conn.sobject("Lead").retrieve(lead.id!)).toMatchObject({
      Marketing_Consent__c: true,
      Marketing_Consent_At__c: "2026-03-10T15:00:00.000+0000",
    });
    expect(await rejection(conn.sobject("Lead").update({ Id: lead.id!, Marketing_Consent_Date__c: "2026-03-10T15:00:00Z" }))).toMatchObject({
      errorCode: "JSON_PARSER_ERROR",
    });
  });
});
