import { personNameProperties } from "../../model/record-name";
import { BUILT_IN_FIELDS, type Cadence, type CadenceRule, type CadenceStep, type StopCondition } from "../../policy/cadence-policy";
import type { BusinessCalendar } from "../../calendar/calendar";
import type { Policy, Team } from "../../policy/policy";
import type { RecordState } from "../../model/record-state";
import type { RuleContext } from "../rule";
import type { CadenceState } from "../rule-state";
import { effectId } from "../../model/effect-id";
import { renderTemplate } from "../../policy/template";
import { OWNER_PROPERTY, repByOwner, unique } from "../rule-support";
import type { ButtonValue } from "./cadence-messages";

/** The cadence section of the policy with this record's CRM's values picked. */
export interface CadenceConfig {
  rule: CadenceRule;
  owner: string;
  sourceProperty?: string;
  timeZoneProperty?: string;
  phoneProperties: string[];
  emailProperties: string[];
  hotScoreProperty?: string;
  /** This CRM's stop conditions. */
  stopWhen: StopCondition[];
  /** Merge field → the property it is read from in this CRM. */
  mergeProperties: Record<string, string | undefined>;
  /** The team of steps owned by the record owner, and of escalations. */
  team?: Team;
  /** What the enrolment read and each step's read ask for. */
  enrolReads: string[];
  stepReads: string[];
}

export type CadenceCtx = RuleContext<CadenceConfig>;

export function resolveCadence(policy: Policy, record: RecordState): CadenceConfig | null {
  const rule = policy.rules.cadences;
  if (!rule?.enabled || !rule.objectTypes.includes(record.objectType)) return null;
  const crm = record.crm;
  const owner = OWNER_PROPERTY[crm];
  const stopWhen = rule.stopWhen.filter((c) => c.crm === crm);
  const mergeProperties = Object.fromEntries(Object.entries(rule.mergeFields).map(([field, def]) => [field, def.property[crm]]));
  const config = {
    rule,
    owner,
    sourceProperty: rule.sourceProperty[crm],
    timeZoneProperty: rule.leadZone.timeZoneProperty[crm],
    phoneProperties: rule.leadZone.phoneProperties[crm] ?? [],
    emailProperties: rule.emailProperties[crm] ?? [],
    hotScoreProperty: rule.sla?.hot?.scoreProperty[crm],
    stopWhen,
    mergeProperties,
    team: policy.teams.find((t) => t.id === rule.team),
  };
  const stops = stopWhen.map((c) => c.property);
  return {
    ...config,
    // HubSpot's creation webhook carries no properties: enrolment reads everything it decides on, once.
    enrolReads: unique([
      config.sourceProperty,
      config.timeZoneProperty,
      ...config.phoneProperties,
      owner,
      config.hotScoreProperty,
      ...stops,
      ...config.emailProperties,
      // The lead's name, once: the record is known by it in the console.
      ...personNameProperties(crm),
    ]),
    stepReads: unique([owner, ...stops, ...Object.values(mergeProperties)]),
  };
}

/** The idempotency key of a step's task: one task per lead, cadence and step, however often asked. */
export const stepTaskKey = (recordKey: string, cadenceId: string, stepId: string) => `${recordKey}:cadence:${cadenceId}:${stepId}`;

/** The key of a step's task (its createTask effect's id): what the CRM task carries and updates name. */
export const stepTaskId = (ctx: CadenceCtx, cadence: CadenceState, stepId: string) =>
  effectId(stepTaskKey(ctx.record.key, cadence.cadenceId, stepId));

/** The lead's business hours in its own zone. */
export function leadCalendar(ctx: CadenceCtx, zone: string): BusinessCalendar {
  return { zone, hours: ctx.config.rule.workingHours ?? ctx.policy.workingHours, holidays: ctx.policy.holidays };
}

/** A policy edit may rename or drop a cadence mid-way; steps unknown to it keep their plan but write nothing. */
export function definitionOf(ctx: CadenceCtx, cadence: CadenceState): CadenceStep[] {
  return ctx.config.rule.cadences.find((c: Cadence) => c.id === cadence.cadenceId)?.steps ?? [];
}

/** A property's value, trimmed; blank counts as none. */
export function prop(properties: Record<string, string | null>, name: string | undefined): string | null {
  const value = name ? properties[name] : null;
  return value && value.trim() !== "" ? value.trim() : null;
}

/** Who owns a step's task: the record owner (else the team's queue user), or a named team's queue user. */
export function ownerFor(ctx: CadenceCtx, step: CadenceStep, properties: Record<string, string | null>): string | undefined {
  const teamId = step.owner === "recordOwner" ? ctx.config.rule.team : step.owner.team;
  const queue = ctx.policy.teams.find((t) => t.id === teamId)?.fallbackOwners[ctx.crm];
  if (step.owner !== "recordOwner") return queue;
  return prop(properties, ctx.config.owner) ?? queue;
}

/** A step's template filled in with these values; every merge field falls back as the policy says. */
export function renderStepText(ctx: CadenceCtx, template: string, values: Record<string, string | null | undefined>): string {
  const defaults = { ...BUILT_IN_FIELDS, ...Object.fromEntries(Object.entries(ctx.config.rule.mergeFields).map(([k, f]) => [k, f.fallback])) };
  return renderTemplate(template, values, defaults);
}

export const repName = (ctx: CadenceCtx, ownerId: string | null | undefined) => repByOwner(ctx.policy, ctx.crm, ownerId)?.name ?? ownerId ?? "nobody";

export const buttonValue = (ctx: CadenceCtx, cadence: CadenceState, stepId: string): ButtonValue => ({
  lead: ctx.record.key,
  cadence: cadence.cadenceId,
  step: stepId,
});
