import type { SalesforceConsentMapping } from "../core/policy/forms-policy";
import type { Policy } from "../core/policy/policy";
import type { DescribedField } from "./salesforce-picklists";

/*
 * What the policy's Salesforce consent mappings need of the org, checked by the CRM setup before a
 * submission finds out: fields are metadata an admin creates in Setup, and the Consent objects
 * exist only once Data Protection and Privacy is enabled. Pure; crm-setup reads the org.
 */

/** A consent a Salesforce form keeps in the org, with the policy path that maps it. */
export interface ConsentMappingUse {
  path: string;
  mapping: SalesforceConsentMapping;
}

export function salesforceConsentUses(policy: Policy): ConsentMappingUse[] {
  return policy.forms.flatMap((form, f) =>
    form.crm !== "salesforce"
      ? []
      : form.consents.flatMap((consent, c) =>
          consent.crm.salesforce ? [{ path: `forms.${f}.consents.${c}.crm.salesforce`, mapping: consent.crm.salesforce }] : [],
        ),
  );
}

/** What the org showed: Lead's and Contact's fields, whether it has ContactPointTypeConsent, the Data Use Purposes found. */
export interface ConsentOrg {
  fields: ReadonlyMap<"Lead" | "Contact", readonly DescribedField[]>;
  consentObjects: boolean;
  purposes: ReadonlySet<string>;
}

/** What is missing, in words an admin acts on; empty when the org has everything the mappings use. */
export function salesforceConsentProblems(uses: readonly ConsentMappingUse[], org: ConsentOrg): string[] {
  const problems = new Set<string>();
  const fieldOf = (sobject: "Lead" | "Contact", name: string) => org.fields.get(sobject)?.find((f) => f.name.toLowerCase() === name.toLowerCase());
  for (const { path, mapping } of uses) {
    for (const sobject of ["Lead", "Contact"] as const) {
      const need = (name: string | undefined, types: readonly string[], kind: string) => {
        if (!name) return;
        const field = fieldOf(sobject, name);
        if (!field) problems.add(`create ${kind} field ${sobject}.${name} and give the integration user edit access (${path})`);
        else if (!types.includes(field.type)) problems.add(`${sobject}.${field.name} is a ${field.type} field, not a ${kind} (${path})`);
      };
      need(mapping.field, ["boolean"], "Checkbox");
      need(mapping.dateField, ["date", "datetime"], "Date or Date/Time");
    }
    if (mapping.dataUsePurposeId) {
      if (!org.consentObjects || !fieldOf("Lead", "IndividualId") || !fieldOf("Contact", "IndividualId"))
        problems.add(
          `enable Data Protection and Privacy (Setup → Data Protection and Privacy) and give the integration user access to Individual, ContactPointTypeConsent and IndividualId (${path})`,
        );
      else if (!org.purposes.has(mapping.dataUsePurposeId.slice(0, 15)))
        problems.add(`no Data Use Purpose ${mapping.dataUsePurposeId} in this org (${path})`);
    }
  }
  return [...problems];
}
