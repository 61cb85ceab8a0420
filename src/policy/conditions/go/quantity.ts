/**
 * Kubernetes resource quantities (`resource.ParseQuantity`), which Kyverno's
 * Equals and ordering operators try before plain strings: `1Gi`, `500m`,
 * `1e3`, `0.5`. A quantity is kept as an exact fraction so `1Gi` equals
 * `1073741824` and `100m` equals `0.1`.
 */

export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
/** Exponents beyond this are refused instead of building huge integers. */
const MAX_EXPONENT = 64;

/** The quantity `text` denotes, or undefined when Kubernetes would refuse it. */
export function parseQuantity(text: string): Quantity | undefined {
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const [, sign, intPart = "", fracPart = "", binary, decimal, exponentText] = m;
  if (intPart === "" && fracPart === "") return undefined;
  let numerator = BigInt(`${intPart}${fracPart}` || "0");
  let denominator = 10n ** BigInt(fracPart.length);
  const exponent = decimal !== undefined ? (DECIMAL[decimal] ?? 0) : Number(exponentText ?? 0);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  if (binary !== undefined) numerator *= BINARY[binary] ?? 1n;
  return { numerator: sign === "-" ? -numerator : numerator, denominator };
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}
