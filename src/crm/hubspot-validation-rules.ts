import type { StandardError } from "./hubspot-api";
import { VALIDATION_RULE } from "./crm-port";

export { VALIDATION_RULE };

/**
 * A portal's admin-configured validation rules refuse API writes (property rules since 2023;
 * from 2026-09 conditionally required properties too): HubSpot answers 400 VALIDATION_ERROR,
 * either "Property values were not valid: [{isValid:false, error, name, message}]" with `error`
 * naming the rule (INVALID_ALPHA, MAX_LENGTH …), or an error detail naming the rule. Retrying
 * cannot help; an admin must change the rule or the policy, so the failure says which rule.
 */

/** The rule types of HubSpot's property validations API (2026-09 document), and the errors they are reported with. */
const RULE_ERRORS = new Set([
  "AFTER_DATETIME_DURATION",
  "AFTER_DURATION",
  "ALPHANUMERIC",
  "BEFORE_DATETIME_DURATION",
  "BEFORE_DURATION",
  "DAYS_OF_WEEK",
  "DECIMAL",
  "DOMAIN",
  "EMAIL",
  "EMAIL_ALLOWED_DOMAINS",
  "EMAIL_BLOCKED_DOMAINS",
  "END_DATE",
  "END_DATETIME",
  "FORMAT",
  "MAX_LENGTH",
  "MAX_NUMBER",
  "MIN_LENGTH",
  "MIN_NUMBER",
  "PHONE_NUMBER_WITH_EXPLICIT_COUNTRY_CODE",
  "REGEX",
  "SPECIAL_CHARACTERS",
  "START_DATE",
  "START_DATETIME",
  "URL",
  "URL_ALLOWED_DOMAINS",
  "URL_BLOCKED_DOMAINS",
  "WHITESPACE",
  "INVALID_ALPHA",
  "INVALID_NUMERIC",
  "INVALID_ALPHANUMERIC",
  "CONDITIONALLY_REQUIRED_PROPERTY",
]);

const INVALID_VALUES = "Property values were not valid: ";

/** "rule MAX_LENGTH on hs_task_subject (Enter at most 5 characters)"; undefined when no validation rule refused the write. */
export function validationRuleRefusal(error: StandardError): string | undefined {
  if (error.category !== "VALIDATION_ERROR") return undefined;
  const named: string[] = [];
  const ruleName = error.context?.rule?.[0];
  for (const detail of error.errors ?? []) {
    if (detail.code && RULE_ERRORS.has(detail.code)) {
      named.push(`${ruleName ? `"${ruleName}"` : detail.code} on ${detail.in ?? "a property"} (${detail.message ?? "refused"})`);
    }
  }
  if (named.length === 0 && error.message?.startsWith(INVALID_VALUES)) {
    try {
      const listed: unknown = JSON.parse(error.message.slice(INVALID_VALUES.length));
      if (Array.isArray(listed)) {
        for (const item of listed as { error?: string; name?: string; message?: string }[]) {
          if (item?.error && RULE_ERRORS.has(item.error)) named.push(`${item.error} on ${item.name ?? "a property"} (${item.message ?? "refused"})`);
        }
      }
    } catch {
      // Not the documented list: nothing named.
    }
  }
  return named.length > 0 ? `refused by the portal's validation rule ${named.join("; ")}` : undefined;
}
