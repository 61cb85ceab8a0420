import { describe, expect, it } from "vitest";
import { concatBytes } from "../../../src/encoding/bytes.ts";

describe("concatBytes", () => {
  it("joins chunks in order", () => {
    const joined = concatBytes(
      [new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])],
      3,
    );
    expect([...joined]).toEqual([1, 2, 3]);
  });

  it("returns a single whole chunk without copying it, and an empty buffer for none", () => {
    const only = new Uint8Array([7, 8, 9]);
    expect(concatBytes([only], 3)).toBe(only);
    expect(concatBytes([], 0).byteLength).toBe(0);
  });
});
