/**
 * Shared pieces of the property suites: run counts and a fixed seed (both
 * overridable), the per-case time bound, the "returns or throws a coded
 * error" check, and JSON mutations of real documents.
 *
 * FUZZ_RUNS=N runs every property N times instead of its default; FUZZ_SEED=S
 * replays a failure (fast-check prints the seed and path of each one).
 */
import fc from "fast-check";
import { ImgverifyError } from "../../../src/errors.ts";

const env: Record<string, string | undefined> =
  typeof process === "undefined" ? {} : (process.env as Record<string, string | undefined>);

export const FUZZ_SEED: number = Number(env.FUZZ_SEED ?? 20261206);
const runsOverride = env.FUZZ_RUNS === undefined ? undefined : Number(env.FUZZ_RUNS);

/**
 * One case must finish within this. A catastrophic regexp or an exponential
 * walk takes seconds; the largest honest case, a policy whose field became a
 * 5,000-item list, takes 100-300 ms on a 2-core machine, nearly all of it in
 * the yaml parser (linear, ~10 µs a node). (workerd freezes its clock during
 * synchronous work, so there the bound cannot trip.)
 */
export const CASE_BUDGET_MS = 1_000;

export function fuzzOptions<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: runsOverride ?? numRuns, endOnFailure: true };
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}\n${err.stack ?? ""}`;
  return String(err);
}

/** Throws unless `err` is an ImgverifyError whose code is one of `codes`. */
export function assertCoded(err: unknown, codes: readonly string[]): void {
  if (!(err instanceof ImgverifyError)) {
    throw new Error(`uncoded error thrown: ${describeError(err)}`);
  }
  if (!codes.includes(err.code)) {
    throw new Error(`code ${err.code} is not one of ${codes.join(", ")}: ${err.message}`);
  }
}

function assertInBudget(start: number): void {
  const elapsed = performance.now() - start;
  if (elapsed > CASE_BUDGET_MS) {
    throw new Error(`case took ${elapsed.toFixed(0)} ms, more than ${CASE_BUDGET_MS} ms`);
  }
}

/** Runs `run`: it must return, or throw a coded error of `codes`, within the budget. */
export function outcome<T>(run: () => T, codes: readonly string[]): T | ImgverifyError {
  const start = performance.now();
  let result: T | ImgverifyError;
  try {
    result = run();
  } catch (err) {
    assertCoded(err, codes);
    result = err as ImgverifyError;
  }
  assertInBudget(start);
  return result;
}

/** `outcome` for promises. */
export async function outcomeAsync<T>(
  run: () => Promise<T>,
  codes: readonly string[],
): Promise<T | ImgverifyError> {
  const start = performance.now();
  let result: T | ImgverifyError;
  try {
    result = await run();
  } catch (err) {
    assertCoded(err, codes);
    result = err as ImgverifyError;
  }
  assertInBudget(start);
  return result;
}

/** Names that are keys of every plain object through its prototype. */
export const PROTOTYPE_NAMES: readonly string[] = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
];

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Deep nesting and long lists, the shapes that break recursive readers. */
export function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** JSON text nested `depth` deep, built as text: JSON.stringify itself overflows past a few thousand. */
export function deepJson(depth: number, leaf: string, asArray: boolean): string {
  return asArray
    ? `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
}

const OPS = [
  "drop",
  "replace",
  "wrap",
  "stringify",
  "number",
  "null",
  "prototype-key",
  "deep",
  "huge",
  "empty",
] as const;

export interface Mutation {
  readonly at: number;
  readonly op: (typeof OPS)[number];
  readonly value: unknown;
  readonly key: string;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom(...OPS),
  value: fc.jsonValue({ maxDepth: 2 }),
  key: fc.constantFrom(...PROTOTYPE_NAMES, "x", "kind", "type", "name"),
});

export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(mutationArb, {
  minLength: 1,
  maxLength: 4,
});

type Container = Record<string, unknown> | unknown[];

// Slots down to a depth, so that mutations stay near the document's own fields.
function slots(value: unknown, out: [Container, string | number][] = [], depth = 0) {
  if (depth > 40 || out.length > 50_000) return out;
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      out.push([value, i]);
      slots(child, out, depth + 1);
    });
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, key]);
      slots(child, out, depth + 1);
    }
  }
  return out;
}

function set(parent: Container, key: string | number, value: unknown): void {
  // defineProperty makes "__proto__" an own key, as JSON.parse does.
  Object.defineProperty(parent, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function small(value: unknown): boolean {
  return value !== undefined && jsonLength(value) < 200;
}

/** Mutated documents stay under this many characters of JSON, so the cases test the parser, not the test. */
const MAX_MUTATED_CHARS = 300_000;

/** A copy of the JSON `document` with each mutation applied at a slot picked by `at`. */
export function mutate(document: unknown, mutations: readonly Mutation[]): unknown {
  let root = { root: structuredClone(document) } as Record<string, unknown>;
  for (const m of mutations) {
    const next = structuredClone(root);
    apply(next, m);
    if (jsonLength(next) <= MAX_MUTATED_CHARS) root = next;
  }
  return root.root ?? null;
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function apply(root: Record<string, unknown>, m: Mutation): void {
  const all = slots(root);
  if (all.length === 0) return;
  const [parent, key] = all[m.at % all.length] as [Container, string | number];
  const current = (parent as Record<string | number, unknown>)[key];
  switch (m.op) {
    case "drop":
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case "replace":
      set(parent, key, m.value);
      break;
    case "wrap":
      set(parent, key, [current]);
      break;
    case "stringify":
      set(parent, key, JSON.stringify(current) ?? "");
      break;
    case "number":
      set(parent, key, [1e308, -1, 0.5, 2 ** 53 + 1, 0][m.at % 5]);
      break;
    case "null":
      set(parent, key, null);
      break;
    case "prototype-key":
      if (typeof current === "object" && current !== null && !Array.isArray(current)) {
        set(current as Container, m.key, m.value);
      } else set(parent, key, { [m.key]: m.value });
      break;
    case "deep":
      set(parent, key, nested(300 + (m.at % 700), current ?? m.value, m.at % 2 === 0));
      break;
    case "huge":
      // Copies of small values only: a long list of big values would only test the test.
      set(
        parent,
        key,
        Array.from({ length: 5_000 }, () => (small(current) ? current : 0)),
      );
      break;
    case "empty":
      set(parent, key, Array.isArray(current) ? [] : typeof current === "string" ? "" : {});
      break;
  }
}
