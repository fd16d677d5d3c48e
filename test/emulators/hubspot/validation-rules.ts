import { apiRoutes, type ApiContext, controlRoute, objectBody } from "./api.ts";
import { badRequest, HubSpotError, invalidProperties, type PropertyProblem } from "./errors.ts";
import { canonicalType, typeInfo, type ObjectType } from "./object-types.ts";

/**
 * A portal's admin-configured validation rules, which HubSpot enforces on API writes (property
 * validation rules since 2023; from the 2026-09 version also conditionally required properties,
 * developers.hubspot.com/changelog/crm-api-write-validation-enforcement).
 *
 * - Property rules (the property validations API: `ruleType` and `ruleArguments`): the emulator
 *   enforces MIN_LENGTH, MAX_LENGTH, MIN_NUMBER, MAX_NUMBER and ALPHANUMERIC (ALPHA_ONLY /
 *   NUMERIC_ONLY); others are stored and listed but not enforced. A refused value gets HubSpot's
 *   documented 400 "Property values were not valid: [{isValid:false, message, error, name}]",
 *   `error` naming the rule (INVALID_ALPHA, MAX_LENGTH …).
 * - Conditionally required properties (`requiredWhen`): a named rule making a property required
 *   when another has a value. HubSpot's changelog shows only `{"category":"VALIDATION_ERROR",
 *   "message":…, "errors":…}`; the emulator's message names the rule and the property, and its
 *   error detail is `{code: "CONDITIONALLY_REQUIRED_PROPERTY", in: property, context: {rule: [name]}}`.
 */
export interface PropertyRule {
  ruleType: string;
  ruleArguments: string[];
  shouldApplyNormalization?: boolean;
}

export interface ConditionalRule {
  name: string;
  objectType: string;
  /** Required… */
  property: string;
  /** …when this property is written with this value. */
  when: { property: string; value: string };
}

export interface ValidationRulesInput {
  /** objectType → propertyName → rules. */
  properties?: Record<string, Record<string, PropertyRule[]>>;
  conditional?: ConditionalRule[];
}

export class ValidationRules {
  private readonly byProperty = new Map<string, Map<string, Map<string, PropertyRule>>>();
  private conditional: ConditionalRule[] = [];
  private readonly initial: ValidationRulesInput;

  constructor(initial: ValidationRulesInput = {}) {
    this.initial = initial;
    this.reset();
  }

  reset(): void {
    this.byProperty.clear();
    this.conditional = [];
    this.add(this.initial);
  }

  add(input: ValidationRulesInput): void {
    for (const [type, properties] of Object.entries(input.properties ?? {})) {
      for (const [name, rules] of Object.entries(properties)) for (const rule of rules) this.put(canonicalType(type), name, rule);
    }
    for (const rule of input.conditional ?? []) this.conditional.push({ ...rule, objectType: canonicalType(rule.objectType) });
  }

  put(type: ObjectType, name: string, rule: PropertyRule): void {
    const ofType = this.byProperty.get(type) ?? new Map<string, Map<string, PropertyRule>>();
    this.byProperty.set(type, ofType);
    const ofProperty = ofType.get(name) ?? new Map<string, PropertyRule>();
    ofType.set(name, ofProperty);
    ofProperty.set(rule.ruleType, {
      ruleType: rule.ruleType,
      ruleArguments: rule.ruleArguments.map(String),
      shouldApplyNormalization: rule.shouldApplyNormalization ?? false,
    });
  }

  rulesOf(type: ObjectType, name: string): PropertyRule[] {
    return [...(this.byProperty.get(type)?.get(name)?.values() ?? [])];
  }

  propertiesOf(type: ObjectType): { propertyName: string; propertyValidationRules: PropertyRule[] }[] {
    return [...(this.byProperty.get(type) ?? new Map<string, Map<string, PropertyRule>>())].map(([propertyName, rules]) => ({
      propertyName,
      propertyValidationRules: [...rules.values()],
    }));
  }

