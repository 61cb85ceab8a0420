import type { SingleFlight } from "../store/single-flight.ts";
import { type Operation, untilAborted } from "./operation.ts";

/**
 * Routes registry requests through the per-admission `SingleFlight` store,
 * keyed by what is fetched (kind, method, URL, auth scope), never by who asks.
 * Values put in the store are shared between callers: they are frozen, and
 * byte arrays are copied before they leave the client.
 *
 * A load runs under the operation that started it; a caller that joins it
 * stops waiting when its own operation is aborted.
 */
export class Flights {
  readonly #store: SingleFlight<string, unknown> | undefined;
  #shared = 0;

  constructor(store: SingleFlight<string, unknown> | undefined) {
    this.#store = store;
  }

  /** Requests answered by a load another caller had already started. */
  get shared(): number {
    return this.#shared;
  }

  run<T>(key: string, op: Operation, load: () => Promise<T>): Promise<T> {
    const store = this.#store;
    if (!store) return load();
    if (store.has(key)) this.#shared++;
    return untilAborted(store.get(key, load) as Promise<T>, op.signal);
  }

  /** Makes `value` the answer for `key` unless one is already there. */
  seed(key: string, value: unknown): void {
    if (this.#store && !this.#store.has(key))
      void this.#store.get(key, () => Promise.resolve(value));
  }
}
