/**
 * Attestation conditions evaluated over the same verified predicate give the
 * same result as long as they read nothing but that predicate: no rule data
 * (request, images, context entries) and no clock. Passes of that kind are
 * remembered per (conditions, predicate) object, so the admissions that meet
 * a cached attestation again skip its conditions; every other evaluation runs
 * in full. Failures are never remembered. Both objects are held weakly: an
 * entry lives as long as the compiled policy and the cached evidence do.
 */
import type { Conditions } from "./condition-types.ts";
import type { Variables } from "./variables.ts";

const passes = new WeakMap<Conditions, WeakSet<object>>();

export function passedBefore(conditions: Conditions, predicate: object): boolean {
  return passes.get(conditions)?.has(predicate) ?? false;
}

export function rememberPass(conditions: Conditions, predicate: object): void {
  let predicates = passes.get(conditions);
  if (predicates === undefined) passes.set(conditions, (predicates = new WeakSet()));
  predicates.add(predicate);
}

export interface TrackedData {
  readonly data: Variables;
  /** True once anything was read that the predicate alone does not decide. */
  readonly readBeyondPredicate: () => boolean;
}

/**
 * `merged` (the rule data with `predicate` merged over it) behind a view that
 * notes every read of a key the predicate does not own alone, and any listing
 * of the keys. What the predicate's own keys hold is the predicate's, so reads
 * below them are not watched.
 */
export function trackPredicateReads(
  merged: Variables,
  predicate: Readonly<Record<string, unknown>>,
  variables: Variables,
): TrackedData {
  let beyond = false;
  const note = (key: string | symbol): void => {
    if (typeof key !== "string" || !Object.hasOwn(predicate, key) || Object.hasOwn(variables, key))
      beyond = true;
  };
  const data = new Proxy(merged, {
    get(target, key) {
      note(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      note(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      beyond = true;
      return Reflect.ownKeys(target);
    },
  });
  return { data, readBeyondPredicate: () => beyond };
}
