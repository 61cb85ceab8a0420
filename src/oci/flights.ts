import type { SingleFlight } from "../store/single-flight.ts";
import { type Operation, untilAborted } from "./operation.ts";

/**
 * Routes registry requests through the per-admission `SingleFlight` store,
 * keyed by what is fetched (kind, method, URL, auth scope) and with which
 * credentials (a `scoped` view per credential set), never by who asks: a
 * call made with one rule's pull secrets never answers a rule without them.
 * Values put in the store are shared between callers: they are frozen, and
 * byte arrays are copied before they leave the client.
 *
 * A load runs under the operation that started it; a caller that joins it
 * stops waiting when its own operation is aborted.
 */
export class Flights {
  readonly #store: SingleFlight<string, unknown> | undefined;
  /** Shared by every scoped view of one store. */
  #counts = { shared: 0 };
  #scope = "";

  constructor(store: SingleFlight<string, unknown> | undefined) {
    this.#store = store;
  }

  /** The same store, its keys apart from every other scope's (`scope` names a credential set). */
  scoped(scope: string): Flights {
    const view = new Flights(this.#store);
    view.#counts = this.#counts;
    view.#scope = `${this.#scope}[${scope}] `;
    return view;
  }

  /** Requests answered by a load another caller had already started, over every scope. */
  get shared(): number {
    return this.#counts.shared;
  }

  run<T>(key: string, op: Operation, load: () => Promise<T>): Promise<T> {
    const store = this.#store;
    if (!store) return load();
    const scopedKey = this.#scope + key;
    // The load that starts here runs under `op`, so it ends when `op` is aborted.
    if (!store.has(scopedKey)) return store.get(scopedKey, load) as Promise<T>;
    this.#counts.shared++;
    return untilAborted(store.get(scopedKey, load) as Promise<T>, op.signal);
  }

  /** Makes `value` the answer for `key` unless one is already there. */
  seed(key: string, value: unknown): void {
    const scopedKey = this.#scope + key;
    if (this.#store && !this.#store.has(scopedKey))
      void this.#store.get(scopedKey, () => Promise.resolve(value));
  }
}
