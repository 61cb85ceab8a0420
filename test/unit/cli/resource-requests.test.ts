import { describe, expect, it } from "vitest";
import { MAX_LIST_ITEMS, resourceRequests } from "../../../src/cli/commands/apply-resources.ts";

const pod = (name: string, image: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image }] },
});

const read = (text: string) => resourceRequests([{ path: "r.yaml", text }]);

describe("resourceRequests", () => {
  it("expands a kind: List into one request per item, named by its index", () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop" },
      spec: { template: { spec: { containers: [{ name: "c", image: "b:1" }] } } },
    };
    const list = { apiVersion: "v1", kind: "List", items: [pod("one", "a:1"), deployment] };
    const requests = read(`${JSON.stringify(pod("first", "z:1"))}\n---\n${JSON.stringify(list)}`);
    expect(requests.map((r) => r.source)).toEqual([
      "r.yaml#0",
      "r.yaml#1.items[0]",
      "r.yaml#1.items[1]",
    ]);
    const [, one, web] = requests;
    expect(one?.request).toMatchObject({ name: "one", namespace: "default" });
    expect(one?.request.kind).toEqual({ group: "", version: "v1", kind: "Pod" });
    expect(web?.request).toMatchObject({ name: "web", namespace: "shop" });
    expect(web?.request.kind).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
  });

  it("reads a typed list whose items leave out apiVersion and kind, as the API answers", () => {
    const { apiVersion: _, kind: __, ...bare } = pod("api", "a:1");
    const [request] = read(JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [bare] }));
    expect(request?.source).toBe("r.yaml#0.items[0]");
    expect(request?.request.kind.kind).toBe("Pod");
  });

  it("takes an empty List as no resources", () => {
    expect(read("apiVersion: v1\nkind: List\nitems: []\n")).toEqual([]);
    expect(read("apiVersion: v1\nkind: List\n")).toEqual([]);
  });

  it("refuses bad items, nested Lists, items that are not a sequence and oversized Lists", () => {
    expect(() => read("apiVersion: v1\nkind: List\nitems:\n- 7\n")).toThrow(
      "r.yaml#0.items[0]: a resource must be a mapping",
    );
    expect(() => read("apiVersion: v1\nkind: List\nitems:\n- {kind: List, items: []}\n")).toThrow(
      "r.yaml#0.items[0]: a List inside a List is not a resource",
    );
    expect(() => read("apiVersion: v1\nkind: List\nitems: {a: 1}\n")).toThrow(
      "r.yaml#0: a List's items must be a sequence",
    );
    const big = { apiVersion: "v1", kind: "List", items: Array(MAX_LIST_ITEMS + 1).fill({}) };
    expect(() => read(JSON.stringify(big))).toThrow(`at most ${MAX_LIST_ITEMS}`);
  });
});
