import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import { substituteDeep, substituteString } from "../../../src/policy/index.ts";

const data = {
  request: {
    namespace: "prod",
    operation: "CREATE",
    object: { metadata: { name: "new" } },
    oldObject: { metadata: { name: "old" } },
  },
  keys: { data: { prod: "PROD-KEY", production: "PRODUCTION-KEY", n: 3 } },
  images: { containers: { app: { registry: "ghcr.io", tag: "v1" } } },
  list: ["a", "b"],
  text: "{{ keys.data.prod }}",
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isImgverifyError(err) ? err.code : "other";
  }
  return undefined;
}

describe("{{ }} substitution", () => {
  it.each([
    ["{{ request.namespace }}", "prod"],
    ["{{request.namespace}}", "prod"],
    ["{{ keys.data.n }}", 3],
    ["{{ list }}", ["a", "b"]],
    ["{{ keys.data }}", { prod: "PROD-KEY", production: "PRODUCTION-KEY", n: 3 }],
    ["ns-{{ request.namespace }}", "ns-prod"],
    ["{{ request.namespace }}/{{ images.containers.app.registry }}", "prod/ghcr.io"],
    ["n={{ keys.data.n }}", "n=3"],
    ["l={{ list }}", 'l=["a","b"]'],
    ["{{ keys.data.{{ request.namespace }} }}", "PROD-KEY"],
    ["{{ keys.data.{{request.namespace}}uction }}", "PRODUCTION-KEY"],
    ["\\{{ request.namespace }}", "{{ request.namespace }}"],
    ["{{ to_upper(request.namespace) }}", "PROD"],
    ["{{ 'literal' }}", "literal"],
    ["{{ missing || 'none' }}", "none"],
    ["no variables here", "no variables here"],
    // A whole-string variable is returned as is; text around it makes Kyverno look again, unless `{{-`.
    ["{{ text }}", "{{ keys.data.prod }}"],
    ["x {{ text }}", "x PROD-KEY"],
    ["x {{- text }}", "x {{ keys.data.prod }}"],
  ])("%s -> %j", (input, expected) => {
    expect(substituteString(input, data, "f")).toEqual(expected);
  });

  it("reads request.oldObject for DELETE requests, as Kyverno does", () => {
    const del = { ...data, request: { ...data.request, operation: "DELETE" } };
    expect(substituteString("{{ request.object.metadata.name }}", del, "f")).toBe("old");
  });

  it("fails on unknown keys of plain paths and on bad expressions", () => {
    expect(code(() => substituteString("{{ keys.data.dev }}", data, "f"))).toBe(
      "VARIABLE_UNRESOLVED",
    );
    expect(code(() => substituteString("x {{ nothing.here }}", data, "f"))).toBe(
      "VARIABLE_UNRESOLVED",
    );
    expect(code(() => substituteString("{{ a.[ }}", data, "f"))).toBe("JMESPATH_FAILED");
    expect(code(() => substituteString("{{ to_upper(keys.data.n) }}", data, "f"))).toBe(
      "JMESPATH_FAILED",
    );
    expect(code(() => substituteString("{{  }}", data, "f"))).toBe("VARIABLE_UNRESOLVED");
  });

  it("names the field in errors", () => {
    expect(() => substituteString("{{ keys.data.dev }}", data, "spec.rules[0].x")).toThrow(
      /spec\.rules\[0\]\.x: variable "keys\.data\.dev": unknown key "dev"/,
    );
  });

  it("bounds self-feeding substitution", () => {
    const loop = { a: "{{ a }}{{ a }}" };
    expect(code(() => substituteString("x{{ a }}", loop, "f"))).toBe("LIMIT_EXCEEDED");
  });

  it("substitutes every string of a structure", () => {
    expect(
      substituteDeep(
        { a: ["{{ request.namespace }}", 1, true], b: { c: "{{ keys.data.n }}" } },
        data,
        "f",
      ),
    ).toEqual({
      a: ["prod", 1, true],
      b: { c: 3 },
    });
  });
});
