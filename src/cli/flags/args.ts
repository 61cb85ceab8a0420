/**
 * Command-line flags, parsed without runtime APIs so the same parser serves
 * Node, Bun and Deno and can be tested in-process. GNU style: `--name value`,
 * `--name=value`, flags anywhere among positionals, `--` ends the flags, and a
 * lone `-` is a positional (standard input).
 */
import { usageError } from "../errors.ts";

export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** Repeatable; the values are collected in order. */
  readonly multiple?: boolean;
  /** One-letter alias, e.g. "h" for `-h`. */
  readonly short?: string;
  /** What the value is, shown in help: `--timeout DURATION`. */
  readonly value?: string;
  readonly description: string;
  /** For commands that read the environment: the variable, when not `IMGVERIFY_<NAME>`. */
  readonly env?: string;
  /** For commands that read the environment: this flag has no variable. */
  readonly noEnv?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Narrowed specs, for flag tables that must spell out their type. */
export type BooleanFlag = FlagSpec & { readonly type: "boolean" };
export type StringFlag = FlagSpec & { readonly type: "string"; readonly multiple?: false };
export type RepeatedStringFlag = FlagSpec & { readonly type: "string"; readonly multiple: true };

type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[]
    : string | undefined;

export type FlagValues<T extends FlagSpecs> = { -readonly [K in keyof T]: FlagValue<T[K]> };

export interface ParsedArgs<T extends FlagSpecs> {
  flags: FlagValues<T>;
  positionals: string[];
}

/** Upper bound on argv length: a command line is typed or scripted, never a data channel. */
const MAX_ARGS = 10_000;

function isFlag(arg: string): boolean {
  return arg.startsWith("-") && arg !== "-";
}

function initialValues<T extends FlagSpecs>(specs: T): FlagValues<T> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    values[name] = spec.type === "boolean" ? false : spec.multiple ? [] : undefined;
  }
  return values as FlagValues<T>;
}

function lookup(specs: FlagSpecs, arg: string): [string, FlagSpec] | undefined {
  if (arg.startsWith("--")) {
    const name = arg.slice(2);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    return spec && [name, spec];
  }
  const short = arg.slice(1);
  return Object.entries(specs).find(([, spec]) => spec.short === short);
}

/**
 * Parses `argv` against `specs`. `command` only shapes the error messages,
 * which name the flag and point at that command's --help.
 */
export function parseArgs<T extends FlagSpecs>(
  argv: readonly string[],
  specs: T,
  command?: string,
): ParsedArgs<T> {
  if (argv.length > MAX_ARGS) throw usageError(`too many arguments (${argv.length})`, command);
  const values = initialValues(specs) as Record<string, unknown>;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isFlag(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const written = eq === -1 ? arg : arg.slice(0, eq);
    const found = lookup(specs, written);
    if (!found) throw usageError(`unknown flag ${written}`, command);
    const [name, spec] = found;
    if (spec.type === "boolean") {
      if (eq !== -1) throw usageError(`flag ${written} takes no value`, command);
      values[name] = true;
      continue;
    }
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || isFlag(next)) {
        throw usageError(`flag ${written} needs a value (${spec.value ?? "VALUE"})`, command);
      }
      value = next;
      i++;
    }
    if (spec.multiple) (values[name] as string[]).push(value);
    else if (values[name] !== undefined) throw usageError(`flag ${written} given twice`, command);
    else values[name] = value;
  }
  return { flags: values as FlagValues<T>, positionals };
}

/**
 * Index of the first positional in `argv` when read with `specs`: how the
 * command name is found among leading global flags (`imgverify --json resolve`).
 * Returns -1 when there is none; unknown flags are left for the full parse.
 */
export function firstPositional(argv: readonly string[], specs: FlagSpecs): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") return i + 1 < argv.length ? i + 1 : -1;
    if (!isFlag(arg)) return i;
    const found = arg.includes("=") ? undefined : lookup(specs, arg);
    if (found?.[1].type === "string") i++;
  }
  return -1;
}
