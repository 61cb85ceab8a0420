/**
 * The two flag pairs `serve` reads cluster objects by, `--config-maps` /
 * `--config-map-ttl` and `--secrets` / `--secret-ttl`: the same choice and
 * the same refusals, each naming its own flag, from argv or the environment.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import { CONFIG_MAP_SOURCE } from "../../../src/cli/serve/config-maps.ts";
import { parseObjectSourceChoice } from "../../../src/cli/serve/object-source.ts";
import { SECRET_SOURCE } from "../../../src/cli/serve/secrets.ts";
import { harness } from "./serve-harness.ts";

describe.each([
  ["config-maps", "config-map-ttl", CONFIG_MAP_SOURCE],
  ["secrets", "secret-ttl", SECRET_SOURCE],
] as const)("serve --%s and --%s", (source, ttl, kind) => {
  const [sourceVar, ttlVar] = [source, ttl].map(
    (flag) => `IMGVERIFY_${flag.toUpperCase().replaceAll("-", "_")}`,
  );

  it.each([
    [[`--${source}`, "etcd"], `unknown --${source} "etcd": choose one of files, kube`],
    [[`--${source}`, "kube"], `--${source} kube needs --policy`],
    [[`--${ttl}`, "5s"], `--${ttl} only applies to --${source} kube`],
    [[`--${source}`, "kube", `--${ttl}`, "2h"], `--${ttl} "2h" is over the bound of 1h`],
    [[`--${source}`, "kube", `--${ttl}`, "soon"], `invalid duration "soon" for --${ttl}`],
  ])("refuses %j before listening", async (flags, message) => {
    const h = harness();
    expect(await runCli(["serve", ...flags], h.io)).toBe(2);
    expect(h.io.err).toContain(message);
  });

  it("reads the same refusals from the environment", async () => {
    for (const [env, message] of [
      [{ [`${sourceVar}`]: "etcd" }, `unknown --${source} "etcd"`],
      [{ [`${ttlVar}`]: "5s" }, `--${ttl} only applies to --${source} kube`],
    ] as const) {
      const h = harness(env);
      expect(await runCli(["serve"], h.io)).toBe(2);
      expect(h.io.err).toContain(message);
    }
  });

  it("defaults to files, and with kube to a 30s TTL, at most 1h", () => {
    const parse = (values: Record<string, string>) => parseObjectSourceChoice(kind, values);
    expect(parse({})).toEqual({ source: "files", ttlMs: 30_000 });
    expect(parse({ [source]: "kube" })).toEqual({ source: "kube", ttlMs: 30_000 });
    expect(parse({ [source]: "kube", [ttl]: "1h" })).toEqual({ source: "kube", ttlMs: 3_600_000 });
    expect(() => parse({ [source]: "kube", [ttl]: "1h1s" })).toThrow(/over the bound of 1h/);
  });
});
