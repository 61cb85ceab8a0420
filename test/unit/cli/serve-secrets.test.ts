/**
 * `serve --secrets kube`: the in-cluster Secret source and its namespace
 * reach the engine instead of the Secret manifests beside the policies (the
 * flags' refusals are in serve-object-sources.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { InClusterSourceOptions } from "../../../src/cli/io.ts";
import { loadEngine } from "../../../src/cli/serve/engine.ts";
import type { ObjectSourceChoice } from "../../../src/cli/serve/object-source.ts";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { StaticSecretSource } from "../../../src/policy/index.ts";
import { EMPTY_ROOT, freshKey, policyDoc, REFS } from "../engine/core/world.ts";
import { fakeIo } from "./fake-io.ts";
import { serveAdmission } from "./serve-admission.ts";

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** A policy whose one attestor takes its key from the Secret `keys`. */
function secretPolicy(keys: { name: string; namespace: string }) {
  const entry = { keys: { secret: keys, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } } };
  return policyDoc({
    name: "sigs",
    entries: [{ imageReferences: REFS, attestors: [{ entries: [entry] }] }],
  });
}

describe("serve --secrets", () => {
  it("reads keys.secret through the in-cluster source, leaving the Secret manifests beside the policies unused", async () => {
    const [signer, other] = await Promise.all([freshKey(), freshKey()]);
    const keys = { name: "cosign-keys", namespace: "sec" };
    // Beside the policies, the same Secret holds another key: used, it would deny the image.
    const beside = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: keys,
      data: { "cosign.pub": base64(other.pem) },
    };
    const inCluster = new StaticSecretSource([
      { ...keys, data: { "cosign.pub": base64(signer.pem) } },
    ]);
    const asked: InClusterSourceOptions[] = [];
    const files = {
      "p/sigs.json": JSON.stringify(secretPolicy(keys)),
      "p/secret.json": JSON.stringify(beside),
    };
    const served = await serveAdmission(
      signer,
      files,
      ["--secrets", "kube", "--secret-ttl", "5s", "--timeout", "3s"],
      {
        inClusterSecrets: async (options) => {
          asked.push(options);
          return { source: inCluster, namespace: "imgverify-system" };
        },
      },
    );
    expect(served.response).toMatchObject({ allowed: true });
    expect(asked).toMatchObject([{ ttlMs: 5000, timeoutMs: 3000 }]);
    expect(served.stderr).toContain("Secrets beside the policies are not used with --secrets kube");
    expect(await served.stop()).toBe(0);
  });

  it("hands the engine the service account's namespace as its own with kube, and none with files", async () => {
    const files = {
      "p/policy.json": JSON.stringify(secretPolicy({ name: "cosign-keys", namespace: "sec" })),
      "root.json": JSON.stringify(EMPTY_ROOT),
    };
    const inCluster = new StaticSecretSource([]);
    const io = fakeIo(files, {
      inClusterSecrets: async () => ({ source: inCluster, namespace: "imgverify-system" }),
    });
    const global = {
      json: false,
      timeoutMs: 3000,
      insecureRegistries: [],
      registryConfig: undefined,
    };
    const load = (secrets: ObjectSourceChoice) =>
      loadEngine(
        io,
        ["p"],
        "root.json",
        { configMaps: { source: "files", ttlMs: 30_000 }, secrets },
        {},
        global,
        silentLogger,
        Promise.resolve(nobleSha256),
      );
    const kube = await load({ source: "kube", ttlMs: 30_000 });
    expect(kube.options?.secrets).toBe(inCluster);
    expect(kube.options?.ownNamespace).toBe("imgverify-system");
    const beside = await load({ source: "files", ttlMs: 30_000 });
    expect(beside.options?.secrets).toBeInstanceOf(StaticSecretSource);
    expect(beside.options?.secrets).not.toBe(inCluster);
    expect(beside.options?.ownNamespace).toBeUndefined();
  });
});
