import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import {
  EMPTY_ROOT,
  freshKey,
  HOST,
  image,
  keyEntry,
  policyDoc,
  pushSigned,
  REFS,
  world,
} from "../engine/core/world.ts";
import { fakeIo } from "./fake-io.ts";

const pod = (name: string, ref: string, namespace?: string): string =>
  [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    `  name: ${name}`,
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    "spec:",
    "  containers:",
    `  - name: c`,
    `    image: ${ref}`,
  ].join("\n");

async function setup() {
  const w = world();
  const key = await freshKey();
  const digest = await pushSigned(w.registry, "app", "v1", [key]);
  await pushSigned(w.registry, "other", "v1", []);
  const policy = policyDoc({
    name: "sigs",
    entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
  });
  const files = {
    "policies/sigs.json": JSON.stringify(policy),
    "root.json": JSON.stringify(EMPTY_ROOT),
    "signed.yaml": pod("web", image("app"), "shop"),
    "both.yaml": `${pod("web", image("app"))}\n---\n${pod("bad", image("other"))}`,
    "list.yaml": [
      "apiVersion: v1",
      "kind: List",
      "items:",
      ...[pod("web", image("app")), pod("bad", image("other"))].map(
        (doc) => `- ${doc.replaceAll("\n", "\n  ")}`,
      ),
    ].join("\n"),
  };
  const io = fakeIo(files, { fetch: () => w.net.fetch });
  const args = ["apply", "--policy", "policies", "--trusted-root", "root.json"];
  return { io, args, digest };
}

describe("imgverify apply", () => {
  it("admits a signed image, printing the rule's pass and the digest pin", async () => {
    const { io, args, digest } = await setup();
    expect(await runCli([...args, "--resource", "signed.yaml"], io)).toBe(0);
    const lines = io.out.split("\n");
    expect(lines[0]).toBe("signed.yaml#0 Pod/shop/web: allowed");
    expect(lines[1]).toMatch(new RegExp(`^  pass sigs/r0 ${HOST}/app:v1`));
    expect(io.out).toContain(
      `  patch replace /spec/containers/0/image "${image("app")}@${digest}"`,
    );
  });

  it("with --json prints one object per resource and exits 1 when one is denied", async () => {
    const { io, args, digest } = await setup();
    expect(await runCli([...args, "--resource", "both.yaml", "--json"], io)).toBe(1);
    const [signed, unsigned, ...rest] = io.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rest).toEqual([]);
    expect(signed).toMatchObject({
      resource: "both.yaml#0",
      allowed: true,
      warnings: [],
      results: [{ policy: "sigs", rule: "r0", image: image("app"), status: "pass" }],
    });
    expect(signed.patch[0]).toEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: `${image("app")}@${digest}`,
    });
    expect(unsigned).toMatchObject({ resource: "both.yaml#1", allowed: false, patch: [] });
    expect(unsigned.results).toMatchObject([{ policy: "sigs", status: "fail" }]);
    expect(unsigned.message).toContain(
      "resource Pod/default/bad was blocked due to the following policies",
    );
    expect(Object.keys(unsigned.results[0]).sort()).toEqual([
      "image",
      "message",
      "policy",
      "rule",
      "status",
    ]);
  });

  it("admits each item of a kind: List as its own resource, like kubectl apply", async () => {
    const { io, args } = await setup();
    expect(await runCli([...args, "--resource", "list.yaml"], io)).toBe(1);
    const verdicts = io.out.split("\n").filter((line) => !line.startsWith(" "));
    expect(verdicts.slice(0, 2)).toEqual([
      "list.yaml#0.items[0] Pod/default/web: allowed",
      "list.yaml#0.items[1] Pod/default/bad: denied",
    ]);
  });

  it("exits 2 without --resource, or on a resource that is not a mapping", async () => {
    const { io, args } = await setup();
    expect(await runCli(args, io)).toBe(2);
    expect(io.err).toContain("apply needs --resource");
    const bad = fakeIo({
      "p.json": "{}",
      "r.yaml": "- just\n- a list",
      "root.json": JSON.stringify(EMPTY_ROOT),
    });
    const code = await runCli(
      ["apply", "--policy", "p.json", "--resource", "r.yaml", "--trusted-root", "root.json"],
      bad,
    );
    expect(code).toBe(2);
    expect(bad.err).toContain("r.yaml#0: a resource must be a mapping");
  });

  it("refuses invalid policies with every issue, exit 2", async () => {
    const io = fakeIo({
      "p.yaml": JSON.stringify(policyDoc({ entries: [{ imageReferences: 7 }] })),
      "r.yaml": pod("web", image("app")),
      "root.json": JSON.stringify(EMPTY_ROOT),
    });
    const code = await runCli(
      ["apply", "--policy", "p.yaml", "--resource", "r.yaml", "--trusted-root", "root.json"],
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toMatch(/imageReferences/);
  });
});
