import {
  type JSONValue,
  register,
  TYPE_ANY,
  TYPE_ARRAY,
  TYPE_NUMBER,
  TYPE_OBJECT,
  TYPE_STRING,
} from "@jmespath-community/jmespath";
import { parse as parseYaml } from "yaml";
import { isMapping } from "../kyverno/reader.ts";
import { parseSemVer, parseSemVerRange } from "./go/semver.ts";
import { type FunctionSpec, fail, STRING_FUNCTIONS } from "./string-functions.ts";
import { TIME_FUNCTIONS } from "./time-functions.ts";

/**
 * Kyverno's custom JMESPath functions (pkg/engine/jmespath) that image
 * verification policies use. `contains`, `split`, `to_string`... are the
 * community built-ins with the same meaning.
 */

function base64Decode(input: string): string {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(input)) {
    return fail("base64_decode", "illegal base64 data");
  }
  const bytes = Uint8Array.from(atob(input), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function truncate(value: string, length: number): string {
  return Array.from(value)
    .slice(0, Math.max(0, Math.trunc(length)))
    .join("");
}

function semverCompare(version: string, range: string): boolean {
  const check = parseSemVerRange(range);
  if (check === undefined) return fail("semver_compare", `invalid range "${range}"`);
  const v = parseSemVer(version);
  // blang/semver compares an unparsable version as 0.0.0.
  return check(v ?? { major: 0n, minor: 0n, patch: 0n, pre: [] });
}

const DATA_FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  label_match: {
    types: [[TYPE_OBJECT], [TYPE_OBJECT]],
    fn: ([selector, labels]) =>
      isMapping(selector) &&
      isMapping(labels) &&
      Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v),
  },
  to_boolean: {
    types: [[TYPE_STRING]],
    fn: ([s]) => {
      const lower = String(s).toLowerCase();
      if (lower === "true" || lower === "false") return lower === "true";
      return fail(
        "to_boolean",
        `lowercase argument must be 'true' or 'false' (provided: '${String(s)}')`,
      );
    },
  },
  base64_decode: { types: [[TYPE_STRING]], fn: ([s]) => base64Decode(String(s)) },
  base64_encode: {
    types: [[TYPE_STRING]],
    fn: ([s]) =>
      btoa(Array.from(new TextEncoder().encode(String(s)), (b) => String.fromCharCode(b)).join("")),
  },
  truncate: {
    types: [[TYPE_STRING], [TYPE_NUMBER]],
    fn: ([s, n]) => truncate(String(s), Number(n)),
  },
  semver_compare: {
    types: [[TYPE_STRING], [TYPE_STRING]],
    fn: ([v, r]) => semverCompare(String(v), String(r)),
  },
  parse_json: {
    types: [[TYPE_STRING]],
    fn: ([s]) => {
      try {
        return JSON.parse(String(s));
      } catch (err) {
        return fail("parse_json", (err as Error).message);
      }
    },
  },
  parse_yaml: {
    types: [[TYPE_STRING]],
    fn: ([s]) => {
      try {
        return parseYaml(String(s), { maxAliasCount: 100 }) ?? null;
      } catch (err) {
        return fail("parse_yaml", (err as Error).message);
      }
    },
  },
  lookup: {
    types: [
      [TYPE_OBJECT, TYPE_ARRAY],
      [TYPE_STRING, TYPE_NUMBER],
    ],
    fn: ([collection, key]) => {
      if (Array.isArray(collection)) {
        if (typeof key !== "number" || !Number.isInteger(key))
          return fail("lookup", "an array needs an integer index");
        return collection[key] ?? null;
      }
      const name = String(key);
      return Object.hasOwn(collection as object, name)
        ? ((collection as Record<string, unknown>)[name] ?? null)
        : null;
    },
  },
};

let registered = false;

/** Registers the functions once in the (process-wide) JMESPath runtime. */
export function registerKyvernoFunctions(): void {
  if (registered) return;
  registered = true;
  const all = {
    ...STRING_FUNCTIONS,
    ...DATA_FUNCTIONS,
    ...Object.fromEntries(
      Object.entries(TIME_FUNCTIONS).map(([name, { arity, fn }]) => [
        name,
        { types: Array.from({ length: arity }, () => [TYPE_ANY]), fn },
      ]),
    ),
  };
  for (const [name, { types, fn }] of Object.entries(all)) {
    const signature = types.map((t) => ({ types: t }));
    register(name as "kyverno", (args) => fn(args as unknown[]) as JSONValue, signature, {
      override: true,
    });
  }
}
