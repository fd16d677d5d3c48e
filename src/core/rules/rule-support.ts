import { DateTime } from "luxon";
import { afterThreshold } from "./cadence/cadence-schedule";
import type { BusinessCalendar } from "../calendar/calendar";
import type { Crm } from "../model/crm-event";
import type { Policy, Rep } from "../policy/policy";
import { holidaysAt } from "../policy/holiday-calendars";

export { OWNER_PROPERTY } from "../policy/policy-needs";

/** The policy's own business calendar around `at`: thresholds in business hours count in it. */
export const policyCalendar = (policy: Policy, at: Date): BusinessCalendar => ({
  zone: policy.timeZone,
  hours: policy.workingHours,
  holidays: holidaysAt(policy, at),
});

/** An ISO duration from `at`, in business hours of the policy's calendar when asked. */
export function deadlineAfter(at: Date, threshold: { duration: string; businessHours: boolean }, policy: Policy): Date {
  return afterThreshold(at, threshold, policyCalendar(policy, at));
}

export function repByOwner(policy: Policy, crm: Crm, ownerId: string | null | undefined): Rep | undefined {
  return ownerId ? policy.reps.find((r) => r.owners[crm] === ownerId) : undefined;
}

/** The day `dueAt` falls on for the task's owner: in the rep's zone, else the policy's. */
export function ownerDueDate(policy: Policy, crm: Crm, ownerId: string, dueAt: string): string {
  const zone = repByOwner(policy, crm, ownerId)?.timeZone ?? policy.timeZone;
  return DateTime.fromISO(dueAt, { zone }).toISODate()!;
}

/**
 * A property value as an instant: epoch ms (HubSpot), ISO datetime, or an ISO date (Salesforce
 * LastActivityDate), taken as the end of that day so same-day activity is not missed. Anything
 * else (a status such as "Attempt 1") is not a time.
 */
export function asInstant(value: string | null | undefined): Date | null {
  if (!value) return null;
  let at: Date;
  if (/^\d{10,16}$/.test(value)) at = new Date(Number(value));
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) at = new Date(`${value}T23:59:59.999Z`);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) at = new Date(value);
  else return null;
  return Number.isNaN(at.getTime()) ? null : at;
}

export const isEmpty = (value: string | null | undefined) => value === null || value === undefined || value.trim() === "";

/** Distinct, defined names: what a read asks for. */
export const unique = (names: readonly (string | undefined)[]): string[] => [...new Set(names.filter((n): n is string => !!n))];
