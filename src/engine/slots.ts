/**
 * At most `size` tasks at a time; the rest wait their turn in order. It
 * bounds the checks of one huge object (1024 images by many rules) while a
 * usual admission, with fewer checks than slots, still runs them all at once.
 */
export class Slots {
  readonly #size: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`slots must be a whole number >= 1, got ${size}`);
    }
    this.#size = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#size) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#busy++;
    }
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy--;
    }
  }
}
