/**
 * Whether go.yaml.in/yaml/v3 would read an unquoted string back as a string
 * (its `resolve` with no tag): the encoder writes text that would read as
 * null, a boolean (YAML 1.1 ones too), a number, a base-60 float or a
 * timestamp in double quotes.
 */

const NOT_STRINGS = new Set([
  ..."true True TRUE false False FALSE ~ null Null NULL".split(" "),
  ...".nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF".split(" "),
  // YAML 1.1 booleans, quoted for YAML 1.1 readers.
  ..."y Y yes Yes YES on On ON n N no No NO off Off OFF".split(" "),
]);
const INT = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))|(?: \d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{1,9})?))?$/;

export function readsAsString(value: string): boolean {
  if (value === "" || NOT_STRINGS.has(value) || BASE60.test(value)) return false;
  const first = value[0] ?? "";
  if (first === ".")
    return !(/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(value) && Number.isFinite(Number(value)));
  if (!/[-+0-9]/.test(first)) return true;
  if (isTimestamp(value)) return false;
  const plain = value.replaceAll("_", "");
  return !(isInt64(plain) || (FLOAT.test(plain) && Number.isFinite(Number(plain))));
}

function isTimestamp(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
  );
}

// Go's strconv.ParseInt(s, 0, 64) or ParseUint(s, 0, 64) accepts it.
function isInt64(plain: string): boolean {
  const m = INT.exec(plain);
  if (m === null) return false;
  const [, sign = "", digits = ""] = m;
  const legacyOctal = /^0[0-7]+$/.test(digits);
  const magnitude = BigInt(legacyOctal ? `0o${digits.slice(1)}` : digits);
  return sign === "-" ? magnitude <= 2n ** 63n : magnitude < 2n ** 64n;
}
