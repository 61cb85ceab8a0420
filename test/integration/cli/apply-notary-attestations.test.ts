/**
 * Notary attestations against the harness registry, as Kyverno reads them: a
 * referrer of the image with the attestation's artifact type (a CycloneDX
 * SBOM), signed by its own Notary signature referrer, its one layer the
 * payload. Through `imgverify apply`, an ImageValidatingPolicy with a Notary
 * attestor and a `referrer` attestation, and a ClusterPolicy of type Notary
 * with attestation conditions, admit the image whose SBOM is signed with the
 * trusted certificate and deny those whose SBOM is unsigned or signed by
 * another; an unsigned referrer's payload is never read.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { runImgverify } from "../../support/cli.ts";
import { pushImage } from "../../support/images.ts";
import { podOf } from "../../support/kyverno-resources.ts";
import { type OpensslTsa, opensslTsa } from "../../support/openssl-tsa.ts";
import { type Descriptor, pushArtifact, pushIndex, referrersTag } from "../../support/push.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { EMPTY_ROOT } from "../../unit/engine/core/world.ts";
import {
  LEAF_EXTENSIONS,
  payloadFor,
  pemOf,
  type Signer,
  selfSignedSigner,
  signJws,
} from "../../unit/verify/notary/support.ts";

const dir = makeTempDir("cli-apply-notary-attestations");
afterAll(() => removeTempDir(dir));
const registry = inject("registries").anonymous;
const harness = new HarnessClient(registry);

const NOTARY = "application/vnd.cncf.notary.signature";
const JWS = "application/jose+json";
const SBOM = "sbom/cyclone-dx";
const BOM = {
  bomFormat: "CycloneDX",
  specVersion: "1.5",
  components: [{ name: "libfoo", licenses: [{ expression: "GPL-3.0" }] }],
};

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A Notary signature referrer of `subject`, by `signer`, countersigned by `tsa` when given. */
async function pushSignature(
  repository: string,
  subject: Descriptor,
  signer: Signer,
  tsa?: OpensslTsa,
) {
  const { mediaType, digest, size } = subject;
  const signingTime = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  let envelope = await signJws(signer, {
    protected: { "io.cncf.notary.signingTime": signingTime },
    payload: payloadFor({ mediaType, digest, size }),
  });
  if (tsa !== undefined) {
    // Notary's countersignature: an RFC 3161 token over the signature's bytes, in the unsigned header.
    const json = JSON.parse(new TextDecoder().decode(envelope));
    const token = await tsa.stamp(Buffer.from(json.signature, "base64url"));
    json.header["io.cncf.notary.timestampSignature"] = Buffer.from(token).toString("base64");
    envelope = new TextEncoder().encode(JSON.stringify(json));
  }
  return pushArtifact(harness, repository, `sig-${digest.slice(7, 19)}-${signer.alg}`, {
    artifactType: NOTARY,
    layers: [{ content: envelope, mediaType: JWS }],
    subject,
  });
}

/** The referrers tag-schema index of `subject` (docker-registry 2.8 has no referrers API). */
function listReferrers(repository: string, subject: Descriptor, referrers: Descriptor[]) {
  return pushIndex(harness, repository, referrersTag(subject.digest), referrers);
}

/** An image signed by `trusted`, with an SBOM signed by `sbomSigner` (or by nobody). */
async function attestedImage(name: string, trusted: Signer, sbomSigner: Signer | undefined) {
  const repository = `notary-attest/${name}`;
  const pushed = await pushImage(registry, repository, "v1");
  const head = await harness.headManifest(repository, pushed.digest);
  const image: Descriptor = { mediaType: head.mediaType, digest: head.digest, size: head.size };
  const signature = await pushSignature(repository, image, trusted);
  const sbom = await pushArtifact(harness, repository, `sbom-${name}`, {
    artifactType: SBOM,
    layers: [{ content: BOM, mediaType: "application/vnd.cyclonedx+json" }],
    subject: image,
  });
  await listReferrers(repository, image, [signature, sbom]);
  if (sbomSigner !== undefined) {
    await listReferrers(repository, sbom, [await pushSignature(repository, sbom, sbomSigner)]);
  }
  return pushed.reference;
}

function ivpol(certificate: string, validations: object[]) {
  return {
    apiVersion: "policies.kyverno.io/v1beta1",
    kind: "ImageValidatingPolicy",
    metadata: { name: "notary-sbom" },
    spec: {
      validationActions: ["Deny"],
      validationConfigurations: { mutateDigest: false, verifyDigest: false },
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] },
        ],
      },
      matchImageReferences: [{ glob: `${registry.host}/*` }],
      attestors: [{ name: "notary", notary: { certs: { value: certificate } } }],
      attestations: [{ name: "sbom", referrer: { type: SBOM } }],
      validations,
    },
  };
}

