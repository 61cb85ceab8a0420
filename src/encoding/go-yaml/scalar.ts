/**
 * One string scalar written the way go.yaml.in/yaml/v3 (Kyverno's YAML
 * encoder) writes it in block context with unlimited width: the encoder asks
 * for plain style unless the text reads as another type (then double quotes)
 * or has a newline (then a literal block); the emitter falls back from plain
 * to single quotes to double quotes when the text's characters forbid a style.
 */

import { readsAsString } from "./resolve.ts";

type Style = "plain" | "single" | "double" | "literal";

const BREAKS = new Set(["\n", "\r", "\u0085", "\u2028", "\u2029"]);
const FIRST_INDICATORS = new Set([..."#,[]{}&*!|>'\"%@`"]);

export interface Scalar {
  readonly text: string;
  /** A literal block that keeps trailing newlines: the document must end with `...`. */
  readonly openEnded: boolean;
}

/** `value` as a mapping key (`simpleKey`) or as a value whose block lines are indented by `indent`. */
export function goYamlScalar(value: string, indent: number, simpleKey: boolean): Scalar {
  const style = chooseStyle(value, simpleKey);
  if (style === "plain") return { text: value, openEnded: false };
  if (style === "single") return { text: singleQuoted(value, indent), openEnded: false };
  if (style === "double") return { text: doubleQuoted(value), openEnded: false };
  return literal(value, indent);
}

/** The emitter's simple-key test: one line, at most 128 bytes. */
export function isSimpleKey(key: string): boolean {
  return ![...key].some((c) => BREAKS.has(c)) && new TextEncoder().encode(key).length <= 128;
}

function chooseStyle(value: string, simpleKey: boolean): Style {
  const allowed = analyse(value);
  let style: Style = value.includes("\n") ? "literal" : readsAsString(value) ? "plain" : "double";
  if (simpleKey && allowed.multiline) style = "double";
  if (style === "plain" && (!allowed.plain || (value === "" && simpleKey))) style = "single";
  if (style === "single" && !allowed.single) style = "double";
  if (style === "literal" && (!allowed.block || simpleKey)) style = "double";
  return style;
}

function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

// Which block-context styles the characters of `value` allow (the emitter's scalar analysis).
function analyse(value: string): {
  multiline: boolean;
  plain: boolean;
  single: boolean;
  block: boolean;
} {
  if (value === "") return { multiline: false, plain: true, single: true, block: false };
  const chars = [...value];
  let indicators = value.startsWith("---") || value.startsWith("...");
  let breaks = false;
  let special = false;
  let tabs = false;
  let breakSpace = false;
  let spaceBreak = false;
  let afterWhitespace = true;
  chars.forEach((c, i) => {
    const next = chars[i + 1];
    const beforeWhitespace = next === undefined || next === " " || next === "\t";
    if (i === 0) {
      indicators ||= FIRST_INDICATORS.has(c) || ("?:-".includes(c) && beforeWhitespace);
    } else {
      indicators ||= (c === ":" && beforeWhitespace) || (c === "#" && afterWhitespace);
    }
    if (c === "\t") tabs = true;
    else if (!isPrintable(c.codePointAt(0) ?? 0)) special = true;
    const previous = chars[i - 1];
    if (c === " " && previous !== undefined && BREAKS.has(previous)) breakSpace = true;
    if (BREAKS.has(c)) {
      breaks = true;
      if (previous === " ") spaceBreak = true;
    }
    afterWhitespace = c === " " || c === "\t" || c === "\0" || BREAKS.has(c);
  });
  const first = chars[0] ?? "";
  const last = chars[chars.length - 1] ?? "";
  const edgeSpace = first === " " || last === " ";
  const edgeBreak = BREAKS.has(first) || BREAKS.has(last);
  const noQuotes = breakSpace || spaceBreak || tabs || special;
  return {
    multiline: breaks,
    plain: !(edgeSpace || edgeBreak || noQuotes || breaks || indicators),
    single: !noQuotes,
    block: !(last === " " || spaceBreak || special),
  };
}

/**
 * `chars` with every line after a break indented by `indent` spaces, each
 * other character written as `write` says; `atBreak` when the text starts on
 * a fresh line. Single-quoted and literal scalars continue their lines so.
 */
function indentLines(
  chars: Iterable<string>,
  indent: number,
  atBreak: boolean,
  write: (c: string) => string = (c) => c,
): string {
  let out = "";
  let afterBreak = atBreak;
  for (const c of chars) {
    if (BREAKS.has(c)) {
      out += c;
      afterBreak = true;
      continue;
    }
    if (afterBreak) out += " ".repeat(indent);
    out += write(c);
    afterBreak = false;
  }
  return out;
}

function singleQuoted(value: string, indent: number): string {
  return `'${indentLines(value, indent, false, (c) => (c === "'" ? "''" : c))}'`;
}

const ESCAPES: Readonly<Record<number, string>> = {
  0x00: "0",
  0x07: "a",
  0x08: "b",
  0x09: "t",
  0x0a: "n",
  0x0b: "v",
  0x0c: "f",
  0x0d: "r",
  0x1b: "e",
  0x22: '"',
  0x5c: "\\",
  0x85: "N",
  0x2028: "L",
  0x2029: "P",
};

function doubleQuoted(value: string): string {
  let out = '"';
  for (const c of value) {
    const cp = c.codePointAt(0) ?? 0;
    const escape = !isPrintable(cp) || cp === 0xfeff || BREAKS.has(c) || c === '"' || c === "\\";
    if (!escape) out += c;
    else if (ESCAPES[cp] !== undefined) out += `\\${ESCAPES[cp]}`;
    else {
      const [mark, width] = cp <= 0xff ? ["x", 2] : cp <= 0xffff ? ["u", 4] : ["U", 8];
      out += `\\${mark}${cp
        .toString(16)
        .toUpperCase()
        .padStart(width as number, "0")}`;
    }
  }
  return `${out}"`;
}

function literal(value: string, indent: number): Scalar {
  const chars = [...value];
  const last = chars[chars.length - 1] ?? "";
  const beforeLast = chars[chars.length - 2];
  const keep = BREAKS.has(last) && (beforeLast === undefined || BREAKS.has(beforeLast));
  const chomp = !BREAKS.has(last) ? "-" : keep ? "+" : "";
  const hint = chars[0] === " " || BREAKS.has(chars[0] ?? "") ? "2" : "";
  return { text: `|${hint}${chomp}\n${indentLines(chars, indent, true)}`, openEnded: keep };
}
