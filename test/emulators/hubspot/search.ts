import { badRequest } from "./errors.ts";
import type { CrmObject } from "./objects-store.ts";
import type { PropertyDefinition } from "./properties-store.ts";

export interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
  highValue?: string;
}

export interface SearchRequest {
  filterGroups?: { filters?: Filter[] }[];
  sorts?: (string | { propertyName: string; direction?: string })[];
  properties?: string[];
  query?: string;
  limit?: number;
  after?: string | number;
}

const OPERATORS = new Set([
  "EQ",
  "NEQ",
  "LT",
  "LTE",
  "GT",
  "GTE",
  "BETWEEN",
  "IN",
  "NOT_IN",
  "HAS_PROPERTY",
  "NOT_HAS_PROPERTY",
  "CONTAINS_TOKEN",
  "NOT_CONTAINS_TOKEN",
]);

// HubSpot's documented search limits.
export const SEARCH_LIMITS = { maxLimit: 200, maxGroups: 5, maxFiltersPerGroup: 6, maxFilters: 18, maxResults: 10_000 };

type Known = Map<string, PropertyDefinition>;

/** Numbers and dates compare as numbers (dates given as ms or ISO); text compares case-insensitively. */
function typed(definition: PropertyDefinition | undefined, raw: string): number | string {
  if (definition?.type === "number") return Number(raw);
  if (definition?.type === "datetime" || definition?.type === "date") return /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return raw.toLowerCase();
}

function tokens(text: string): string[] {
  const lower = text.toLowerCase();
  return [lower, ...lower.split(/[^\p{L}\p{N}]+/u).filter(Boolean)];
}

function tokenMatch(stored: string, wanted: string): boolean {
  const pattern = wanted.toLowerCase();
  if (!pattern.includes("*")) return tokens(stored).includes(pattern);
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return tokens(stored).some((t) => regex.test(t));
}

function filterMatches(object: CrmObject, filter: Filter, known: Known): boolean {
  const stored = object.properties[filter.propertyName];
  const has = stored !== undefined && stored !== "";
  const definition = known.get(filter.propertyName);
  const value = filter.value === undefined ? undefined : typed(definition, String(filter.value));
  const current = has ? typed(definition, stored) : undefined;
  switch (filter.operator) {
    case "HAS_PROPERTY":
      return has;
    case "NOT_HAS_PROPERTY":
      return !has;
    case "EQ":
      return has && current === value;
    case "NEQ":
      return !has || current !== value;
    case "LT":
      return has && value !== undefined && current! < value;
    case "LTE":
      return has && value !== undefined && current! <= value;
    case "GT":
      return has && value !== undefined && current! > value;
    case "GTE":
      return has && value !== undefined && current! >= value;
    case "BETWEEN": {
      const high = filter.highValue === undefined ? undefined : typed(definition, String(filter.highValue));
      return has && value !== undefined && high !== undefined && current! >= value && current! <= high;
    }
    case "IN":
      return has && (filter.values ?? []).some((v) => typed(definition, String(v)) === current);
    case "NOT_IN":
      return !has || !(filter.values ?? []).some((v) => typed(definition, String(v)) === current);
    case "CONTAINS_TOKEN":
      return has && tokenMatch(stored, String(filter.value ?? ""));
    case "NOT_CONTAINS_TOKEN":
      return !has || !tokenMatch(stored, String(filter.value ?? ""));
    default:
      return false;
  }
}

/** Rejects what HubSpot rejects: unknown operators or properties, too many filters, limit over 200. */
export function validateSearch(request: SearchRequest, known: Known, strict: boolean): void {
  const groups = request.filterGroups ?? [];
  if (!Array.isArray(groups)) throw badRequest("filterGroups must be an array");
  if (groups.length > SEARCH_LIMITS.maxGroups) throw badRequest(`Too many filter groups: at most ${SEARCH_LIMITS.maxGroups} are allowed`);
  let total = 0;
  for (const group of groups) {
    const filters = group.filters ?? [];
    total += filters.length;
    if (filters.length > SEARCH_LIMITS.maxFiltersPerGroup)
      throw badRequest(`Too many filters in a group: at most ${SEARCH_LIMITS.maxFiltersPerGroup} are allowed`);
    for (const f of filters) {
      if (!OPERATORS.has(f.operator)) throw badRequest(`Unknown filter operator: ${f.operator}`);
      if (strict && !known.has(f.propertyName)) throw badRequest(`There was a problem with the request: property ${f.propertyName} does not exist`);
    }
  }
  if (total > SEARCH_LIMITS.maxFilters) throw badRequest(`Too many filters: at most ${SEARCH_LIMITS.maxFilters} are allowed`);
  if (request.limit !== undefined && (!Number.isInteger(request.limit) || request.limit < 0 || request.limit > SEARCH_LIMITS.maxLimit)) {
    throw badRequest(`limit must be between 0 and ${SEARCH_LIMITS.maxLimit}`);
  }
}

/** Filter groups are ORed, filters inside a group ANDed; `query` matches any text token. */
export function matchesSearch(object: CrmObject, request: SearchRequest, known: Known): boolean {
  const groups = request.filterGroups ?? [];
  const filtered = groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => filterMatches(object, f, known)));
  if (!filtered) return false;
  if (!request.query) return true;
  return Object.values(object.properties).some((v) => tokenMatch(v, `${request.query}*`));
}

/** Sorts given as {propertyName, direction} or as "name" / "-name"; id order otherwise. Unset values last. */
export function searchComparator(request: SearchRequest, known: Known): (a: CrmObject, b: CrmObject) => number {
  const sorts = (request.sorts ?? []).map((s) =>
    typeof s === "string"
      ? { name: s.replace(/^-/, ""), descending: s.startsWith("-") }
      : { name: s.propertyName, descending: s.direction === "DESCENDING" },
  );
  return (a, b) => {
    for (const { name, descending } of sorts) {
      const av = a.properties[name];
      const bv = b.properties[name];
      if (av === bv) continue;
      if (av === undefined || av === "") return 1;
      if (bv === undefined || bv === "") return -1;
      const x = typed(known.get(name), av);
      const y = typed(known.get(name), bv);
      if (x === y) continue;
      return (x < y ? -1 : 1) * (descending ? -1 : 1);
    }
    return Number(a.id) - Number(b.id);
  };
}
