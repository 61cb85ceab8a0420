/**
 * Go's views of JSON values that Kyverno's condition operators rely on:
 * `fmt.Sprint` (how In/AnyIn/AllIn turn values into strings) and
 * `strconv.ParseFloat` (which accepts only a whole, unpadded number).
 */

const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** `strconv.ParseFloat(text, 64)`: the number, or undefined when Go would return an error. */
export function parseGoFloat(text: string): number | undefined {
  if (FLOAT.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  }
  if (!SPECIAL.test(text)) return undefined;
  if (/nan/i.test(text)) return Number.NaN;
  return text.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** `fmt.Sprint(value)` for decoded JSON: floats as `%v`, maps as `map[k:v]`, slices as `[a b]`. */
export function goSprint(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return formatGoFloat(value);
  if (Array.isArray(value)) return `[${value.map(goSprint).join(" ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `map[${entries.map(([k, v]) => `${k}:${goSprint(v)}`).join(" ")}]`;
}

/** Go's `%v` of a float64 (`%g`, shortest digits): exponent form below 1e-4 and from 1e6 up. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}