const VALIDATIONS = [
  {
    expression:
      "images.containers.map(image, verifyImageSignatures(image, [attestors.notary])).all(e, e > 0)",
    message: "failed to verify image with notary cert",
  },
  {
    expression:
      "images.containers.map(image, verifyAttestationSignatures(image, attestations.sbom, [attestors.notary])).all(e, e > 0)",
    message: "failed to verify attestation with notary cert",
  },
  {
    expression:
      "images.containers.map(image, extractPayload(image, attestations.sbom).bomFormat == 'CycloneDX').all(e, e)",
    message: "sbom is not a cyclone dx sbom",
  },
];

function clusterPolicy(certificate: string, license: string) {
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: { name: "notary-sbom" },
    spec: {
      rules: [
        {
          name: "sbom",
          match: { any: [{ resources: { kinds: ["Pod"] } }] },
          verifyImages: [
            {
              type: "Notary",
              failureAction: "Enforce",
              mutateDigest: false,
              verifyDigest: false,
              imageReferences: [`${registry.host}/*`],
              attestations: [
                {
                  type: SBOM,
                  attestors: [{ entries: [{ certificates: { cert: certificate } }] }],
                  conditions: [
                    {
                      all: [
                        {
                          key: "{{ components[].licenses[].expression }}",
                          operator: "AllIn",
                          value: [license],
                        },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

describe("imgverify apply with Notary attestations", () => {
  let certificate: string;
  const images: Record<"trusted" | "unsigned" | "other", string> = {
    trusted: "",
    unsigned: "",
    other: "",
  };

  beforeAll(async () => {
    const trusted = await selfSignedSigner("ES256");
    const other = await selfSignedSigner("ES256");
    certificate = pemOf(trusted.leaf);
    images.trusted = await attestedImage("trusted", trusted, trusted);
    images.unsigned = await attestedImage("unsigned", trusted, undefined);
    images.other = await attestedImage("other", trusted, other);
  }, 120_000);

  function apply(policy: object, image: string) {
    return runImgverify(
      [
        ...["apply", "--insecure-registry", registry.host],
        ...["--trusted-root", write("root.json", JSON.stringify(EMPTY_ROOT))],
        ...["--policy", write("policy.json", JSON.stringify(policy))],
        ...["--resource", write("pod.json", JSON.stringify(podOf("web", image)))],
      ],
      { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
    );
  }

  it("an ImageValidatingPolicy admits the image whose SBOM is signed and reads its payload", async () => {
    const { code, stdout, stderr } = await apply(ivpol(certificate, VALIDATIONS), images.trusted);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Pod/shop/web: allowed");
  });

  it("an ImageValidatingPolicy denies an unsigned SBOM and one signed by another certificate", async () => {
    for (const image of [images.unsigned, images.other]) {
      const { code, stdout } = await apply(ivpol(certificate, VALIDATIONS), image);
      expect(code).toBe(1);
      expect(stdout).toContain("Pod/shop/web: denied");
      expect(stdout).toContain("failed to verify attestation with notary cert");
    }
  });

  it("extractPayload never reads an unverified SBOM", async () => {
    const payloadOnly = [VALIDATIONS[0], VALIDATIONS[2]] as object[];
    const { code, stdout } = await apply(ivpol(certificate, payloadOnly), images.unsigned);
    expect(code).toBe(1);
    expect(stdout).toContain('no verified attestation "sbom"');
  });

  it("a ClusterPolicy of type Notary checks the SBOM's conditions", async () => {
    const passed = await apply(clusterPolicy(certificate, "GPL-3.0"), images.trusted);
    expect({ code: passed.code, stderr: passed.stderr }).toEqual({ code: 0, stderr: "" });
    expect(passed.stdout).toContain("Pod/shop/web: allowed");
    const unmet = await apply(clusterPolicy(certificate, "MIT"), images.trusted);
    expect(unmet.code).toBe(1);
    expect(unmet.stdout).toContain("not met");
    const unsigned = await apply(clusterPolicy(certificate, "GPL-3.0"), images.unsigned);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toContain("Notary signature");
  });

  it("checks JSON payloads with a JSON-mode policy, and only those", async () => {
    const policy = ivpol(
      certificate,
      VALIDATIONS.map((v) => ({
        ...v,
        expression: v.expression.replaceAll("images.containers", "images.bar"),
      })),
    );
    const spec = policy.spec as Record<string, unknown>;
    spec.evaluation = { mode: "JSON" };
    spec.images = [{ name: "bar", expression: "[object.foo.bar]" }];
    delete spec.matchConstraints;
    delete spec.validationActions;
    const run = (flag: string, document: object) =>
      runImgverify(
        [
          ...["apply", "--insecure-registry", registry.host],
          ...["--trusted-root", write("root.json", JSON.stringify(EMPTY_ROOT))],
          ...["--policy", write("policy-json.json", JSON.stringify(policy))],
          ...[flag, write("input.json", JSON.stringify(document))],
        ],
        { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
      );
    const passed = await run("--json-payload", { foo: { bar: images.trusted } });
    expect({ code: passed.code, stderr: passed.stderr }).toEqual({ code: 0, stderr: "" });
    expect(passed.stdout).toContain("JSON payload: allowed");
    expect(passed.stdout).toContain(`pass notary-sbom/notary-sbom ${images.trusted}`);
    const failed = await run("--json-payload", { foo: { bar: images.unsigned } });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("JSON payload: denied");
    // A Kubernetes resource is not a payload: the JSON-mode policy leaves it alone.
    const pod = await run("--resource", podOf("web", images.unsigned));
    expect(pod.code).toBe(0);
    expect(pod.stdout).not.toContain("notary-sbom");
  });

  it("takes the Notary certificate from a ConfigMap beside the policy", async () => {
    const policy = ivpol("", VALIDATIONS);
    const spec = policy.spec as Record<string, unknown>;
    spec.variables = [
      {
        name: "cm",
        expression: 'resource.get("v1", "configmaps", object.metadata.namespace, "keys")',
      },
    ];
    spec.attestors = [
      { name: "notary", notary: { certs: { expression: "variables.cm.data.certificate" } } },
    ];
    const configMap = (pem: string) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "keys", namespace: "shop" },
      data: { certificate: pem },
    });
    const run = (pem: string) => {
      const docs = [policy, configMap(pem)].map((d) => JSON.stringify(d)).join("\n---\n");
      return runImgverify(
        [
          ...["apply", "--insecure-registry", registry.host],
          ...["--trusted-root", write("root.json", JSON.stringify(EMPTY_ROOT))],
          ...["--policy", write("policy-with-cm.yaml", docs)],
          ...["--resource", write("pod.json", JSON.stringify(podOf("web", images.trusted)))],
        ],
        { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
      );
    };
    const passed = await run(certificate);
    expect({ code: passed.code, stderr: passed.stderr }).toEqual({ code: 0, stderr: "" });
    const other = pemOf((await selfSignedSigner("ES256")).leaf);
    const denied = await run(other);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain("failed to verify image with notary cert");
  });
});

describe("imgverify apply with Notary tsaCerts", () => {
  it("admits a signature made before its certificate expired only when a trusted authority stamped it", async () => {
    const [tsa, stranger] = await Promise.all([opensslTsa("notary"), opensslTsa("stranger")]);
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 4_000);
    const signer = await selfSignedSigner("ES256", LEAF_EXTENSIONS(), {
      notBefore: new Date(Date.now() - 60_000),
      notAfter,
    });
    const repository = "notary-attest/timestamped";
    const pushed = await pushImage(registry, repository, "v1");
    const head = await harness.headManifest(repository, pushed.digest);
    const image: Descriptor = { mediaType: head.mediaType, digest: head.digest, size: head.size };
    await listReferrers(repository, image, [await pushSignature(repository, image, signer, tsa)]);
    await new Promise((resolve) => setTimeout(resolve, notAfter.getTime() - Date.now() + 1_500));

    const apply = (tsaCerts?: string) => {
      const policy = ivpol(pemOf(signer.leaf), [VALIDATIONS[0] as object]);
      const [attestor] = policy.spec.attestors as { notary: Record<string, unknown> }[];
      if (attestor && tsaCerts !== undefined) attestor.notary.tsaCerts = { value: tsaCerts };
      return runImgverify(
        [
          ...["apply", "--insecure-registry", registry.host],
          ...["--trusted-root", write("root.json", JSON.stringify(EMPTY_ROOT))],
          ...["--policy", write("policy-tsa.json", JSON.stringify(policy))],
          ...["--resource", write("pod.json", JSON.stringify(podOf("web", pushed.reference)))],
        ],
        { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
      );
    };
    const stamped = await apply(tsa.rootPem);
    expect({ code: stamped.code, stderr: stamped.stderr }).toEqual({ code: 0, stderr: "" });
    expect(stamped.stdout).toContain("Pod/shop/web: allowed");
    for (const refused of [await apply(undefined), await apply(stranger.rootPem)]) {
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("failed to verify image with notary cert");
    }
  }, 60_000);
});
