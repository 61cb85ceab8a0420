import { describe, expect, it } from "vitest";
import { codedError, ImgverifyError, reasonOf } from "../../../src/errors.ts";

describe("codedError", () => {
  it("carries the code and message, and a cause only when there is one", () => {
    const root = new Error("socket closed");
    const wrapped = codedError("REGISTRY_UNAVAILABLE", "registry.example: socket closed", root);
    expect(wrapped).toBeInstanceOf(ImgverifyError);
    expect(wrapped.toJSON()).toEqual({
      code: "REGISTRY_UNAVAILABLE",
      message: "registry.example: socket closed",
    });
    expect(wrapped.cause).toBe(root);
    expect("cause" in codedError("X", "no cause")).toBe(false);
  });
});

describe("reasonOf", () => {
  it("is an error's message, or any other thrown value as text", () => {
    expect(reasonOf(new TypeError("bad"))).toBe("bad");
    expect(reasonOf("plain")).toBe("plain");
    expect(reasonOf(42)).toBe("42");
  });
});