  /** Throws HubSpot's 400 when the values written break a rule; `current` is the record's values before the write. */
  check(type: ObjectType, written: Record<string, string>, current: Record<string, string> = {}): void {
    const problems: PropertyProblem[] = [];
    for (const [name, value] of Object.entries(written)) {
      if (value === "") continue;
      for (const rule of this.rulesOf(type, name)) {
        const broken = brokenBy(rule, value);
        if (broken) problems.push({ name, error: broken.error, message: broken.message });
      }
    }
    if (problems.length > 0) throw invalidProperties(problems);
    const after = { ...current, ...written };
    for (const rule of this.conditional) {
      if (rule.objectType !== type || written[rule.when.property] !== rule.when.value || after[rule.property]) continue;
      throw new HubSpotError(
        400,
        "VALIDATION_ERROR",
        `Validation rule "${rule.name}": ${rule.property} is required when ${rule.when.property} is ${rule.when.value}`,
        {
          context: { rule: [rule.name] },
          errors: [
            {
              message: `${rule.property} is required by the validation rule "${rule.name}"`,
              code: "CONDITIONALLY_REQUIRED_PROPERTY",
              in: rule.property,
            },
          ],
        },
      );
    }
  }
}

function brokenBy(rule: PropertyRule, value: string): { error: string; message: string } | undefined {
  const n = Number(rule.ruleArguments[0]);
  switch (rule.ruleType) {
    case "MAX_LENGTH":
      return value.length > n ? { error: "MAX_LENGTH", message: `Enter at most ${n} characters` } : undefined;
    case "MIN_LENGTH":
      return value.length < n ? { error: "MIN_LENGTH", message: `Enter at least ${n} characters` } : undefined;
    case "MAX_NUMBER":
      return Number(value) > n ? { error: "MAX_NUMBER", message: `Enter a number no greater than ${n}` } : undefined;
    case "MIN_NUMBER":
      return Number(value) < n ? { error: "MIN_NUMBER", message: `Enter a number no less than ${n}` } : undefined;
    case "ALPHANUMERIC": {
      const only = rule.ruleArguments[0];
      if (only === "ALPHA_ONLY" && /[^\p{L}\s]/u.test(value)) return { error: "INVALID_ALPHA", message: "Enter only letters" };
      if (only === "NUMERIC_ONLY" && /\D/.test(value)) return { error: "INVALID_NUMERIC", message: "Enter only numbers" };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The property validations API (2026-09): list an object type's rules, a property's, one rule; set one. */
export function registerValidationRoutes(ctx: ApiContext, rules: ValidationRules): void {
  const base = "/crm/property-validations/2026-09/:objectTypeId";
  const typeOf = (raw: string) => {
    const type = canonicalType(raw);
    // The API takes object type ids (0-1, 0-27); HubSpot also reads the plural names.
    return type;
  };
  apiRoutes(ctx, "GET", [base], (req) => ({ status: 200, body: { results: rules.propertiesOf(typeOf(req.params.objectTypeId!)) } }));
  apiRoutes(ctx, "GET", [`${base}/:propertyName`], (req) => ({
    status: 200,
    body: { results: rules.rulesOf(typeOf(req.params.objectTypeId!), req.params.propertyName!) },
  }));
  apiRoutes(ctx, "GET", [`${base}/:propertyName/rule-type/:ruleType`], (req) => {
    const rule = rules.rulesOf(typeOf(req.params.objectTypeId!), req.params.propertyName!).find((r) => r.ruleType === req.params.ruleType);
    if (!rule) throw new HubSpotError(404, "OBJECT_NOT_FOUND", `No ${req.params.ruleType} rule on ${req.params.propertyName}`);
    return { status: 200, body: rule };
  });
  apiRoutes(ctx, "PUT", [`${base}/:propertyName/rule-type/:ruleType`], (req) => {
    const body = objectBody(req);
    if (!Array.isArray(body.ruleArguments)) throw badRequest("ruleArguments is required");
    const type = typeOf(req.params.objectTypeId!);
    if (!ctx.state.properties.get(type, req.params.propertyName!)) {
      throw new HubSpotError(404, "OBJECT_NOT_FOUND", `Unable to find property ${req.params.propertyName} on ${typeInfo(type).plural}`);
    }
    rules.put(type, req.params.propertyName!, {
      ruleType: req.params.ruleType!,
      ruleArguments: body.ruleArguments as string[],
      shouldApplyNormalization: body.shouldApplyNormalization === true,
    });
    return { status: 204 };
  });
  // A conditionally required property (the API has no route for these): {name, objectType, property, when: {property, value}}.
  controlRoute(ctx, "POST", "/_emulator/validation-rules", (req) => {
    const body = objectBody(req) as unknown as ValidationRulesInput;
    rules.add(body);
    return { status: 204 };
  });
  // Back to the rules the emulator started with (the API cannot delete a rule).
  controlRoute(ctx, "DELETE", "/_emulator/validation-rules", () => {
    rules.reset();
    return { status: 204 };
  });
}
