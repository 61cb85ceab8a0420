/**
 * Go's `time.ParseDuration`, `Duration.String` and RFC 3339 parsing, which
 * Kyverno's duration operators and time functions use. Durations are
 * nanoseconds as bigint so that years of difference stay exact.
 */

import { utcTime } from "../../../time/calendar.ts";

const NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_DURATION = (1n << 63n) - 1n;
const COMPONENT = /^(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]+)/;

/** Nanoseconds of a Go duration like `1h30m`, `-1.5s` or `0`; undefined where Go returns an error. */
export function parseGoDuration(text: string): bigint | undefined {
  let rest = text;
  const negative = rest.startsWith("-");
  if (negative || rest.startsWith("+")) rest = rest.slice(1);
  if (rest === "0") return 0n;
  if (rest === "") return undefined;
  let total = 0n;
  while (rest !== "") {
    const m = COMPONENT.exec(rest);
    if (m === null) return undefined;
    const [whole, intPart = "", fracPart, unit = ""] = m;
    const scale = NANOS[unit];
    if (scale === undefined || (intPart === "" && (fracPart ?? "") === "")) return undefined;
    total += BigInt(intPart || "0") * scale;
    if (fracPart) total += (BigInt(fracPart) * scale) / 10n ** BigInt(fracPart.length);
    if (total > MAX_DURATION) return undefined;
    rest = rest.slice(whole.length);
  }
  return negative ? -total : total;
}

/** Go's `Duration.String()`: `72h3m0.5s`, `1.5ms`, `0s`. */
export function formatGoDuration(nanos: bigint): string {
  const negative = nanos < 0n;
  let u = negative ? -nanos : nanos;
  let out: string;
  if (u === 0n) return "0s";
  if (u < 1_000_000_000n) {
    const [prec, unit] = u < 1_000n ? [0, "ns"] : u < 1_000_000n ? [3, "\u00b5s"] : [6, "ms"];
    out = `${fraction(u, prec)}${unit}`;
  } else {
    out = `${fraction(u % 60_000_000_000n, 9)}s`;
    u /= 60_000_000_000n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

// `value / 10^prec` with trailing zeros (and a bare point) dropped, as Go's fmtFrac does.
function fraction(value: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const digits = (value % scale).toString().padStart(prec, "0").replace(/0+$/, "");
  return digits === "" ? `${value / scale}` : `${value / scale}.${digits}`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Nanoseconds since the Unix epoch of an RFC 3339 timestamp (`time.RFC3339` layout). */
export function parseRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", , sign, oh = "0", om = "0"] = m;
  const time = utcTime([y, mo, d, h, mi, s].map(Number));
  if (time === undefined || Number(oh) > 23 || Number(om) > 59) return undefined;
  const ms = time.getTime();
  const offsetMinutes = (Number(oh) * 60 + Number(om)) * (sign === "-" ? -1 : 1);
  const nanos = BigInt(ms - offsetMinutes * 60_000) * 1_000_000n;
  return nanos + BigInt(frac.padEnd(9, "0") || "0");
}

/** Go's `Format(time.RFC3339)` in UTC: seconds precision, `Z` suffix. */
export function formatRfc3339(nanos: bigint): string {
  const ms = Number(
    (nanos - (((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n)) / 1_000_000n,
  );
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
