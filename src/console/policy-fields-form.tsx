import { durationMillis } from "../core/calendar/calendar";
import { duration } from "./format";

/**
 * Durations as a manager writes them on the policy pages: a number and a unit (and "in working
 * hours" where the rule allows it), never an ISO 8601 string. The policy keeps ISO durations;
 * these convert both ways.
 */
const UNITS = [
  ["minutes", "M", 60_000],
  ["hours", "H", 3_600_000],
  ["days", "D", 86_400_000],
] as const;
type Unit = (typeof UNITS)[number][0];

/** An ISO duration as a number and the largest unit that divides it. */
export function durationParts(iso: string): { amount: number; unit: Unit } {
  const ms = durationMillis(iso);
  for (const [unit, , size] of [...UNITS].reverse()) if (ms >= size && ms % size === 0) return { amount: ms / size, unit };
  return { amount: Math.max(1, Math.round(ms / 60_000)), unit: "minutes" };
}

/** A number and unit from a form as an ISO duration ("PT4H", "P14D"); undefined when not a positive number. */
export function durationFrom(form: URLSearchParams, name: string): string | undefined {
  const amount = Number(form.get(`${name}.amount`));
  const unit = UNITS.find(([u]) => u === form.get(`${name}.unit`));
  if (!unit || !Number.isInteger(amount) || amount < 0 || amount > 100_000) return undefined;
  return unit[1] === "D" ? `P${amount}D` : `PT${amount}${unit[1]}`;
}

/** The threshold form of a duration field: the duration and whether it counts working hours only. */
export const thresholdFrom = (form: URLSearchParams, name: string) => {
  const iso = durationFrom(form, name);
  return iso ? { duration: iso, businessHours: form.get(`${name}.business`) === "on" } : undefined;
};

export function DurationInput(props: { name: string; label: string; iso: string; businessHours?: boolean; id?: string }) {
  const { amount, unit } = durationParts(props.iso);
  const id = props.id ?? props.name.replace(/\W+/g, "-");
  return (
    <fieldset class="row duration">
      <legend>{props.label}</legend>
      <label class="field">
        <span>Amount</span>
        <input type="number" id={`${id}-amount`} name={`${props.name}.amount`} min="0" step="1" size={5} value={String(amount)} />
      </label>
      <label class="field">
        <span>Unit</span>
        <select name={`${props.name}.unit`}>
          {UNITS.map(([u]) => (
            <option value={u} selected={u === unit}>
              {u}
            </option>
          ))}
        </select>
      </label>
      {props.businessHours !== undefined && (
        <label>
          <input type="checkbox" name={`${props.name}.business`} checked={props.businessHours} /> counted in working hours
        </label>
      )}
      <span class="muted">now: {duration(durationMillis(props.iso))}</span>
    </fieldset>
  );
}

/** A list written one item a line (required fields, words), trimmed, blanks dropped. */
export const linesFrom = (form: URLSearchParams, name: string) =>
  (form.get(name) ?? "")
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
