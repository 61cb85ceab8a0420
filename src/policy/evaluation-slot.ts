/**
 * A value held for the length of one synchronous evaluation: the functions a
 * CEL or JMESPath evaluation calls cannot be handed it, so they read it here.
 * Nested evaluations see their own value and restore the outer one.
 */
export class EvaluationSlot<T> {
  #current: T | undefined;

  /** The value of the evaluation in progress, if any. */
  get current(): T | undefined {
    return this.#current;
  }

  /** Runs `evaluate` with `value` in the slot. */
  with<R>(value: T, evaluate: () => R): R {
    const outer = this.#current;
    this.#current = value;
    try {
      return evaluate();
    } finally {
      this.#current = outer;
    }
  }
}
