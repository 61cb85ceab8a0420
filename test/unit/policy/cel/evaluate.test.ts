import { CelScalar, celFunc, celMethod, isCelMap } from "@bufbuild/cel";
import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import { compileCel, fromCel, toCel } from "../../../../src/policy/cel/evaluate.ts";

const WHERE = "spec.validations[0].expression";

const pod = {
  metadata: { name: "web", labels: { app: "web" } },
  spec: {
    replicas: 3,
    ratio: 0.5,
    paused: false,
    nodeName: null,
    containers: [
      { name: "app", image: "ghcr.io/acme/app:1.0" },
      { name: "side", image: "docker.io/library/busybox" },
    ],
  },
};

function evaluate(
  expression: string,
  bindings: Record<string, unknown> = { object: pod },
): unknown {
  return compileCel(expression, WHERE).evaluate(bindings);
}

/** The thrown error's code and message, or undefined when nothing is thrown. */
function failure(run: () => unknown): { code: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    if (!isImgverifyError(err)) throw err;
    return { code: err.code, message: err.message };
  }
}

describe("toCel", () => {
  it("makes whole numbers ints and the rest doubles, as Kubernetes JSON reads", () => {
    expect(toCel(3)).toBe(3n);
    expect(toCel(-7)).toBe(-7n);
    expect(toCel(0.5)).toBe(0.5);
    // Past int64 a whole number is only ever a double.
    expect(toCel(2 ** 64)).toBe(2 ** 64);
  });

  it("turns objects into maps and lists element by element, nested", () => {
    const converted = toCel({ a: { b: [1, 2.5, null, true, "s"] } });
    expect(isCelMap(converted) || converted instanceof Map).toBe(true);
    const inner = (converted as Map<string, unknown>).get("a") as Map<string, unknown>;
    expect(inner.get("b")).toEqual([1n, 2.5, null, true, "s"]);
  });

  it("passes bytes, maps and scalars through", () => {
    const bytes = new Uint8Array([1, 2]);
    const map = new Map([["k", 1n]]);
    expect(toCel(bytes)).toBe(bytes);
    expect(toCel(map)).toBe(map);
    for (const scalar of [null, true, false, "text"]) expect(toCel(scalar)).toBe(scalar);
  });
});

describe("fromCel", () => {
  it("gives ints back as numbers while they are safe, as bigints past that", () => {
    expect(fromCel(5n)).toBe(5);
    expect(fromCel(2n ** 60n)).toBe(2n ** 60n);
  });

  it("round-trips a JSON document through CEL", () => {
    expect(evaluate("object")).toEqual(pod);
  });
});

describe("compileCel: values", () => {
  it("tells ints from doubles", () => {
    expect(evaluate("type(object.spec.replicas) == int && type(object.spec.ratio) == double")).toBe(
      true,
    );
    expect(evaluate("object.spec.replicas * 2")).toBe(6);
    expect(evaluate("object.spec.ratio * 2.0")).toBe(1);
    expect(failure(() => evaluate("object.spec.replicas + 1.0"))?.code).toBe("CEL_FAILED");
  });

  it("reads booleans, null, lists and nested objects", () => {
    expect(evaluate("!object.spec.paused && object.spec.nodeName == null")).toBe(true);
    expect(evaluate("object.spec.containers.map(c, c.name)")).toEqual(["app", "side"]);
    expect(
      evaluate("object.spec.containers.filter(c, c.image.startsWith('ghcr.io/')).size()"),
    ).toBe(1);
    expect(evaluate("{'n': [1, 2.5, 'x', null]}")).toEqual({ n: [1, 2.5, "x", null] });
  });

  it("binds bytes as bytes", () => {
    const digest = new Uint8Array([0x61, 0x62, 0x63]);
    expect(evaluate("data.size() == 3 && string(data) == 'abc'", { data: digest })).toBe(true);
    expect(evaluate("b'\\x01\\x02'", {})).toEqual(new Uint8Array([1, 2]));
  });

  it("evaluates one program many times over different bindings", () => {
    const program = compileCel("object.spec.replicas > 2", WHERE);
    expect(program.evaluate({ object: pod })).toBe(true);
    expect(program.evaluate({ object: { spec: { replicas: 1 } } })).toBe(false);
    expect(program.expression).toBe("object.spec.replicas > 2");
  });
});

describe("compileCel: has() and missing data", () => {
  it("tests presence of map keys with has()", () => {
    expect(evaluate("has(object.metadata.labels)")).toBe(true);
    expect(evaluate("has(object.metadata.labels.app)")).toBe(true);
    expect(evaluate("has(object.metadata.annotations)")).toBe(false);
    expect(evaluate("'app' in object.metadata.labels")).toBe(true);
  });

  it("fails with CEL_FAILED naming where the expression is for a missing key or variable", () => {
    for (const expression of [
      "object.metadata.annotations",
      "object.metadata.labels['tier']",
      "has(object.metadata.annotations.owner)",
      "request.userInfo",
    ]) {
      const error = failure(() => evaluate(expression));
      expect(error?.code, expression).toBe("CEL_FAILED");
      expect(error?.message, expression).toContain(WHERE);
    }
  });
});

describe("compileCel: parse errors", () => {
  it("throws CEL_INVALID at compile time, naming where and the parser's reason", () => {
    for (const expression of ["1 +", "object.", "a ? b", "[1, 2"]) {
      const error = failure(() => compileCel(expression, WHERE));
      expect(error?.code, expression).toBe("CEL_INVALID");
      expect(error?.message, expression).toMatch(
        new RegExp(`^${WHERE.replace(/[.[\]]/g, "\\$&")}: .+`),
      );
    }
  });
});

describe("compileCel: custom functions", () => {
  const functions = [
    celFunc("twice", [CelScalar.INT], CelScalar.INT, (x) => x * 2n),
    celMethod("registry", CelScalar.STRING, [], CelScalar.STRING, function () {
      return this.split("/")[0] ?? "";
    }),
    celFunc("explode", [], CelScalar.BOOL, () => {
      throw new Error("boom");
    }),
  ];

  it("calls functions and methods given in `functions`", () => {
    const program = compileCel(
      "twice(object.spec.replicas) == 6 && object.spec.containers[0].image.registry() == 'ghcr.io'",
      WHERE,
      { functions },
    );
    expect(program.evaluate({ object: pod })).toBe(true);
  });

  it("reports a function that throws as CEL_FAILED", () => {
    const program = compileCel("explode()", WHERE, { functions });
    expect(failure(() => program.evaluate({}))).toEqual({
      code: "CEL_FAILED",
      message: `${WHERE}: boom`,
    });
  });

  it("leaves functions that were not given unbound", () => {
    expect(failure(() => evaluate("twice(2)", {}))?.code).toBe("CEL_FAILED");
  });
});
