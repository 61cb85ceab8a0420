import { beforeAll, describe, expect, it } from "vitest";
import {
  checkAttestations,
  checkSignatures,
  formatsFor,
  type ImageTarget,
  type TrustPolicy,
} from "../../../src/engine/checks/index.ts";
import { OCI_INDEX, OCI_MANIFEST } from "../../../src/oci/index.ts";
import type { FakeRegistry } from "../oci/fake-registry.ts";
import { corporaPresent, corpusText } from "../verify/bundle/corpora.ts";
import { keyIdOf, productionTrust, REPO, repository, setup, targetOf } from "./fixtures.ts";

const KEYED = "sigstore-rs/extracted/keyed";
const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
const DSSE = "application/vnd.dsse.envelope.v1+json";

/** sigstore-rs's key-signed cosign signature: its payload, signature and the digest it signs. */
function keyedMaterial() {
  const payload = corpusText(`${KEYED}/simplesigning-payload.json`);
  const digest: string = JSON.parse(payload).critical.image["docker-manifest-digest"];
  const signature = corpusText(`${KEYED}/signature.b64`).trim();
  return { payload, digest, signature, key: corpusText(`${KEYED}/cosign.pub`) };
}

function keyPolicy(key: string): TrustPolicy {
  return {
    signer: { kind: "keys", keys: [key] },
    trust: productionTrust(),
    requireTlog: false,
    requireSct: true,
  };
}

/** Pushes `layers` as the `.sig`/`.att` manifest of `digest` in `repo`. */
function pushTagManifest(
  registry: FakeRegistry,
  repo: string,
  digest: string,
  kind: "sig" | "att",
  layers: { content: string; mediaType: string; annotations?: Record<string, string> }[],
): void {
  const config = registry.pushBlob(repo, "{}", "application/vnd.oci.image.config.v1+json");
  const descriptors = layers.map((l) => ({
    ...registry.pushBlob(repo, l.content, l.mediaType),
    ...(l.annotations && { annotations: l.annotations }),
  }));
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: descriptors };
  registry.pushManifest(repo, manifest, { tags: [`${digest.replace(":", "-")}.${kind}`] });
}

describe.runIf(corporaPresent)("cosign signatures under the .sig tag", () => {
  let material: ReturnType<typeof keyedMaterial>;
  let target: ImageTarget;
  let signed: { content: string; mediaType: string; annotations: Record<string, string> };
  beforeAll(() => {
    material = keyedMaterial();
    target = targetOf(material.digest);
    signed = {
      content: material.payload,
      mediaType: SIMPLE_SIGNING,
      annotations: { "dev.cosignproject.cosign/signature": material.signature },
    };
  });

  it("verifies a real cosign signature, once per store however often it is asked", async () => {
    const { registry, ctx, net } = setup();
    pushTagManifest(registry, REPO, material.digest, "sig", [signed]);
    const results = await Promise.all([
      checkSignatures(ctx, target, keyPolicy(material.key), { formats: ["cosign"] }),
      checkSignatures(ctx, target, keyPolicy(material.key), { formats: ["cosign"] }),
    ]);
    for (const [signature] of results) {
      expect(signature).toMatchObject({
        format: "cosign",
        signer: { kind: "key", keyId: keyIdOf(material.key) },
      });
      expect(signature?.signedAt).toBeUndefined();
    }
    expect(net.requests(".sig")).toHaveLength(1);
    expect(net.requests("/blobs/")).toHaveLength(1);
  });

  it("looks in the signature repository when one is given", async () => {
    const { registry, ctx } = setup();
    pushTagManifest(registry, "signatures", material.digest, "sig", [signed]);
    const policy = keyPolicy(material.key);
    await expect(
      checkSignatures(ctx, target, policy, { formats: ["cosign"] }),
    ).rejects.toMatchObject({ code: "NO_SIGNATURES" });
    const elsewhere = {
      formats: ["cosign" as const],
      signatureRepository: { ...repository, repository: "signatures" },
    };
    const [signature] = await checkSignatures(ctx, target, policy, elsewhere);
    expect(signature?.source).toMatch(/^registry\.example\.test\/signatures@sha256:/);
  });

  it("fails a .sig tag that holds an index", async () => {
    const { registry, ctx } = setup();
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    registry.pushManifest(REPO, index, { tags: [`${material.digest.replace(":", "-")}.sig`] });
    await expect(
      checkSignatures(ctx, target, keyPolicy(material.key), { formats: ["cosign"] }),
    ).rejects.toMatchObject({ code: "ARTIFACT_INVALID" });
  });

  it("examines no more layers than the limit", async () => {
    const { registry, ctx } = setup({}, { limits: { maxArtifacts: 2 } });
    pushTagManifest(registry, REPO, material.digest, "sig", [signed, signed, signed]);
    await expect(
      checkSignatures(ctx, target, keyPolicy(material.key), { formats: ["cosign"] }),
    ).rejects.toMatchObject({ code: "TOO_MANY_ARTIFACTS" });
  });

  it("passes over .att layers annotated with another predicate type without fetching them", async () => {
    const { registry, ctx, net } = setup();
    const other = {
      content: "{}",
      mediaType: DSSE,
      annotations: { predicateType: "https://spdx.dev/Document" },
    };
    pushTagManifest(registry, REPO, material.digest, "att", [other]);
    const slsa = "https://slsa.dev/provenance/v1";
    await expect(
      checkAttestations(ctx, target, keyPolicy(material.key), slsa),
    ).rejects.toMatchObject({
      code: "NO_ATTESTATIONS",
    });
    expect(net.requests("/blobs/")).toEqual([]);
  });
});

describe("formatsFor", () => {
  it.each([
    ["keys", "signature", ["cosign", "bundle"]],
    ["keyless", "signature", ["cosign", "bundle"]],
    ["certificate", "signature", ["cosign", "notary"]],
    ["certificate", "attestation", ["cosign", "notary"]],
  ] as const)("looks for a %s policy's %ss in %j", (signer, evidence, formats) => {
    expect(formatsFor(signer, evidence)).toEqual(formats);
  });

  it.each([
    ["keys", "signature", "notary"],
    ["certificate", "signature", "bundle"],
    ["keyless", "attestation", "notary"],
  ] as const)("refuses a %s policy's %ss in %s", (signer, evidence, format) => {
    expect(() => formatsFor(signer, evidence, [format])).toThrow(
      expect.objectContaining({ code: "POLICY_INVALID" }),
    );
  });
});
